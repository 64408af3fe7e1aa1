#!/usr/bin/env python3
"""Per-code-point comparison of sembed's BERT Unicode facts with Hugging Face tokenizers.

The BERT stages of `tokenizers` (0.23.3) take their Unicode facts from Rust crates whose tables
are of various Unicode versions (unicode_categories is old, Rust's std lowercase is new); sembed
takes them from utf8proc. This script measures every code point on both sides and
  probe                      prints the reference facts (needs the `tokenizers` package)
  overrides --dump BIN       writes src/tokenizer/unicode_overrides.inc from the differences
                             between the reference and `BIN base` (tests/tokenizer/unicode_dump)
  check --dump BIN           compares the reference with `BIN final`; exit 1 on any difference
Columns: hex code point, clean_text class (R removed / S space / K kept), chinese (C/N), NFD,
nonspacing mark (1/0, '-' when NFD changes the code point), lowercase, pre-tokenizer class
(O other / W whitespace / P punctuation), non-zero combining class (1/0, '-' when NFD changes
the code point), regex word character for single_word added tokens (1/0).

Regenerate the table:  python scripts/tokenizer_unicode.py overrides --dump build/unicode_dump
"""
import argparse
import os
import subprocess
import sys


def probe_lines():
    from tokenizers.normalizers import NFD, BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    clean = BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    chinese = BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    strip = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    lower = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=True)
    nfd = NFD()
    pre = BertPreTokenizer()
    # Regex \w as the added-token single_word check sees it: "ab" (single_word) is found after
    # c only when c is not a word character.
    from tokenizers import AddedToken, Tokenizer
    from tokenizers.models import WordPiece
    word = Tokenizer(WordPiece({"[UNK]": 0, "ab": 1}, unk_token="[UNK]"))
    word.add_tokens([AddedToken("ab", single_word=True, normalized=False)])

    def h(s):
        return " ".join("%x" % ord(x) for x in s)

    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        a = clean.normalize_str(c)
        cl = "R" if a == "" else ("S" if a == " " else "K")
        b = chinese.normalize_str(c)
        ch = "C" if b == " " + c + " " else "N"
        d = nfd.normalize_str(c)
        mn = "-" if d != c else ("1" if strip.normalize_str(c) == "" else "0")
        lo = lower.normalize_str(c)
        p = len(pre.pre_tokenize_str("a" + c + "b"))
        pk = {1: "O", 2: "W", 3: "P"}[p]
        # Non-zero canonical combining class, as the reference's NFD orders marks: a class > 1
        # moves behind U+0334 (class 1); class 1 moves before U+0301 (class 230).
        if d != c:
            cc = "-"
        elif nfd.normalize_str(c + "\u0334")[0] == "\u0334" or nfd.normalize_str("\u0301" + c)[0] == c:
            cc = "1"
        else:
            cc = "0"
        wc = "0" if 1 in word.encode(c + "ab").ids else "1"
        yield "%x\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s" % (cp, cl, ch, h(d), mn, h(lo), pk, cc, wc)


def dump_lines(binary, mode):
    out = subprocess.run([binary, mode], check=True, capture_output=True, text=True).stdout
    return out.splitlines()


# Flag bits, as in src/tokenizer/unicode_props.hpp.
WS, OTHER, PUNCT, CHINESE, MN, DECOMP, LOWER, COMBINING, WORD = 1, 2, 4, 8, 16, 32, 64, 128, 256


def overrides(ref, base):
    flag_rows = []  # (cp, set, clear)
    nfd_map, lower_map = [], []
    for r, b in zip(ref, base):
        r = r.split("\t")
        b = b.split("\t")
        assert r[0] == b[0], (r[0], b[0])
        cp = int(r[0], 16)
        set_bits = clear_bits = 0

        def diff(want, have, bit):
            nonlocal set_bits, clear_bits
            if want and not have:
                set_bits |= bit
            elif have and not want:
                clear_bits |= bit

        diff(r[1] == "R", b[1] == "R", OTHER)
        diff(r[6] == "W", b[6] == "W", WS)
        diff(r[6] == "P", b[6] == "P", PUNCT)
        diff(r[2] == "C", b[2] == "C", CHINESE)
        if r[4] != "-" and b[4] != "-":
            diff(r[4] == "1", b[4] == "1", MN)
        elif r[4] != "-":
            diff(r[4] == "1", False, MN)
        if r[7] != "-" and b[7] != "-":
            diff(r[7] == "1", b[7] == "1", COMBINING)
        diff(r[8] == "1", b[8] == "1", WORD)
        if r[3] != b[3]:
            nfd_map.append((cp, r[3]))
            diff(r[3] != "%x" % cp, b[3] != "%x" % cp, DECOMP)
        if r[5] != b[5]:
            lower_map.append((cp, r[5]))
            diff(r[5] != "%x" % cp, b[5] != "%x" % cp, LOWER)
        if set_bits or clear_bits:
            flag_rows.append((cp, set_bits, clear_bits))
    # Merge consecutive code points with the same change into ranges.
    ranges = []
    for cp, s, c in flag_rows:
        if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2:] == [s, c]:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, s, c])
    return ranges, nfd_map, lower_map


def write_inc(path, ranges, nfd_map, lower_map):
    def seq(s):
        vals = [int(x, 16) for x in s.split()] if s else []
        assert len(vals) <= 3, s
        return "%d, {%s}" % (len(vals), ", ".join("0x%X" % v for v in vals + [0] * (3 - len(vals))))

    lines = [
        "// Generated by scripts/tokenizer_unicode.py overrides (do not edit): where the Rust crates",
        "// behind tokenizers 0.23.3 and utf8proc disagree, measured code point by code point.",
        "// %d flag ranges, %d NFD and %d lowercase exceptions." % (len(ranges), len(nfd_map), len(lower_map)),
        "constexpr FlagOverride kFlagOverrides[] = {",
    ]
    lines += ["    {0x%X, 0x%X, 0x%03X, 0x%03X}," % tuple(r) for r in ranges] or ["    {0, 0, 0, 0},"]
    lines.append("};")
    for name, m in (("kNfdOverrides", nfd_map), ("kLowerOverrides", lower_map)):
        lines.append("constexpr MapOverride %s[] = {" % name)
        lines += ["    {0x%X, %s}," % (cp, seq(s)) for cp, s in m] or ["    {0x110000, 0, {0, 0, 0}},"]
        lines.append("};")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["probe", "overrides", "check"])
    ap.add_argument("--dump", help="path to the unicode_dump binary")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "src", "tokenizer", "unicode_overrides.inc"))
    args = ap.parse_args()
    if args.command == "probe":
        for line in probe_lines():
            print(line)
        return 0
    ref = list(probe_lines())
    if args.command == "overrides":
        ranges, nfd_map, lower_map = overrides(ref, dump_lines(args.dump, "base"))
        write_inc(args.out, ranges, nfd_map, lower_map)
        print("wrote %s: %d ranges, %d nfd, %d lower" % (args.out, len(ranges), len(nfd_map), len(lower_map)))
        return 0
    mine = dump_lines(args.dump, "final")
    bad = [(r, m) for r, m in zip(ref, mine) if r != m]
    if len(ref) != len(mine):
        print("line count differs: reference %d, sembed %d" % (len(ref), len(mine)))
        return 1
    for r, m in bad[:20]:
        print("reference: %s\nsembed:    %s" % (r, m))
    print("%d code points compared, %d differ" % (len(ref), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
