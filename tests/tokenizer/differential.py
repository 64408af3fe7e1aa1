#!/usr/bin/env python3
"""Differential test: `sembed tokenize` against Hugging Face tokenizers, live.

Every string of STS-B plus a generated adversarial corpus (scripts/tokenizer_corpus.py, seeded)
goes through `sembed tokenize` (JSON Lines on stdin/stdout) and through the `tokenizers`
package; input_ids, token_type_ids, attention_mask, tokens and offsets must be identical for
every string, for single texts and pairs, with and without truncation, with padding.

Configurations:
  all-MiniLM-L6-v2           its tokenizer.json
  bert-base-nli-mean-tokens  vocab.txt + tokenizer_config.json only; the reference is built
                             with `tokenizers` the way transformers' BertTokenizerFast builds it
                             (checked against transformers itself when it is installed)
  cased-keep-accents         MiniLM's tokenizer.json with lowercase=false, strip_accents=false
  raw-no-chinese             clean_text=false, handle_chinese_chars=false, strip_accents=true,
                             lowercase=false
  added-tokens               MiniLM plus added tokens with normalized / lstrip / rstrip /
                             single_word set

Usage: differential.py --binary build/sembed --data ../shared/data [--count 100000]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import tokenizer_corpus  # noqa: E402

from tokenizers import AddedToken, Tokenizer  # noqa: E402
from tokenizers.decoders import WordPiece as WordPieceDecoder  # noqa: E402
from tokenizers.models import WordPiece  # noqa: E402
from tokenizers.normalizers import BertNormalizer  # noqa: E402
from tokenizers.pre_tokenizers import BertPreTokenizer  # noqa: E402
from tokenizers.processors import TemplateProcessing  # noqa: E402


def load_vocab_txt(path):
    # transformers' load_vocab: one token per line, only the line break removed.
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f.readlines()):
            vocab[line.rstrip("\n")] = i
    return vocab


def reference_from_vocab_dir(model_dir):
    """What transformers' BertTokenizerFast builds from vocab.txt + tokenizer_config.json."""
    def read(name):
        p = os.path.join(model_dir, name)
        return json.load(open(p, encoding="utf-8")) if os.path.exists(p) else {}

    config, smap = read("tokenizer_config.json"), read("special_tokens_map.json")

    def special(key, default):
        v = smap.get(key, config.get(key, default))
        return v["content"] if isinstance(v, dict) else v

    unk, sep, pad, cls, mask = (special("unk_token", "[UNK]"), special("sep_token", "[SEP]"),
                                special("pad_token", "[PAD]"), special("cls_token", "[CLS]"),
                                special("mask_token", "[MASK]"))
    vocab = load_vocab_txt(os.path.join(model_dir, "vocab.txt"))
    tok = Tokenizer(WordPiece(vocab, unk_token=unk, max_input_chars_per_word=100))
    tok.normalizer = BertNormalizer(clean_text=True,
                                    handle_chinese_chars=config.get("tokenize_chinese_chars", True),
                                    strip_accents=config.get("strip_accents"),
                                    lowercase=config.get("do_lower_case", True))
    tok.pre_tokenizer = BertPreTokenizer()
    tok.post_processor = TemplateProcessing(single=f"{cls}:0 $A:0 {sep}:0",
                                            pair=f"{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1",
                                            special_tokens=[(cls, vocab[cls]), (sep, vocab[sep])])
    tok.decoder = WordPieceDecoder(prefix="##", cleanup=True)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t in (pad, unk, cls, sep, mask)])
    return tok


def check_against_transformers(model_dir):
    """The tokenizers-only reference equals what transformers builds (when installed)."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        return "transformers not installed: equivalence not rechecked"
    mine = json.loads(reference_from_vocab_dir(model_dir).to_str())
    theirs = json.loads(AutoTokenizer.from_pretrained(model_dir).backend_tokenizer.to_str())
    for d in (mine, theirs):
        d.pop("truncation", None)
        d.pop("padding", None)
        d["added_tokens"] = sorted(d["added_tokens"], key=lambda t: t["id"])
    if mine != theirs:
        raise SystemExit("reference for %s differs from transformers' tokenizer" % model_dir)
    return "reference identical to transformers' AutoTokenizer (tokenizer JSON compared)"


def make_variant(src_dir, dst_dir, edit):
    os.makedirs(dst_dir, exist_ok=True)
    for name in ("sentence_bert_config.json", "tokenizer_config.json", "special_tokens_map.json"):
        if os.path.exists(os.path.join(src_dir, name)):
            shutil.copy(os.path.join(src_dir, name), dst_dir)
    data = json.load(open(os.path.join(src_dir, "tokenizer.json"), encoding="utf-8"))
    edit(data)
    with open(os.path.join(dst_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return dst_dir


def max_seq_length(model_dir):
    return json.load(open(os.path.join(model_dir, "sentence_bert_config.json")))["max_seq_length"]


def run_sembed(binary, model_dir, lines, extra):
    payload = "".join(l + "\n" for l in lines).encode("utf-8")
    proc = subprocess.run([binary, "tokenize", "--model", model_dir] + extra, input=payload,
                          capture_output=True)
    if proc.returncode != 0:
        raise SystemExit("sembed failed (%s): %s" % (" ".join(extra), proc.stderr.decode()[:2000]))
    # Split on '\n' only: token strings may hold U+2028, U+0085 ... which splitlines() splits on.
    out = proc.stdout.decode("utf-8").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):
        raise SystemExit("sembed printed %d lines for %d inputs" % (len(out), len(lines)))
    return [json.loads(l) for l in out]


FAILED_INPUTS = []
CHUNK = 10000


def compare(inputs, ref_encodings, mine, name, failures):
    bad = 0
    for inp, r, m in zip(inputs, ref_encodings, mine):
        fields = (("input_ids", r.ids), ("token_type_ids", r.type_ids),
                  ("attention_mask", r.attention_mask), ("tokens", r.tokens),
                  ("offsets", [list(o) for o in r.offsets]))
        for field, want in fields:
            if m[field] != want:
                bad += 1
                FAILED_INPUTS.append(inp)
                if len(failures) < 30:
                    failures.append("%s: %s differs for %r\n  reference: %s\n  sembed:    %s"
                                    % (name, field, inp, want[:60], m[field][:60]))
                break
    return bad


def run_mode(binary, label, model_dir, ref, texts, pairs, max_length, padding, failures,
             pad_token="[PAD]"):
    """One sembed run and the matching reference encodings."""
    ref.no_padding()
    if max_length:
        ref.enable_truncation(max_length)
    else:
        ref.no_truncation()
    extra = ["--max-length", str(max_length or 0)]
    if padding != "none":
        extra += ["--padding", padding]
        if padding == "longest":
            ref.enable_padding(pad_id=ref.token_to_id(pad_token), pad_token=pad_token)
        else:
            ref.enable_padding(pad_id=ref.token_to_id(pad_token), pad_token=pad_token, length=max_length)
    # Chunks keep memory bounded; padding applies per chunk on both sides alike.
    bad = 0
    name = "%s %s max_length=%s padding=%s" % (label, "pairs" if pairs else "single",
                                               max_length or "none", padding)
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start:start + CHUNK]
        lines = [a + "\t" + b for a, b in chunk] if pairs else chunk
        mine = run_sembed(binary, model_dir, lines, extra + (["--pair"] if pairs else []))
        bad += compare(chunk, ref.encode_batch(chunk), mine, name, failures)
    total = len(texts)
    print("%-48s %7d inputs, %7d identical (%.4f%%)" % (name, total, total - bad,
                                                          100.0 * (total - bad) / max(total, 1)),
          flush=True)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--count", type=int, default=100000, help="generated strings per config")
    ap.add_argument("--long", type=int, default=12, help="texts of more than 10,000 words")
    ap.add_argument("--dump-failures", help="write the inputs that differ to this JSON file")
    args = ap.parse_args()
    t0 = time.time()

    sts = tokenizer_corpus.sts_sentences(args.data)
    sts_pairs = tokenizer_corpus.sts_pairs(args.data)
    generated = tokenizer_corpus.generate(args.count, seed=20240601)
    long_texts = tokenizer_corpus.long_texts(args.long, seed=7)
    singles = sts + generated + long_texts
    pair_texts = tokenizer_corpus.generate(args.count // 2 * 2, seed=99, no_tabs=True)
    pairs = sts_pairs + list(zip(pair_texts[0::2], pair_texts[1::2])) + \
        [(long_texts[0].replace("\t", " "), "a short one"), ("", ""), ("a", "")]
    print("corpus: %d single texts (%d STS-B, %d generated, %d long), %d pairs"
          % (len(singles), len(sts), len(generated), len(long_texts), len(pairs)), flush=True)

    minilm = os.path.join(args.data, "all-MiniLM-L6-v2")
    nli = os.path.join(args.data, "bert-base-nli-mean-tokens")
    print(check_against_transformers(nli), flush=True)
    tmp = tempfile.mkdtemp(prefix="sembed-tok-")
    try:
        def cased(d):
            d["normalizer"]["lowercase"] = False
            d["normalizer"]["strip_accents"] = False

        def raw(d):
            d["normalizer"].update(clean_text=False, handle_chinese_chars=False,
                                   strip_accents=True, lowercase=False)

        def added(d):
            base = max(t["id"] for t in d["added_tokens"]) + 1000
            extra = [("Yesterday", True, False, False, False), ("hello world", True, False, False, False),
                     ("<x>", False, True, True, False), ("naïve", True, False, False, True),
                     ("ab", False, False, False, True), ("Σ", True, False, True, False)]
            for i, (content, normalized, lstrip, rstrip, single_word) in enumerate(extra):
                d["added_tokens"].append({"id": 30522 + i, "content": content, "single_word": single_word,
                                          "lstrip": lstrip, "rstrip": rstrip, "normalized": normalized,
                                          "special": False})
            del base

        configs = [
            ("all-MiniLM-L6-v2", minilm, Tokenizer.from_file(os.path.join(minilm, "tokenizer.json")), True),
            ("bert-base-nli-mean-tokens", nli, reference_from_vocab_dir(nli), True),
        ]
        variant = make_variant(minilm, os.path.join(tmp, "cased"), cased)
        configs.append(("cased-keep-accents", variant,
                        Tokenizer.from_file(os.path.join(variant, "tokenizer.json")), True))
        variant = make_variant(minilm, os.path.join(tmp, "raw"), raw)
        configs.append(("raw-no-chinese", variant,
                        Tokenizer.from_file(os.path.join(variant, "tokenizer.json")), False))
        variant = make_variant(minilm, os.path.join(tmp, "added"), added)
        configs.append(("added-tokens", variant,
                        Tokenizer.from_file(os.path.join(variant, "tokenizer.json")), False))

        failures = []
        bad = 0
        checked = 0
        for label, model_dir, ref, full in configs:
            msl = max_seq_length(model_dir)
            s = singles if full else singles[: len(sts) + args.count // 5]
            p = pairs if full else pairs[: len(sts_pairs) + args.count // 10]
            s_sub, p_sub = s[: len(sts) + 20000], p[: len(sts_pairs) + 10000]
            runs = [(s, False, None, "none"), (s, False, msl, "none"), (s_sub, False, 7, "none"),
                    (p, True, None, "none"), (p, True, msl, "none"), (p_sub, True, 9, "none"),
                    (p_sub, True, 10, "none"), (s_sub, False, 24, "longest"),
                    (s_sub, False, 24, "max_length"), (p_sub, True, msl, "longest")]
            for texts, is_pair, max_length, padding in runs:
                bad += run_mode(args.binary, label, model_dir, ref, texts, is_pair, max_length,
                                padding, failures)
                checked += len(texts)
        print("\n".join(failures))
        if args.dump_failures:
            with open(args.dump_failures, "w", encoding="utf-8") as f:
                json.dump(FAILED_INPUTS, f, ensure_ascii=False)
        print("total: %d encodings compared, %d differ (%.1fs)" % (checked, bad, time.time() - t0))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
