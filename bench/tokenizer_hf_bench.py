#!/usr/bin/env python3
"""Tokenizer throughput: Hugging Face tokenizers' encode_batch vs sembed, same corpus, one thread.

Corpus: every STS-B sentence (17,256 texts), truncation at 256, no padding; tokenizers
all-MiniLM-L6-v2 (WordPiece) and tests/tokenizer/unigram/xlmr-nmt-nfkc (SentencePiece Unigram in
XLM-R's layout: Precompiled, Strip, Replace, Metaspace). HF runs with RAYON_NUM_THREADS=1 (set before import) and
TOKENIZERS_PARALLELISM=false; sembed's bench/tokenizer_bench is single-threaded.

  python bench/tokenizer_hf_bench.py --data ../shared/data [--sembed-bench build/tokenizer_bench]
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import tokenizer_corpus  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data"))
    ap.add_argument("--sembed-bench", help="path to the tokenizer_bench binary")
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()

    texts = tokenizer_corpus.sts_sentences(args.data)
    cases = [("WordPiece all-MiniLM-L6-v2", os.path.join(args.data, "all-MiniLM-L6-v2", "tokenizer.json"),
              "BM_StsbMiniLM"),
             ("Unigram xlmr-nmt-nfkc", os.path.join(HERE, "..", "tests", "tokenizer", "unigram",
                                                    "xlmr-nmt-nfkc", "tokenizer.json"),
              "BM_StsbUnigramXlmr")]
    for label, path, bench in cases:
        tok = Tokenizer.from_file(path)
        tok.no_padding()
        tok.enable_truncation(256)
        tok.encode_batch(texts[:1000])  # warm up
        # CPU time is what google benchmark's items_per_second uses too; it stays meaningful on
        # a shared machine, where wall time depends on the neighbours.
        rounds, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < args.seconds:
            tok.encode_batch(texts)
            rounds += 1
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        hf = rounds * len(texts) / cpu
        print("%s: HF tokenizers encode_batch, 1 thread: %.0f sentences/s CPU time "
              "(%.0f/s wall; %d sentences x %d rounds)"
              % (label, hf, rounds * len(texts) / wall, len(texts), rounds))
        if args.sembed_bench:
            out = subprocess.run([args.sembed_bench, "--benchmark_filter=" + bench,
                                  "--benchmark_format=json"], check=True, capture_output=True,
                                 text=True)
            result = json.loads(out.stdout)["benchmarks"][0]
            sembed = result["items_per_second"]
            print("%s: sembed Tokenizer::encode, 1 thread:  %.0f sentences/s CPU time (%.0f/s wall)"
                  % (label, sembed, result["items_per_second"] * result["cpu_time"] / result["real_time"]))
            print("%s: ratio sembed / HF: %.2fx" % (label, sembed / hf))


if __name__ == "__main__":
    main()
