#!/usr/bin/env python3
"""Writes tests/tokenizer/golden/reference.json: Hugging Face tokenizers' output for hand-picked
edge cases that the line-based differential test cannot carry (texts with newlines), plus
add_special_tokens=False and truncation corner cases. Every expected value comes from the
`tokenizers` package; nothing is written by hand.

  python scripts/tokenizer_golden.py [--data tests/data] [--out tests/tokenizer/golden/reference.json]
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tokenizer"))

import tokenizers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

from differential import reference_from_vocab_dir  # noqa: E402

TEXTS = [
    "",
    " ",
    "\n",
    "line one\nline two",
    "windows\r\nline\rbreaks",
    "tab\tseparated\ttext",
    "Hello, World!",
    "The quick brown fox jumps over the lazy dog.",
    "[CLS] typed [SEP] inside [MASK] text [PAD] [UNK]",
    "[cls][sep]",
    "a[SEP]b\n[SEP]\n",
    "naïve café résumé Straße İstanbul ΣΟΦΙΑ",
    "東京は日本の首都です。北京",
    "한국어 텍스트",
    "สวัสดีครับ",
    "مرحبا بالعالم",
    "שלום עולם",
    "emoji 👨\u200d👩\u200d👧 and 👍🏽 and 🇫🇷",
    "zero\u200bwidth\u200cjoiner\u200d\ufeffbom",
    "spaces\u00a0\u2028\u2029\u3000\u2003here",
    "controls \x00\x01\x7f\x85 here",
    "e\u0301 a\u0308 combining",
    "x" * 100,
    "x" * 101,
    "é" * 101,
    "unbelievably" * 9,
    "don't stop-believing (really) {ok} [fine] <tags> $100 50% a+b=c ~x^y `q` |p| #1 @me",
]
PAIRS = [
    ("", ""),
    ("first\nsentence", "second\nsentence"),
    ("A man is playing a guitar.", "A woman is slicing an onion."),
    ("short", "a much longer second sentence with many words in it"),
    ("a much longer first sentence with many words in it", "short"),
]


def encode_case(tok, model, text, pair, max_length, add_special):
    tok.no_padding()
    if max_length is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_length)
    e = tok.encode(text, pair, add_special_tokens=add_special) if pair is not None else \
        tok.encode(text, add_special_tokens=add_special)
    return {"model": model, "text": text, "pair": pair, "max_length": max_length,
            "add_special_tokens": add_special, "ids": e.ids, "type_ids": e.type_ids,
            "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
            "attention_mask": e.attention_mask}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "tests", "data"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "tokenizer", "golden", "reference.json"))
    args = ap.parse_args()
    models = {
        "all-MiniLM-L6-v2": Tokenizer.from_file(os.path.join(args.data, "all-MiniLM-L6-v2", "tokenizer.json")),
        "bert-base-nli-mean-tokens": reference_from_vocab_dir(os.path.join(args.data, "bert-base-nli-mean-tokens")),
    }
    cases = []
    for model, tok in models.items():
        for text in TEXTS:
            for max_length in (None, 1, 2, 3, 5, 16):
                for add_special in (True, False):
                    cases.append(encode_case(tok, model, text, None, max_length, add_special))
        for a, b in PAIRS:
            for max_length in (None, 2, 3, 4, 5, 8, 9, 12):
                for add_special in (True, False):
                    cases.append(encode_case(tok, model, a, b, max_length, add_special))
    with open(args.out, "w", encoding="utf-8") as f:
        # One case per line keeps the file reviewable and diffable.
        f.write('{"generated_by": "python scripts/tokenizer_golden.py", "tokenizers_version": %s,\n'
                '"cases": [\n' % json.dumps(tokenizers.__version__))
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(cases), args.out))


if __name__ == "__main__":
    main()
