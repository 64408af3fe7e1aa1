"""The line protocol every peer speaks with bench/run.py (the C++ driver speaks it too).

A peer process is started once per (engine, model, threads). It loads its model, prints
`BENCH {"ready": true, ...}` and then reads one command per line on stdin, answering each with
one line `BENCH <json>` on stdout (anything else a library prints is ignored by the runner):

  load NAME PATH          read the texts of set NAME (one per line, UTF-8) from PATH
  embed NAME OUT.npy      encode the whole set once (also the warm-up), save [n, dim] float32
  corpus NAME             encode the whole set once, answer {"seconds": s}
  latency NAME COUNT      encode the first COUNT texts one call each, answer {"ms": [...]}
  rss                     answer {"peak_rss_mb": m} (getrusage ru_maxrss of this process)
  quit

Timing is wall clock (perf_counter / steady_clock) around the library's own encode call, so
tokenization, batching, pooling and normalisation are included for every engine alike.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from typing import Callable, Sequence

import numpy as np

EncodeFn = Callable[[Sequence[str]], np.ndarray]


def reply(obj: dict) -> None:
    sys.stdout.write("BENCH " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def serve(encode: EncodeFn, info: dict) -> None:
    """Runs the command loop. encode(texts) -> [len(texts), dim] float32 embeddings."""
    sets: dict[str, list[str]] = {}
    reply({"ready": True, "peak_rss_mb": peak_rss_mb(), **info})
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ")
        cmd = parts[0]
        try:
            if cmd == "load":
                with open(parts[2], encoding="utf-8") as f:
                    sets[parts[1]] = [t.rstrip("\n") for t in f]
                reply({"loaded": len(sets[parts[1]])})
            elif cmd == "embed":
                emb = np.asarray(encode(sets[parts[1]]), dtype=np.float32)
                np.save(parts[2], emb)
                reply({"rows": int(emb.shape[0]), "dim": int(emb.shape[1])})
            elif cmd == "corpus":
                texts = sets[parts[1]]
                t0 = time.perf_counter()
                encode(texts)
                reply({"seconds": time.perf_counter() - t0})
            elif cmd == "latency":
                texts = sets[parts[1]][: int(parts[2])]
                ms = []
                for t in texts:
                    t0 = time.perf_counter()
                    encode([t])
                    ms.append((time.perf_counter() - t0) * 1e3)
                reply({"ms": ms})
            elif cmd == "rss":
                reply({"peak_rss_mb": peak_rss_mb()})
            elif cmd == "quit":
                reply({"bye": True})
                return
            else:
                reply({"error": f"unknown command {cmd!r}"})
        except Exception as e:  # report, keep serving: the runner decides what to do
            reply({"error": f"{type(e).__name__}: {e}"})
