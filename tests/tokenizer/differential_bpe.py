#!/usr/bin/env python3
"""Differential test of the byte-level BPE half: `sembed tokenize` (and `sembed tokenize
--decode`) against Hugging Face tokenizers, live, on STS-B plus strings generated over every
Unicode stress class (scripts/tokenizer_corpus.py). Every encoding must agree in input_ids,
token_type_ids, attention_mask, tokens and offsets; every decode in its text.

Tokenizers (tests/tokenizer/bpe/, made by scripts/make_bpe_test_tokenizers.py, and the real
all-mpnet-base-v2 files in tests/tokenizer/models/):
  all-mpnet-base-v2   WordPiece + RobertaProcessing
  roberta             ByteLevel BPE + RobertaProcessing, add_prefix_space=false
  roberta-prefix      the same with add_prefix_space=true
  whitespace-suffix   Whitespace + BPE end_of_word_suffix + TemplateProcessing
  prefix-fuse         Sequence[Digits, Punctuation, WhitespaceSplit] + BPE ## prefix, fuse_unk
  byte-fallback       WhitespaceSplit + BPE byte_fallback, fuse_unk, ignore_merges
and variants of these with other pre-tokenizers / post-processors (VARIANTS below): Split with
string and regex patterns in every behaviour, inverted; Punctuation behaviours; Digits;
ByteLevel without the regex; ByteLevel post-processing; Sequence.

Usage: differential_bpe.py --binary build/sembed --data tests/data [--count 100000]
"""
import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import differential  # noqa: E402  (run_mode, compare: the shared machinery)
import tokenizer_corpus  # noqa: E402

from tokenizers import Tokenizer  # noqa: E402

BPE_DIR = os.path.join(HERE, "bpe")
MPNET_DIR = os.path.join(HERE, "models", "all-mpnet-base-v2")


def split(pattern, behavior, invert=False, regex=False):
    return {"type": "Split", "pattern": {"Regex" if regex else "String": pattern},
            "behavior": behavior, "invert": invert}


BEHAVIORS = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]
# Regexes whose character classes do not depend on the Unicode version (see docs/tokenizer.md:
# \p{..} classes of code points assigned in Unicode 15-16 differ between Debian's Oniguruma and
# the reference's).
REGEXES = [r"\s+", r"[aeiou]+|[,.;:!?]", r"'s|'t|(?<=a)b|x(?=y)", r"\d|(?i:the)", r"", r"a*"]

BYTELEVEL_POST = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
TEMPLATE_POST = {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
             {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
             {"SpecialToken": {"id": "</s>", "type_id": 1}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                       "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
# Variants also run on pairs and with truncation (their post-processor decides both).
PAIR_VARIANTS = ("post-sequence-bytelevel-template", "post-sequence-template-bytelevel",
                 "post-sequence-roberta-bytelevel", "post-sequence-bytelevel-only")

# (name, base tokenizer, edit of the pre_tokenizer / post_processor blocks)
VARIANTS = []
for b in BEHAVIORS:
    VARIANTS.append(("split-string-%s" % b, "prefix-fuse",
                     {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                         split(" ", b), split("ab", b), {"type": "WhitespaceSplit"}]}}))
    VARIANTS.append(("split-regex-%s" % b, "prefix-fuse",
                     {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                         split(REGEXES[1], b, regex=True), split(REGEXES[0], b, regex=True)]}}))
    VARIANTS.append(("split-invert-%s" % b, "prefix-fuse",
                     {"pre_tokenizer": split(r"[aeiou]+|\s", b, invert=True, regex=True)}))
    VARIANTS.append(("punctuation-%s" % b, "prefix-fuse",
                     {"pre_tokenizer": {"type": "Punctuation", "behavior": b}}))
for i, r in enumerate(REGEXES[2:]):
    VARIANTS.append(("split-regex-%d" % i, "prefix-fuse",
                     {"pre_tokenizer": split(r, "Isolated", regex=True)}))
VARIANTS += [
    ("split-empty-string", "prefix-fuse", {"pre_tokenizer": split("", "Removed")}),
    ("whitespace", "prefix-fuse", {"pre_tokenizer": {"type": "Whitespace"}}),
    ("digits-individual", "prefix-fuse", {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True}, {"type": "Whitespace"}]}}),
    ("bytelevel-no-regex", "roberta", {
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                          "use_regex": False},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                           "use_regex": False}}),
    ("bytelevel-post-no-trim", "roberta", {
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                           "use_regex": True}}),
    ("roberta-no-trim", "roberta", {
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": False, "add_prefix_space": False}}),
    # Post-processor Sequences: offset trimming before and after a template, nested, and a
    # RobertaProcessing followed by a ByteLevel that trims what it left untrimmed.
    ("post-sequence-bytelevel-template", "roberta", {"post_processor": {"type": "Sequence", "processors": [
        BYTELEVEL_POST, TEMPLATE_POST]}}),
    ("post-sequence-template-bytelevel", "roberta", {"post_processor": {"type": "Sequence", "processors": [
        TEMPLATE_POST, BYTELEVEL_POST]}}),
    ("post-sequence-nested", "roberta", {"post_processor": {"type": "Sequence", "processors": [
        {"type": "Sequence", "processors": [BYTELEVEL_POST]}, TEMPLATE_POST]}}),
    ("post-sequence-roberta-bytelevel", "roberta", {"post_processor": {"type": "Sequence", "processors": [
        {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
         "trim_offsets": False, "add_prefix_space": True}, BYTELEVEL_POST]}}),
    ("post-sequence-bytelevel-only", "roberta", {"post_processor": {"type": "Sequence", "processors": [
        BYTELEVEL_POST]}}),
    ("bytelevel-sequence", "roberta", {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
         "use_regex": True}]}}),
]


def make_variant(src_dir, dst_dir, edit):
    return differential.make_variant(src_dir, dst_dir, lambda d: d.update(copy.deepcopy(edit)))


def decode_check(binary, model_dir, ref, id_lists, name, failures):
    """sembed tokenize --decode against Tokenizer.decode, with and without special tokens."""
    bad = 0
    payload = "".join(json.dumps(ids) + "\n" for ids in id_lists).encode()
    for skip in (False, True):
        cmd = [binary, "tokenize", "--model", model_dir, "--decode"]
        if not skip:
            cmd.append("--keep-special-tokens")
        proc = subprocess.run(cmd, input=payload, capture_output=True)
        if proc.returncode != 0:
            raise SystemExit("sembed --decode failed: %s" % proc.stderr.decode()[:2000])
        mine = [json.loads(l)["text"] for l in proc.stdout.decode("utf-8").splitlines()]
        if len(mine) != len(id_lists):
            raise SystemExit("sembed --decode printed %d lines for %d inputs" % (len(mine), len(id_lists)))
        want = ref.decode_batch(id_lists, skip_special_tokens=skip)
        for ids, w, m in zip(id_lists, want, mine):
            if w != m:
                bad += 1
                if len(failures) < 30:
                    failures.append("%s decode skip_special=%s differs for %s\n  reference: %r\n"
                                    "  sembed:    %r" % (name, skip, ids[:40], w[:200], m[:200]))
    print("%-48s %7d decodes, %7d differ" % (name + " decode", 2 * len(id_lists), bad), flush=True)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--count", type=int, default=100000,
                    help="generated strings for the byte-level BPE tokenizer (roberta)")
    ap.add_argument("--other-count", type=int, default=20000,
                    help="generated strings for each other tokenizer")
    ap.add_argument("--variant-count", type=int, default=2000, help="generated strings per variant")
    ap.add_argument("--long", type=int, default=4, help="texts of more than 10,000 words")
    args = ap.parse_args()
    t0 = time.time()

    sts = tokenizer_corpus.sts_sentences(args.data)
    sts_pairs = tokenizer_corpus.sts_pairs(args.data)
    generated = tokenizer_corpus.generate(args.count, seed=424242)
    long_texts = tokenizer_corpus.long_texts(args.long, seed=11)
    singles = sts + generated + long_texts
    pair_texts = tokenizer_corpus.generate(args.count // 4 * 2, seed=4343, no_tabs=True)
    pairs = sts_pairs + list(zip(pair_texts[0::2], pair_texts[1::2])) + [("", ""), ("a", "")]
    few = generated[: args.variant_count] + sts[:1000]
    others = sts + generated[: args.other_count]
    other_pairs = sts_pairs + list(zip(pair_texts[0::2], pair_texts[1::2]))[: args.other_count // 4]
    print("corpus: %d single texts (%d STS-B, %d generated, %d long), %d pairs"
          % (len(singles), len(sts), len(generated), len(long_texts), len(pairs)), flush=True)

    tmp = tempfile.mkdtemp(prefix="sembed-bpe-")
    failures, bad, checked = [], 0, 0
    try:
        def run(label, model_dir, texts, is_pair, max_length):
            nonlocal bad, checked
            ref = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
            bad += differential.run_mode(args.binary, label, model_dir, ref, texts, is_pair,
                                         max_length, "none", failures)
            checked += len(texts)
            return ref

        # Byte-level BPE with everything; the others (all-mpnet-base-v2's WordPiece is covered by
        # differential.py as well) with STS-B and --other-count generated strings.
        main_configs = [("roberta", os.path.join(BPE_DIR, "roberta"), singles, pairs),
                        ("roberta-prefix", os.path.join(BPE_DIR, "roberta-prefix"), others, other_pairs),
                        ("all-mpnet-base-v2", MPNET_DIR, others, other_pairs)]
        for label, d, texts, text_pairs in main_configs:
            ref = run(label, d, texts, False, None)
            run(label, d, texts[: len(sts) + 5000], False, 16)
            run(label, d, text_pairs, True, None)
            run(label, d, text_pairs[: len(sts_pairs) + 2000], True, 24)
            # Decoding: the ids of real encodings, and random ids over the whole vocabulary.
            rng = random.Random(5)
            n_ids = ref.get_vocab_size()
            id_lists = [e.ids for e in ref.encode_batch(sts[:2000] + generated[:2000])]
            id_lists += [[rng.randrange(n_ids) for _ in range(rng.randint(0, 30))] for _ in range(2000)]
            bad += decode_check(args.binary, d, ref, id_lists, label, failures)
        for label in ("whitespace-suffix", "prefix-fuse", "byte-fallback"):
            d = os.path.join(BPE_DIR, label)
            ref = run(label, d, others, False, None)
            run(label, d, other_pairs[: len(sts_pairs) + 2000], True, 20)
            rng = random.Random(6)
            n_ids = ref.get_vocab_size()
            id_lists = [e.ids for e in ref.encode_batch(sts[:1000] + generated[:1000])]
            id_lists += [[rng.randrange(n_ids) for _ in range(rng.randint(0, 30))] for _ in range(2000)]
            bad += decode_check(args.binary, d, ref, id_lists, label, failures)
        for label, base, edit in VARIANTS:
            d = make_variant(os.path.join(BPE_DIR, base), os.path.join(tmp, label), edit)
            run(label, d, few, False, None)
            if label in PAIR_VARIANTS:
                run(label, d, few[:2000], False, 12)
                run(label, d, other_pairs[:2000], True, None)
                run(label, d, other_pairs[:2000], True, 20)
        print("\n".join(failures))
        print("total: %d encodings compared, %d differ (%.1fs)" % (checked, bad, time.time() - t0))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
