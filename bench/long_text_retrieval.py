#!/usr/bin/env python3
"""Long-document retrieval: truncate vs chunk (sembed embed --long-text), on documents built
from the STS benchmark (tests/data/stsbenchmark/sts-{train,dev,test}.csv), default model.

    .venv/bin/python bench/long_text_retrieval.py [--sembed build/sembed] [--docs 1000]
                                                   [--seed 20261203] [--threads N] [--out FILE]

Construction (all draws from one random.Random(seed); the same seed gives the same set):

- The STS files are read line by line with split('\\t'); a line is kept when it has at least 7
  fields, field 4 parses as a float in [0, 5] and fields 5 and 6 (the two sentences) are
  non-empty. Sentences are compared by a key (lower-cased, whitespace collapsed).
- Needle pairs: pairs with score >= 4.0 whose two sentences differ (key), at most one pair per
  sentence1 key and per sentence2 key (first in file order train, dev, test); --docs of them are
  drawn with rng.sample.
- Filler pool: every distinct STS sentence (either column) whose key is in no pair with score
  >= 3.0, so no paraphrase of a query is in any document but its own needle.
- Document d: a target length W_d drawn uniformly from [MIN_WORDS, MAX_WORDS] words; filler
  sentences are drawn from the pool (without replacement within a document) until the fillers
  hold at least W_d - words(needle) words; sentence1 of needle pair d is inserted at a uniformly
  drawn sentence position (0 .. number of fillers); the sentences are joined with single spaces.
  The needle's word position (words before it) and its code-point offsets are recorded.
- Query d = sentence2 of needle pair d; the task is to find document d among all documents by
  cosine similarity. Queries are embedded once (they are short: truncate and chunk agree).

Modes (documents only; each run is one `sembed embed` process over all documents, its wall
time measured around the process, model load included):
  truncate          --long-text truncate --format npy (first max_seq_length tokens)
  chunk-ov0, ov64   --long-text chunk --chunk-overlap 0 / 64 --format npy (token-weighted mean)
  chunk-ov32 and    one run of --long-text chunk --chunk-overlap 32 --output-value chunks
  max-windows-ov32  --no-normalize (to save a pass over the documents on a 2-core machine): the
                    windows' vectors before the model's Normalize; chunk-ov32 = their
                    token-weighted mean (weights token_end - token_begin), normalized, which is
                    chunk mode's definition (docs/long-text.md) and is checked against
                    `--long-text chunk --chunk-overlap 32` itself on the first --check-docs
                    documents (fails above 1e-5); max-windows = max cosine of the query against
                    the document's windows (each normalized, as --output-value chunks gives
                    them without --no-normalize)

Metrics: recall@1, recall@10, MRR (rank = 1 + documents scored strictly higher than the right
one) over all queries, and recall@1 split by where the needle lies relative to the first window
of its document (its [char_begin, char_end) from the chunks output; the first window is the
same for every overlap and is what truncate embeds): "first" = the needle ends inside it,
"straddle" = it starts inside and ends after, "beyond" = it starts at or after its end. Window
counts of overlaps 0 and 64 are computed from each document's token count with the documented
rule (windows start at k * (capacity - overlap)); the rule is checked against the overlap-32
chunks output.
"""
import argparse
import datetime
import json
import math
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "stsbenchmark")
SPLITS = ["sts-train.csv", "sts-dev.csv", "sts-test.csv"]
NEEDLE_MIN_SCORE = 4.0
FILLER_MAX_SCORE = 3.0  # pool: sentences in no pair with score >= this
MIN_WORDS, MAX_WORDS = 250, 600
OVERLAPS = [0, 32, 64]
MAX_OVERLAP = 32


def key(s):
    return " ".join(s.lower().split())


def read_pairs():
    pairs, skipped = [], 0
    for name in SPLITS:
        with open(os.path.join(DATA, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.rstrip("\r\n").split("\t")
                if len(fields) < 7:
                    skipped += 1
                    continue
                try:
                    score = float(fields[4])
                except ValueError:
                    skipped += 1
                    continue
                a, b = " ".join(fields[5].split()), " ".join(fields[6].split())
                if not (0.0 <= score <= 5.0) or not a or not b:
                    skipped += 1
                    continue
                pairs.append((score, a, b))
    return pairs, skipped


def build_set(n_docs, seed):
    pairs, skipped = read_pairs()
    rng = random.Random(seed)
    candidates, seen1, seen2 = [], set(), set()
    for score, a, b in pairs:
        if score < NEEDLE_MIN_SCORE or key(a) == key(b) or key(a) in seen1 or key(b) in seen2:
            continue
        seen1.add(key(a))
        seen2.add(key(b))
        candidates.append((score, a, b))
    if n_docs > len(candidates):
        sys.exit(f"--docs {n_docs}: only {len(candidates)} needle pairs")
    needles = rng.sample(candidates, n_docs)
    excluded = set()
    for score, a, b in pairs:
        if score >= FILLER_MAX_SCORE:
            excluded.add(key(a))
            excluded.add(key(b))
    pool, pool_keys = [], set()
    for _, a, b in pairs:
        for s in (a, b):
            k = key(s)
            if k not in excluded and k not in pool_keys:
                pool_keys.add(k)
                pool.append(s)
    docs = []
    for score, needle, query in needles:
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        need = target - len(needle.split())
        fillers, words = [], 0
        for i in rng.sample(range(len(pool)), len(pool)):
            if words >= need:
                break
            fillers.append(pool[i])
            words += len(pool[i].split())
        pos = rng.randint(0, len(fillers))
        sentences = fillers[:pos] + [needle] + fillers[pos:]
        text = " ".join(sentences)
        before = " ".join(fillers[:pos])
        char_begin = len(before) + (1 if pos else 0)
        assert text[char_begin:char_begin + len(needle)] == needle
        docs.append({"text": text, "query": query, "needle": needle, "score": score,
                     "target_words": target, "words": len(text.split()),
                     "needle_word": len(before.split()), "needle_sentence": pos,
                     "sentences": len(sentences), "needle_char_begin": char_begin,
                     "needle_char_end": char_begin + len(needle)})
    info = {"pairs_read": len(pairs), "lines_skipped": skipped,
            "needle_candidates": len(candidates), "pool": len(pool)}
    return docs, info


def run_sembed(sembed, args, texts, out, threads):
    cmd = [sembed, "embed", "-q"] + args + ["-o", out]
    if threads:
        cmd += ["--threads", str(threads)]
    data = "".join(t + "\n" for t in texts).encode("utf-8")
    t0 = time.perf_counter()
    subprocess.run(cmd, input=data, check=True)
    return time.perf_counter() - t0, cmd


def ranks_of(scores):
    """scores[q, d]; the right document of query q is d = q."""
    right = scores[np.arange(len(scores)), np.arange(len(scores))]
    return 1 + (scores > right[:, None]).sum(axis=1)


def windows_for(tokens, capacity, overlap):
    if tokens <= capacity:
        return 1
    return 1 + math.ceil((tokens - capacity) / (capacity - overlap))


def machine_info():
    model, isa, cores = machine.cpu()
    return {"cpu": model, "cores": cores, "isa": isa,
            "avx512f": "avx512f" in isa, "amx": any(f.startswith("amx") for f in isa)}


def git_commit():
    try:
        c = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return c + (" (work tree modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sembed", default=os.path.join(ROOT, "build", "sembed"))
    p.add_argument("--docs", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20261203)
    p.add_argument("--threads", type=int, default=0, help="sembed --threads (default: its own)")
    p.add_argument("--check-docs", type=int, default=100,
                   help="documents on which `--long-text chunk` itself is checked against the "
                        "weighted mean of the chunks output (0: no check)")
    p.add_argument("--out", help="results file (default bench/results/<date>-long-text-retrieval.md)")
    args = p.parse_args()
    today = subprocess.run(["date", "+%F"], capture_output=True, text=True).stdout.strip()
    out_path = args.out or os.path.join(ROOT, "bench", "results", f"{today}-long-text-retrieval.md")

    docs, info = build_set(args.docs, args.seed)
    texts = [d["text"] for d in docs]
    n = len(docs)
    print(f"{n} documents, {sum(d['words'] for d in docs)} words; pool {info['pool']} sentences, "
          f"{info['needle_candidates']} needle candidates", file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="sembed-ltr-")

    qpath = os.path.join(tmp, "queries.npy")
    q_s, _ = run_sembed(args.sembed, ["--format", "npy"], [d["query"] for d in docs], qpath,
                        args.threads)
    Q = np.load(qpath).astype(np.float64)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    print(f"queries: {q_s:.1f} s", file=sys.stderr)

    results, doc_vectors = [], {}
    modes = [("truncate", ["--long-text", "truncate"])] + [
        (f"chunk, overlap {o}", ["--long-text", "chunk", "--chunk-overlap", str(o)])
        for o in OVERLAPS if o != MAX_OVERLAP]
    for name, extra in modes:
        path = os.path.join(tmp, f"docs-{len(results)}.npy")
        secs, cmd = run_sembed(args.sembed, extra + ["--format", "npy"], texts, path, args.threads)
        D = np.load(path).astype(np.float64)
        assert D.shape[0] == n
        D /= np.linalg.norm(D, axis=1, keepdims=True)
        doc_vectors[name] = D
        results.append({"mode": name, "seconds": secs, "scores": Q @ D.T})
        print(f"{name}: {secs:.1f} s", file=sys.stderr)

    # One overlap-32 run gives both the chunk-mode vector and the windows: with --no-normalize the
    # chunks output holds each window's vector before the model's Normalize, so the text's
    # vector is their token-weighted mean, normalized (docs/long-text.md step 6), checked below
    # against `--long-text chunk` itself on the first --check-docs documents; cosines against
    # the windows do not depend on the windows' norms.
    cpath = os.path.join(tmp, "chunks.jsonl")
    secs, _ = run_sembed(args.sembed, ["--long-text", "chunk", "--chunk-overlap", str(MAX_OVERLAP),
                                       "--output-value", "chunks", "--no-normalize"], texts, cpath,
                         args.threads)
    with open(cpath, encoding="utf-8") as f:
        chunks = [json.loads(line)["chunks"] for line in f if line.strip()]
    assert len(chunks) == n
    max_scores = np.empty((n, n))
    mean_vectors = np.empty((n, Q.shape[1]))
    first_end, tokens, windows32, first_delta = [], [], [], 0.0
    for d, cs in enumerate(chunks):
        W = np.array([c["embedding"] for c in cs], dtype=np.float64)
        weights = np.array([c["token_end"] - c["token_begin"] for c in cs], dtype=np.float64)
        mean_vectors[d] = (weights[:, None] * W).sum(axis=0) / weights.sum()
        W /= np.linalg.norm(W, axis=1, keepdims=True)
        max_scores[:, d] = (Q @ W.T).max(axis=1)
        first_end.append(cs[0]["char_end"])
        tokens.append(cs[-1]["token_end"])
        windows32.append(len(cs))
        # the first window is what truncate embeds
        first_delta = max(first_delta, float(np.abs(W[0] - doc_vectors["truncate"][d]).max()))
    mean_vectors /= np.linalg.norm(mean_vectors, axis=1, keepdims=True)
    name32 = f"chunk, overlap {MAX_OVERLAP}"
    results.insert(1 + OVERLAPS.index(MAX_OVERLAP),
                   {"mode": name32, "seconds": secs, "scores": Q @ mean_vectors.T})
    results.append({"mode": f"max over windows, overlap {MAX_OVERLAP}", "seconds": secs,
                    "scores": max_scores})
    print(f"chunks output, overlap {MAX_OVERLAP}: {secs:.1f} s; first window vs truncate max "
          f"|delta| {first_delta:.2e}", file=sys.stderr)
    k = min(args.check_docs, n)
    check_delta = float("nan")
    if k:
        path = os.path.join(tmp, "check.npy")
        check_s, _ = run_sembed(args.sembed, ["--long-text", "chunk", "--chunk-overlap",
                                              str(MAX_OVERLAP), "--format", "npy"], texts[:k], path,
                                args.threads)
        C = np.load(path).astype(np.float64)
        check_delta = float(np.abs(C - mean_vectors[:k]).max())
        print(f"check: --long-text chunk on {k} documents ({check_s:.1f} s) vs the weighted mean of "
              f"the chunks output: max |delta| {check_delta:.2e}", file=sys.stderr)
        assert check_delta < 1e-5, check_delta

    capacity = chunks[int(np.argmax(windows32))][0]["token_end"] - chunks[int(np.argmax(windows32))][0]["token_begin"]
    for d in range(n):
        assert windows_for(tokens[d], capacity, MAX_OVERLAP) == windows32[d], d
    windows = {o: sum(windows_for(t, capacity, o) for t in tokens) for o in OVERLAPS}

    where = []
    for d, doc in enumerate(docs):
        if doc["needle_char_end"] <= first_end[d]:
            where.append("first")
        elif doc["needle_char_begin"] < first_end[d]:
            where.append("straddle")
        else:
            where.append("beyond")
    where = np.array(where)
    groups = ["first", "straddle", "beyond"]
    counts = {g: int((where == g).sum()) for g in groups}
    nwin = np.array(windows32)
    win_buckets = [(1, 2, "≤2"), (3, 3, "3"), (4, 99, "≥4")]

    rows, by_win = [], []
    for r in results:
        rk = ranks_of(r["scores"])
        r1 = rk == 1
        if r["mode"] == "truncate":
            wtotal = n
        elif r["mode"].startswith("chunk"):
            wtotal = windows[int(r["mode"].split()[-1])]
        else:
            wtotal = windows[MAX_OVERLAP]
        row = {"mode": r["mode"], "r1": r1.mean(), "r10": (rk <= 10).mean(), "mrr": (1 / rk).mean(),
               "seconds": r["seconds"], "windows": wtotal}
        for g in groups:
            row[g] = r1[where == g].mean() if counts[g] else float("nan")
        rows.append(row)
        by_win.append([r1[(nwin >= lo) & (nwin <= hi)].mean() if ((nwin >= lo) & (nwin <= hi)).any()
                       else float("nan") for lo, hi, _ in win_buckets])
    win_counts = [int(((nwin >= lo) & (nwin <= hi)).sum()) for lo, hi, _ in win_buckets]

    def pct(x):
        return "—" if x != x else f"{100 * x:.1f}"

    table = ["| mode | recall@1 % | recall@10 % | MRR | recall@1 %, needle in first window "
             f"(n={counts['first']}) | straddling its end (n={counts['straddle']}) | "
             f"beyond it (n={counts['beyond']}) | windows | embed s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        table.append(f"| {row['mode']} | {pct(row['r1'])} | {pct(row['r10'])} | {row['mrr']:.3f} | "
                     f"{pct(row['first'])} | {pct(row['straddle'])} | {pct(row['beyond'])} | "
                     f"{row['windows']} | {row['seconds']:.1f} |")
    table2 = ["| mode | " + " | ".join(f"{label} windows (n={c})" for (_, _, label), c
                                         in zip(win_buckets, win_counts)) + " |",
              "| --- |" + " ---: |" * len(win_buckets)]
    for row, bw in zip(rows, by_win):
        table2.append(f"| {row['mode']} | " + " | ".join(pct(x) for x in bw) + " |")

    m = machine_info()
    words = np.array([d["words"] for d in docs])
    tok = np.array(tokens)
    nw = np.array([d["needle_word"] for d in docs])
    cmdline = " ".join(shlex.quote(os.path.relpath(a, ROOT) if i == 0 else a)
                       for i, a in enumerate([sys.argv[0]] + sys.argv[1:]))
    md = [f"# Long-document retrieval: truncate vs chunk ({n} documents, all-MiniLM-L6-v2)", "",
          f"Date: {today}. sembed commit: {git_commit()}. Command: "
          f"`{os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT) else sys.executable} {cmdline}`.",
          f"Machine: {m['cpu']}, {m['cores']} cores; ISA flags: {', '.join(m['isa']) or 'none listed'}; "
          f"avx512f: {'yes' if m['avx512f'] else 'no'}, AMX: {'yes' if m['amx'] else 'no'}. "
          f"sembed threads: {args.threads or 'its default (physical cores)'}.", "",
          "Construction (bench/long_text_retrieval.py docstring): "
          f"seed {args.seed}; {info['pairs_read']} STS pairs read from sts-train/dev/test "
          f"({info['lines_skipped']} lines skipped as malformed); {n} needle pairs sampled from "
          f"{info['needle_candidates']} pairs with score ≥ {NEEDLE_MIN_SCORE} (distinct sentences, one "
          f"pair per sentence); filler pool: {info['pool']} distinct sentences in no pair with score ≥ "
          f"{FILLER_MAX_SCORE}; document target length uniform in [{MIN_WORDS}, {MAX_WORDS}] words, "
          "needle (sentence1) at a uniform sentence position, query = sentence2.",
          f"Documents: {words.min()}–{words.max()} words (mean {words.mean():.0f}), "
          f"{tok.min()}–{tok.max()} text tokens (mean {tok.mean():.0f}); "
          f"{nwin.min()}–{nwin.max()} windows of {capacity} text tokens at overlap {MAX_OVERLAP}; "
          f"needle word position 0–{nw.max()} (median {int(np.median(nw))}). "
          f"Queries embedded once: {q_s:.1f} s.",
          f"Checks: the first window's embedding (chunks output, normalized) equals the truncate "
          f"embedding to max |Δ| {first_delta:.1e}; `--long-text chunk --chunk-overlap {MAX_OVERLAP}` "
          f"run on the first {k} documents equals the token-weighted mean of the chunks output's "
          f"windows to max |Δ| {check_delta:.1e}"
          + (f" ({check_s:.1f} s)." if k else "."), "",
          "Recall@1/10 and MRR over all queries (cosine, every document a candidate for every query). "
          "Needle position is relative to the first window's characters (chunks output), which is "
          "what truncate embeds. `windows`: windows embedded in total (overlap 0 and 64: from each "
          f"document's token count with the window rule, checked against overlap {MAX_OVERLAP}'s output). "
          "`embed s`: wall time of the one `sembed embed` process over all documents, model load included; "
          f"the overlap-{MAX_OVERLAP} chunk row and the max-over-windows row come from one run "
          f"(`--long-text chunk --chunk-overlap {MAX_OVERLAP} --output-value chunks --no-normalize`: "
          "the chunk vector is its windows' token-weighted mean, normalized, checked against "
          "`--long-text chunk` above), so they show that run's time.",
          ""] + table + ["", "Recall@1 % by the number of windows in the document (overlap 32):", ""] + table2 + [""]
    text = "\n".join(md)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"written: {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
