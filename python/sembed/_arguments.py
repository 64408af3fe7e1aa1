"""Checks of the sentence-transformers arguments sembed accepts only in part: constructor
arguments that must keep their neutral value, the device (CPU only) and the thread count. Each
failure names the call and the argument."""

from __future__ import annotations

from typing import Any


def check_default_only(where: str, kwargs: dict[str, Any], defaults: dict[str, Any]) -> None:
    """TypeError for an argument sentence-transformers does not have either; ValueError for one
    given a value other than its neutral default (it would change what the model is or does)."""
    for name, value in kwargs.items():
        if name not in defaults:
            raise TypeError(f"{where} got an unexpected keyword argument {name!r}")
        if value != defaults[name]:
            raise ValueError(
                f"{where}: {name}={value!r} is not supported by sembed (only {name}={defaults[name]!r})"
            )


def check_device(device: Any, where: str) -> None:
    if device is None or device == "cpu":
        return
    raise ValueError(
        f"{where}: device={device!r} is not supported; sembed runs on the CPU only (device=None or 'cpu')"
    )


def check_threads(threads: Any, where: str) -> None:
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise ValueError(f"{where}: threads must be a positive integer or None, got {threads!r}")
