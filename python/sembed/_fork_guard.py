"""Refuses to use the engine in a process forked after the engine ran.

The engine's thread pool (OpenMP, which oneDNN runs on too) does not survive fork(): in the
child the pool's worker threads are gone and the next parallel region waits for them forever
(seen as a hang in tests/python/test_runtime.py before this guard). So a forked child gets a
clear error instead. A child that is spawned (multiprocessing "spawn"/"forkserver", Ray, Spark
workers) starts a fresh runtime and works; models pickle by re-opening their directory.
"""

import os

_engine_started = False
_forked_after_start = False


def _after_fork_in_child() -> None:
    global _forked_after_start
    if _engine_started:
        _forked_after_start = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def enter_engine(what: str) -> None:
    """Call before anything that runs the engine's threads."""
    global _engine_started
    if _forked_after_start:
        raise RuntimeError(
            f"sembed: {what} in a process forked after sembed had run; the engine's OpenMP thread pool "
            "does not survive fork(). Start workers with multiprocessing's 'spawn' or 'forkserver' "
            "method (a pickled model re-opens its directory there), or load models only after forking."
        )
    _engine_started = True
