#!/usr/bin/env python3
"""Differential test of the SentencePiece Unigram pipeline: `sembed tokenize` against Hugging
Face tokenizers (tokenizers.Tokenizer.from_file), live.

Tokenizers: the four trained ones in tests/tokenizer/unigram/ (scripts/make_unigram_fixtures.py:
XLM-R layout — Precompiled (nmt_nfkc, nfkc_cf) or no charsmap (identity), Strip, Replace regex,
Metaspace always, Unigram, byte_fallback, TemplateProcessing, <mask> lstrip) and variants made
here with the tokenizers API from the nmt_nfkc one:
  nfkc-lower-first   Sequence[NFKC, Lowercase, Replace "``", Strip], Metaspace prepend first
  nfd-never-nosplit  Sequence[NFD, StripAccents, Prepend "▁"], Metaspace never, split false
  nfc-nfkd-bert      Sequence[NFC, NFKD, BertNormalizer(lowercase)], Metaspace always
Corpus per tokenizer: every STS-B sentence and pair, the generated stress strings of
scripts/tokenizer_corpus.py (--count, default 100,000, for xlmr-nmt-nfkc; --other-count, default
3,000, for each of the others), a fifth of them again with XLM-R's special tokens typed in, and
long texts; single texts, pairs, truncation, padding with <pad>.
Every input_ids, token_type_ids, attention_mask, tokens and offsets must be identical.

Usage: differential_unigram.py --binary build/sembed --data tests/data [--count 100000]
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402
from differential import run_mode  # noqa: E402

from tokenizers import Tokenizer, normalizers, pre_tokenizers  # noqa: E402

FIXTURES = os.path.join(HERE, "unigram")
TRAINED = ["xlmr-nmt-nfkc", "xlmr-nfkc-cf", "xlmr-identity", "xlmr-byte-fallback"]
XLMR_SPECIAL = ["<s>", "</s>", "<pad>", "<unk>", "<mask>", " <mask>", "<mask> ", "  <mask>",
                "</s></s>", "<s", "s>", "<MASK>", "<mask", "▁<mask>", "<unk><unk>", "▁", "▁▁"]


def variants(tmp):
    base = Tokenizer.from_file(os.path.join(FIXTURES, "xlmr-nmt-nfkc", "tokenizer.json"))
    out = []

    def make(name, normalizer, pre_tokenizer):
        tok = Tokenizer.from_str(base.to_str())
        tok.normalizer = normalizer
        tok.pre_tokenizer = pre_tokenizer
        d = os.path.join(tmp, name)
        os.makedirs(d)
        tok.save(os.path.join(d, "tokenizer.json"))
        out.append((name, d))

    make("nfkc-lower-first",
         normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(),
                               normalizers.Replace("``", '"'), normalizers.Strip()]),
         pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first"))
    make("nfd-never-nosplit",
         normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(),
                               normalizers.Prepend("▁")]),
         pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=False))
    make("nfc-nfkd-bert",
         normalizers.Sequence([normalizers.NFC(), normalizers.NFKD(),
                               normalizers.BertNormalizer(lowercase=True)]),
         pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"))
    return out


def with_specials(texts, seed):
    rng = random.Random(seed)
    out = []
    for t in texts:
        pieces = [t]
        for _ in range(rng.randint(1, 3)):
            s = pieces.pop()
            k = rng.randint(0, len(s))
            pieces += [s[:k], rng.choice(XLMR_SPECIAL), s[k:]]
        out.append("".join(pieces))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--count", type=int, default=100000,
                    help="generated strings for xlmr-nmt-nfkc (the XLM-R layout)")
    ap.add_argument("--other-count", type=int, default=3000,
                    help="generated strings for each of the other tokenizers")
    ap.add_argument("--only", help="run only the tokenizers whose name contains this")
    args = ap.parse_args()
    t0 = time.time()

    sts = tokenizer_corpus.sts_sentences(args.data)
    n_other = min(args.other_count, args.count)
    sts_pairs = tokenizer_corpus.sts_pairs(args.data)
    generated = tokenizer_corpus.generate(args.count, seed=20240601)
    specials = with_specials(generated[: args.count // 5], seed=5)
    long_texts = tokenizer_corpus.long_texts(4, seed=7)
    singles = sts + generated + specials + long_texts
    pair_texts = tokenizer_corpus.generate(args.count // 5 * 2, seed=99, no_tabs=True)
    pairs = sts_pairs + list(zip(pair_texts[0::2], pair_texts[1::2])) + [("", ""), ("a", "")]
    print("corpus: %d single texts (%d STS-B, %d generated, %d with special tokens, %d long), "
          "%d pairs" % (len(singles), len(sts), len(generated), len(specials), len(long_texts),
                        len(pairs)), flush=True)

    tmp = tempfile.mkdtemp(prefix="sembed-unigram-")
    try:
        configs = [(n, os.path.join(FIXTURES, n)) for n in TRAINED] + variants(tmp)
        if args.only:
            configs = [c for c in configs if args.only in c[0]]
        failures, bad, checked = [], 0, 0
        for label, model_dir in configs:
            ref = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
            main_config = label == "xlmr-nmt-nfkc"
            # The other tokenizers get the STS-B texts, the first n_other generated strings and
            # as many of the strings with special tokens typed in.
            s_all = singles if main_config else (
                sts + generated[:n_other] + specials[:n_other // 5] + long_texts)
            p_sub = pairs[: len(sts_pairs) + (5000 if main_config else n_other // 4)]
            s_sub = s_all[: len(sts) + 10000]
            # Truncated pairs: the reference also builds every overflowing combination of the two
            # texts' windows (their number grows with the product of the lengths), which took
            # 15-20 GB of RSS with byte_fallback's many tokens. Pairs up to 400 characters keep
            # that bounded; the longer ones are compared untruncated above.
            p_trunc = [(a, b) for a, b in p_sub if len(a) + len(b) <= 400]
            runs = [(s_all, False, None, "none"), (p_sub, True, None, "none"),
                    (s_sub, False, 9, "none"), (p_trunc, True, 11, "none"),
                    (s_sub, False, 32, "longest")]
            for texts, is_pair, max_length, padding in runs:
                bad += run_mode(args.binary, label, model_dir, ref, texts, is_pair, max_length,
                                padding, failures, pad_token="<pad>")
                checked += len(texts)
        print("\n".join(failures))
        print("total: %d encodings compared, %d differ (%.1fs)" % (checked, bad, time.time() - t0))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
