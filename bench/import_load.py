#!/usr/bin/env python3
"""Time to first encode, from a fresh Python process: importing numpy, importing the package and
loading the default model, for sembed's Python package and for sentence-transformers side by side.

Each measure is taken in a new interpreter (so nothing is cached in the process; the files are in
the page cache, as for any second run), `--runs` times; the medians are printed. Run it on an idle
machine: the interpreters are timed one after the other.

    python3 bench/import_load.py [--runs 15] [--sembed-python build-pip/venv/bin/python]
                                 [--st-python bench/.venv/bin/python] [--model DIR] [--threads 2]

--sembed-python: an interpreter with sembed installed (scripts/test_python.sh makes
build-pip/venv). --st-python: one with sentence-transformers (bench/setup.sh makes bench/.venv);
give --st-python "" to leave it out.
"""
import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Printed by the child: milliseconds since its first line for each mark.
SEMBED_CHILD = """
import time; t0 = time.perf_counter()
import numpy; t1 = time.perf_counter()
import sembed; t2 = time.perf_counter()
m = sembed.SentenceTransformer({model!r}, threads={threads}); t3 = time.perf_counter()
m.encode(["A man is eating food."]); t4 = time.perf_counter()
print((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3)
"""

ST_CHILD = """
import time; t0 = time.perf_counter()
import numpy; t1 = time.perf_counter()
import torch; torch.set_num_threads({threads})
from sentence_transformers import SentenceTransformer; t2 = time.perf_counter()
m = SentenceTransformer({model!r}, device="cpu"); t3 = time.perf_counter()
m.encode(["A man is eating food."]); t4 = time.perf_counter()
print((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3)
"""

MARKS = ["import numpy", "import the package", "load the model", "first encode"]


def default_model():
    home = os.environ.get("SEMBED_MODEL_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sembed", "models")
    return os.environ.get("SEMBED_MODEL") or os.path.join(home, "all-MiniLM-L6-v2")


def measure(python, child, runs, env):
    rows = []
    for _ in range(runs):
        out = subprocess.run([python, "-c", child], capture_output=True, text=True, env=env,
                             check=False)
        if out.returncode != 0:
            sys.exit(f"{python} failed:\n{out.stderr[-2000:]}")
        rows.append([float(x) for x in out.stdout.split()[-4:]])
    return rows


def report(name, rows):
    print(f"{name} ({len(rows)} fresh processes, medians in ms; min-max)")
    for i, mark in enumerate(MARKS):
        v = [r[i] for r in rows]
        print(f"  {mark:22s} {statistics.median(v):8.1f}   ({min(v):.1f}-{max(v):.1f})")
    total = [sum(r[1:3]) for r in rows]
    with_numpy = [sum(r[0:3]) for r in rows]
    print(f"  {'import + load':22s} {statistics.median(total):8.1f}   (numpy's import not counted)")
    print(f"  {'numpy + import + load':22s} {statistics.median(with_numpy):8.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--sembed-python", default=str(ROOT / "build-pip/venv/bin/python"))
    ap.add_argument("--st-python", default=str(ROOT / "bench/.venv/bin/python"))
    ap.add_argument("--model", default=default_model())
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    print(f"model {a.model}, {a.threads} threads, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report("sembed", measure(a.sembed_python,
                             SEMBED_CHILD.format(model=a.model, threads=a.threads), a.runs, env))
    if a.st_python:
        report("sentence-transformers + torch",
               measure(a.st_python, ST_CHILD.format(model=a.model, threads=a.threads),
                       max(3, a.runs // 3), env))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
