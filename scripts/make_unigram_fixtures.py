#!/usr/bin/env python3
"""Small SentencePiece Unigram tokenizers for the tokenizer tests (tests/tokenizer/unigram/).

Each is trained with the real `sentencepiece` on the STS-B train sentences and converted to
tokenizer.json by transformers' own XLMRobertaConverter (what XLMRobertaTokenizerFast runs on a
sentencepiece.bpe.model), then given XLM-R's added tokens (<mask> with lstrip, as in the
xlm-roberta tokenizer.json files). The reference for the tests is tokenizers.Tokenizer.from_file
on these files.

  xlmr-nmt-nfkc      normalization rule nmt_nfkc (the rules XLM-R's charsmap was built from)
  xlmr-nfkc-cf       rule nfkc_cf (NFKC + case folding)
  xlmr-identity      rule identity (no precompiled_charsmap)
  xlmr-byte-fallback nmt_nfkc, trained with byte_fallback (<0xXX> pieces), model byte_fallback
Variants with other normalizer / pre-tokenizer combinations are made from these at test time
(tests/tokenizer/differential_unigram.py).

Command (from the repository root; needs bench/.venv: sentencepiece, transformers, protobuf):
  bench/.venv/bin/python scripts/make_unigram_fixtures.py --data ../shared/data
"""
import argparse
import csv
import io
import os
import sys

import sentencepiece as spm
from tokenizers import AddedToken
from transformers.convert_slow_tokenizer import XLMRobertaConverter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "tokenizer", "unigram")
VOCAB_SIZE = 3000


def sts_train(data):
    path = os.path.join(data, "stsbenchmark", "sts-train.csv")
    out = []
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                out += [row[5], row[6]]
    return out


class SlowShim:
    """The two things XLMRobertaConverter reads from a slow XLMRobertaTokenizer."""

    legacy = True
    add_prefix_space = True

    def __init__(self, vocab_file):
        self.vocab_file = vocab_file

    def convert_tokens_to_ids(self, token):
        return {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}[token]


def train(sentences, rule, byte_fallback, model_path):
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(sentences), model_writer=model,
                                   model_type="unigram", vocab_size=VOCAB_SIZE,
                                   normalization_rule_name=rule, byte_fallback=byte_fallback,
                                   character_coverage=0.9995, num_threads=1, seed_sentencepiece_size=200000,
                                   minloglevel=2)
    with open(model_path, "wb") as f:
        f.write(model.getvalue())


def convert(model_path, byte_fallback):
    converter = XLMRobertaConverter(SlowShim(model_path))
    converter.handle_byte_fallback = byte_fallback
    tok = converter.converted()
    n = tok.get_vocab_size()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t in ("<s>", "<pad>", "</s>", "<unk>")])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    assert tok.token_to_id("<mask>") == n - 1, "the converter's <mask> is the last piece"
    return tok


def save(tok, name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "tokenizer.json")
    tok.save(path)
    size = os.path.getsize(path)
    assert size < 1_000_000, (path, size)
    print("%-22s %7d bytes" % (name, size))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--tmp", default="/tmp/sembed-unigram-fixtures")
    args = ap.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    sentences = sts_train(args.data)
    built = {}
    for name, rule, byte_fallback in (("xlmr-nmt-nfkc", "nmt_nfkc", False),
                                      ("xlmr-nfkc-cf", "nfkc_cf", False),
                                      ("xlmr-identity", "identity", False),
                                      ("xlmr-byte-fallback", "nmt_nfkc", True)):
        model_path = os.path.join(args.tmp, name + ".model")
        train(sentences, rule, byte_fallback, model_path)
        built[name] = convert(model_path, byte_fallback)
        save(built[name], name)

    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write("Unigram tokenizers made by scripts/make_unigram_fixtures.py (see its header for the\n"
                "command and what each is). Trained on the STS-B train sentences (CC BY-SA 4.0 / the\n"
                "licenses of its sources, see the STS benchmark readme), %d pieces each.\n" % VOCAB_SIZE)


if __name__ == "__main__":
    sys.exit(main())
