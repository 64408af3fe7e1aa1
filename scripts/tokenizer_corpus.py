#!/usr/bin/env python3
"""Deterministic tokenizer test corpora (generated at test time, never committed).

  sts_sentences(data_dir)   every sentence of STS-B (train, dev, test), in file order
  sts_pairs(data_dir)       every STS-B sentence pair
  generate(n, seed)         n adversarial strings: accented Latin, Greek, Cyrillic, CJK
                            ideographs and the ranges next to them, Hangul, Thai, Arabic, Hebrew,
                            emoji and ZWJ sequences, combining marks, control characters,
                            zero-width and unusual spaces, punctuation of every Unicode P*
                            category, ASCII symbols, words longer than 100 characters, texts
                            longer than 10,000 words, empty and whitespace-only strings, special
                            tokens typed inside text, and random code points of every plane.
No string contains '\\n' (the CLI reads one text per line); pass no_tabs=True for pair input,
where a tab separates the two texts.

  python scripts/tokenizer_corpus.py N [SEED]   prints N generated strings, one per line
"""
import os
import random
import sys
import unicodedata


def _chars(*ranges):
    out = []
    for lo, hi in ranges:
        out.extend(chr(c) for c in range(lo, hi + 1) if not 0xD800 <= c <= 0xDFFF)
    return out


ASCII_WORDS = (
    "the a man woman is playing guitar dog cat running quickly unbelievable tokenization "
    "hello world sentence embeddings transformer bert don't isn't 1234 3.14 e-mail U.S.A. "
    "naïve café résumé straße München İstanbul ΣΟΦΙΑ москва 東京 北京 서울 สวัสดี مرحبا שלום"
).split()

POOLS = {
    "ascii_letters": _chars((0x41, 0x5A), (0x61, 0x7A)),
    "digits": _chars((0x30, 0x39), (0x660, 0x669), (0xFF10, 0xFF19)),
    "ascii_symbols": list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "latin_accented": _chars((0xC0, 0x24F), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF)),
    "combining": _chars((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                        (0xFE20, 0xFE2F), (0x1D165, 0x1D172)),
    "greek": _chars((0x370, 0x3FF), (0x1F00, 0x1FFF)),
    "cyrillic": _chars((0x400, 0x52F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F)),
    # The CJK blocks BERT pads, and a margin of code points on both sides of each boundary.
    "cjk": _chars((0x4E00, 0x4E80), (0x9F80, 0xA00F), (0x3400, 0x3440), (0x4D80, 0x4E0F),
                  (0x33F0, 0x3410), (0xF8F0, 0xF910), (0xFAF0, 0xFB10), (0x20000, 0x20040),
                  (0x2A6C0, 0x2A720), (0x2B720, 0x2B760), (0x2B800, 0x2B940), (0x2CE90, 0x2CEC0),
                  (0x2F7F0, 0x2F810), (0x2FA00, 0x2FA30), (0x3000, 0x30FF), (0x31F0, 0x31FF),
                  (0x2E80, 0x2FDF), (0xFF00, 0xFFEF), (0x30000, 0x30020), (0x31340, 0x31360)),
    "hangul": _chars((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xAD00), (0xD7A0, 0xD7FF)),
    "thai": _chars((0xE00, 0xE7F)),
    "arabic": _chars((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFBC2),
                     (0xFE70, 0xFEFF)),
    "hebrew": _chars((0x590, 0x5FF), (0xFB1D, 0xFB4F)),
    "emoji": _chars((0x1F300, 0x1F6FF), (0x1F900, 0x1FAFF), (0x2600, 0x27BF), (0x1F1E6, 0x1F1FF)),
    "controls": [chr(c) for c in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)) if c != 0x0A],
    "spaces": [chr(c) for c in (0x20, 0xA0, 0x1680, 0x180E, 0x2000, 0x2001, 0x2002, 0x2003,
                                0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x200B,
                                0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202F, 0x205F,
                                0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x3000, 0xFEFF, 0x00AD,
                                0x09, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0xFFFD)],
    "punctuation": [chr(c) for c in range(0x110000)
                    if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)).startswith("P")],
    "symbols": [chr(c) for c in range(0x2000, 0x2BFF)
                if unicodedata.category(chr(c)) in ("Sm", "Sc", "Sk", "So")],
}
SPECIAL = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "[cls]", "[Sep]", "[SEP", "SEP]",
           "[[SEP]]", "[CLS][SEP]", "[MASK]]", "[ SEP ]", "##", "##ing", "[UNK][UNK]"]
# RoBERTa / byte-level BPE specials and their look-alikes (BPE test tokenizers).
SPECIAL += ["<s>", "</s>", "<pad>", "<unk>", "<mask>", " <mask>", "<mask> ", "<s></s>", "</s></s>",
            "<mask", "mask>", "< s >", "</w>", "\u0120", "\u0120\u0120", "<0x41>", "<0xE2>", "'s",
            "'ll", "'S", "don't", "it's", "''", "'", "<|endoftext|>"]
ZWJ_SEQUENCES = ["\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F3F3\uFE0F\u200D\U0001F308",
                 "\U0001F44D\U0001F3FD", "1\uFE0F\u20E3", "\U0001F1EB\U0001F1F7",
                 "\u2764\uFE0F", "\U0001F9D1\u200D\U0001F4BB", "\U0001F469\U0001F3FE\u200D\u2695\uFE0F"]


def _random_code_point(rng):
    while True:
        c = rng.randrange(0x110000) if rng.random() < 0.5 else rng.randrange(0x30000)
        if not 0xD800 <= c <= 0xDFFF and c != 0x0A:
            return chr(c)


def _fragment(rng):
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(ASCII_WORDS)
    if kind < 0.75:
        pool = POOLS[rng.choice(list(POOLS))]
        return "".join(rng.choice(pool) for _ in range(rng.randint(1, 8)))
    if kind < 0.82:
        return rng.choice(SPECIAL)
    if kind < 0.87:
        return rng.choice(ZWJ_SEQUENCES)
    if kind < 0.92:
        # A word with combining marks stacked on base letters.
        base = rng.choice(ASCII_WORDS)
        return "".join(ch + "".join(rng.choice(POOLS["combining"]) for _ in range(rng.randint(0, 3)))
                       for ch in base)
    if kind < 0.97:
        return "".join(_random_code_point(rng) for _ in range(rng.randint(1, 5)))
    # Words around max_input_chars_per_word (100) characters.
    n = rng.choice([98, 99, 100, 101, 102, 150, 300])
    pool = POOLS[rng.choice(["ascii_letters", "latin_accented", "cjk", "cyrillic", "combining"])]
    return "".join(rng.choice(pool) for _ in range(n))


def _separator(rng):
    r = rng.random()
    if r < 0.6:
        return " "
    if r < 0.75:
        return ""
    if r < 0.9:
        return rng.choice(POOLS["spaces"])
    return rng.choice(POOLS["ascii_symbols"] + POOLS["punctuation"][:200])


def _string(rng):
    r = rng.random()
    if r < 0.02:
        return ""
    if r < 0.05:
        return "".join(rng.choice(POOLS["spaces"]) for _ in range(rng.randint(1, 6)))
    if r < 0.06:
        return rng.choice(SPECIAL)
    n = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
    parts = []
    for _ in range(n):
        parts.append(_fragment(rng))
        parts.append(_separator(rng))
    return "".join(parts)


def long_texts(count, seed):
    """Texts longer than 10,000 words."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = [rng.choice(ASCII_WORDS) if rng.random() < 0.8 else _fragment(rng)
                 for _ in range(rng.randint(10001, 12000))]
        out.append(" ".join(words).replace("\n", " "))
    return out


def generate(n, seed=20240601, no_tabs=False):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = _string(rng).replace("\n", " ")
        if no_tabs:
            s = s.replace("\t", " ")
        out.append(s)
    return out


def _read_sts(data_dir):
    rows = []
    for name in ("sts-train.csv", "sts-dev.csv", "sts-test.csv"):
        with open(os.path.join(data_dir, "stsbenchmark", name), encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 7:
                    rows.append((cols[5], cols[6]))
    return rows


def sts_sentences(data_dir):
    return [s for pair in _read_sts(data_dir) for s in pair]


def sts_pairs(data_dir):
    return _read_sts(data_dir)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20240601
    for s in generate(n, seed):
        print(s)
