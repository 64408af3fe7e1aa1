#!/usr/bin/env python3
"""Quality of the reduced-precision dtypes (--dtype bf16, int8) against float32, per model.

For each model and dtype, every distinct sentence of the STS benchmark's test split
(tests/data/stsbenchmark/sts-test.csv: 1,379 pairs, 2,552 distinct sentences) is embedded with `sembed embed --dtype D`,
and the report gives:
- cosine between each sentence's D embedding and its float32 embedding: min, 1st percentile,
  median, over all sentences;
- STS-B test Spearman: the rank correlation between the gold scores and the cosine of each pair's
  two embeddings, for float32 and for D, and their difference.
float32 itself is checked against sentence-transformers by the test suite; this script compares
only sembed's dtypes with each other. Needs build/sembed and numpy (the project's .venv).

  .venv/bin/python bench/precision_quality.py [--model DIR ...] [--dtypes bf16,int8] [--out F.md]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STS_TEST = os.path.join(ROOT, "tests", "data", "stsbenchmark", "sts-test.csv")


def read_sts(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) >= 7:
                pairs.append((float(fields[4]), fields[5], fields[6]))
    return pairs


def embed(sembed, model, dtype, texts, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "e.npy")
        cmd = [sembed, "embed", "-q", "-f", "npy", "-o", out, "--dtype", dtype]
        if model:
            cmd += ["--model", model]
        if threads:
            cmd += ["--threads", str(threads)]
        t0 = time.perf_counter()
        subprocess.run(cmd, input="".join(t + "\n" for t in texts).encode(), check=True)
        return np.load(out).astype(np.float64), time.perf_counter() - t0


def rank(x):
    """Ranks 1..n with ties given their mean rank (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = rank(np.asarray(a)), rank(np.asarray(b))
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sembed", default=os.path.join(ROOT, "build", "sembed"))
    p.add_argument("--model", action="append", default=None,
                   help="model directory (repeatable; default: sembed's default model)")
    p.add_argument("--dtypes", default="bf16,int8")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="also write the report (markdown) here")
    p.add_argument("--json", help="also write the figures (JSON) here")
    a = p.parse_args()

    pairs = read_sts(STS_TEST)
    sentences = sorted({s for _, x, y in pairs for s in (x, y)})
    index = {s: i for i, s in enumerate(sentences)}
    gold = np.array([g for g, _, _ in pairs])
    ia = np.array([index[x] for _, x, _ in pairs])
    ib = np.array([index[y] for _, _, y in pairs])
    cpu, isa, _ = machine.cpu()
    lines = [f"Machine: {cpu}, {os.cpu_count()} cores; ISA flags: {', '.join(isa)}.",
             f"Set: STS-B test, {len(pairs)} pairs, {len(sentences)} distinct sentences.", "",
             "| model | dtype | cos to float32 min | 1st pct | median | Spearman float32 | "
             "Spearman dtype | Δ Spearman | embed s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    results = []
    for model in a.model or [None]:
        name = os.path.basename(os.path.normpath(model)) if model else "default model"
        ref, t_ref = embed(a.sembed, model, "float32", sentences, a.threads)
        ref_u = unit(ref)
        s_ref = spearman(gold, (ref_u[ia] * ref_u[ib]).sum(1))
        lines.append(f"| {name} | float32 | 1 | 1 | 1 | {s_ref:.5f} | {s_ref:.5f} | 0 | "
                     f"{t_ref:.1f} |")
        for dtype in a.dtypes.split(","):
            x, t = embed(a.sembed, model, dtype, sentences, a.threads)
            xu = unit(x)
            cos = (xu * ref_u).sum(1)
            s = spearman(gold, (xu[ia] * xu[ib]).sum(1))
            r = {"model": name, "dtype": dtype, "cos_min": float(cos.min()),
                 "cos_p1": float(np.percentile(cos, 1)), "cos_median": float(np.median(cos)),
                 "spearman_float32": s_ref, "spearman": s, "delta_spearman": s - s_ref,
                 "embed_s": t, "embed_s_float32": t_ref}
            results.append(r)
            lines.append(f"| {name} | {dtype} | {r['cos_min']:.5f} | {r['cos_p1']:.5f} | "
                         f"{r['cos_median']:.6f} | {s_ref:.5f} | {s:.5f} | {s - s_ref:+.5f} | "
                         f"{t:.1f} |")
    report = "\n".join(lines)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"cpu": cpu, "isa": isa, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
