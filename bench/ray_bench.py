#!/usr/bin/env python3
"""Ray Data scale-out on one machine: N sembed actors × K CPUs against one process with N×K
threads, same corpus, same run. Prints JSON and a markdown table (bench/results/ keeps them).

  build-pip/venv/bin/python bench/ray_bench.py [--actors 2] [--cpus-per-actor 1] [--rounds 3]
                                              [--repeat N]

Needs the sembed package and ray[data] in the interpreter (scripts/test_python.sh makes
build-pip/venv with both). Corpus: every STS-B dev + test sentence (tests/data), batch 32 inside
encode, 256 rows per map_batches call. Figures:
  single   rows/s of SentenceTransformer(threads=N×K).encode(corpus) (median of rounds)
  ray e2e  rows/s of the whole map_batches pipeline, actor start and model load included
  ray busy rows/s = rows ÷ the busiest actor's summed encode time (what the actors sustain once
           started; the per-actor figures are rows ÷ that actor's own encode time)
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus() -> list[str]:
    texts = []
    for name in ("sts-dev.csv", "sts-test.csv"):
        with open(os.path.join(ROOT, "tests", "data", "stsbenchmark", name), encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                texts.extend([row[5], row[6]])
    return texts


class TimedEmbedder:
    """sembed.ray_data.Embedder that also reports, per batch, its process and encode seconds."""

    def __init__(self):
        from sembed.ray_data import Embedder

        self.inner = Embedder(None)

    def __call__(self, batch):
        start = time.perf_counter()
        out = self.inner(batch)
        seconds = time.perf_counter() - start
        n = len(out["id"])
        out["pid"] = np.full(n, os.getpid())
        out["threads_env"] = np.full(n, int(os.environ.get("OMP_NUM_THREADS", "0") or 0))
        out["batch_seconds"] = np.full(n, seconds / n)  # per row, so sums over rows add up
        return out


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name"))
    except Exception:  # noqa: BLE001
        return platform.processor()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--actors", type=int, default=2)
    ap.add_argument("--cpus-per-actor", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N sentences")
    ap.add_argument("--repeat", type=int, default=1,
                    help="the corpus N times over (a longer job: Ray's fixed start-up cost, "
                         "actor start and model load, weighs less in e2e)")
    args = ap.parse_args()
    import ray
    import sembed

    texts = corpus()[: args.limit] * args.repeat
    total_cpus = args.actors * args.cpus_per_actor
    load_start = os.getloadavg()

    model = sembed.SentenceTransformer(threads=total_cpus)
    model.encode(texts[:256])  # warm-up
    single = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        reference = model.encode(texts)
        single.append(len(texts) / (time.perf_counter() - t))
    del model

    ray.init(num_cpus=total_cpus, include_dashboard=False, log_to_driver=False)
    e2e, busy, per_actor_rounds, max_diff = [], [], [], 0.0
    for _ in range(args.rounds):
        ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
        t = time.perf_counter()
        out = ds.map_batches(TimedEmbedder, concurrency=args.actors, num_cpus=args.cpus_per_actor,
                             batch_size=256).to_pandas()
        e2e.append(len(texts) / (time.perf_counter() - t))
        out = out.sort_values("id")
        max_diff = max(max_diff, float(np.abs(np.stack(out["embedding"].to_numpy()) - reference).max()))
        actors = out.groupby("pid").agg(rows=("id", "size"), seconds=("batch_seconds", "sum"),
                                        threads=("threads_env", "first"))
        per_actor_rounds.append([{"rows": int(r.rows), "seconds": float(r.seconds), "omp_num_threads": int(r.threads),
                                  "rows_per_s": float(r.rows / r.seconds)} for r in actors.itertuples()])
        busy.append(len(texts) / float(actors["seconds"].max()))
    ray.shutdown()

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu_name(), "cores": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
        "texts": len(texts), "actors": args.actors, "cpus_per_actor": args.cpus_per_actor, "rounds": args.rounds,
        "single_rows_per_s": statistics.median(single), "single_rounds": single,
        "ray_e2e_rows_per_s": statistics.median(e2e), "ray_e2e_rounds": e2e,
        "ray_busy_rows_per_s": statistics.median(busy), "ray_busy_rounds": busy,
        "per_actor": per_actor_rounds, "max_abs_diff_vs_single": max_diff,
    }
    result["busy_vs_single"] = result["ray_busy_rows_per_s"] / result["single_rows_per_s"]
    result["e2e_vs_single"] = result["ray_e2e_rows_per_s"] / result["single_rows_per_s"]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
