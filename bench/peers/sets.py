"""Builds the sentence sets the benchmark runs on, as one text per line files.

- short: every distinct sentence of STS-B dev and test (columns 6 and 7 of the tab-separated
  files, read without quote handling: the files contain stray quote characters), first
  occurrence order.
- long: consecutive short sentences joined with a space until the text reaches about
  `long_tokens` tokens (with [CLS]/[SEP]) under the model's tokenizer.
- latency: every k-th short sentence, spread over the set, for single-sentence latency.
"""
from __future__ import annotations

import csv
import os


def read_stsb(paths: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                for s in row[5:7]:
                    s = " ".join(s.split())  # one line per text; STS-B has no newlines anyway
                    if s:
                        seen.setdefault(s, None)
    return list(seen)


def token_counts(tokenizer, texts: list[str], max_len: int) -> list[int]:
    enc = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_len)
    return [len(ids) for ids in enc["input_ids"]]


def join_long(tokenizer, short: list[str], long_tokens: int, count: int) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    cur_tokens = 2  # [CLS] and [SEP]
    lens = token_counts(tokenizer, short, 10_000)
    i = 0
    while len(out) < count:
        s, n = short[i % len(short)], lens[i % len(short)] - 2
        i += 1
        cur.append(s)
        cur_tokens += n
        if cur_tokens >= long_tokens:
            out.append(" ".join(cur))
            cur, cur_tokens = [], 2
    return out


def write(path: str, texts: list[str]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(t + "\n")
