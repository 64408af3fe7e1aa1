#!/usr/bin/env python3
"""Tokenizer throughput: Hugging Face tokenizers' encode_batch vs sembed, same corpus, one thread.

Corpus: every STS-B sentence (17,256 texts), no padding. Tokenizers (--tokenizer):
  minilm   all-MiniLM-L6-v2 (WordPiece), truncation at 256 (its max_seq_length)
  roberta  tests/tokenizer/bpe/roberta (byte-level BPE + RobertaProcessing), truncation at 128
  unigram  tests/tokenizer/unigram/xlmr-nmt-nfkc (SentencePiece Unigram in XLM-R's layout:
           Precompiled, Strip, Replace, Metaspace), truncation at 256
  all      each of them in turn (default)
HF runs with RAYON_NUM_THREADS=1 (set before import) and TOKENIZERS_PARALLELISM=false; sembed's
bench/tokenizer_bench is single-threaded.

  python bench/tokenizer_hf_bench.py --data tests/data [--tokenizer roberta]
      [--sembed-bench build/bench/tokenizer_bench]
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
    ap.add_argument("--data", default=os.path.join(HERE, "..", "tests", "data"))
    ap.add_argument("--sembed-bench", help="path to the tokenizer_bench binary")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--tokenizer", choices=["minilm", "roberta", "unigram", "all"], default="all")
    args = ap.parse_args()
    tests_tokenizer = os.path.join(HERE, "..", "tests", "tokenizer")
    cases = {
        "minilm": (os.path.join(args.data, "all-MiniLM-L6-v2", "tokenizer.json"), 256, "BM_StsbMiniLM"),
        "roberta": (os.path.join(tests_tokenizer, "bpe", "roberta", "tokenizer.json"), 128,
                    "BM_StsbRobertaBpe"),
        "unigram": (os.path.join(tests_tokenizer, "unigram", "xlmr-nmt-nfkc", "tokenizer.json"), 256,
                    "BM_StsbUnigramXlmr"),
    }

    texts = tokenizer_corpus.sts_sentences(args.data)
    for label in cases if args.tokenizer == "all" else [args.tokenizer]:
        path, max_length, bench = cases[label]
        tok = Tokenizer.from_file(path)
        tok.no_padding()
        tok.enable_truncation(max_length)
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
