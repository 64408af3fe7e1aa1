#!/usr/bin/env python3
"""Trains the small BPE tokenizers the BPE tests use, with Hugging Face tokenizers (pinned in
scripts/requirements-test.txt), on the STS-B train sentences, and writes them to
tests/tokenizer/bpe/<name>/tokenizer.json (plus sentence_bert_config.json, which the
differential test reads for max_seq_length):

  roberta            ByteLevel(add_prefix_space=False) + BPE + RobertaProcessing(trim_offsets,
                     add_prefix_space=False) + ByteLevel decoder, RoBERTa's specials (<mask>
                     with lstrip); vocab 4000 — the shape of roberta-base / all-distilroberta-v1
  roberta-prefix     the same with add_prefix_space=True everywhere; vocab 2000
  whitespace-suffix  Whitespace + BPE(end_of_word_suffix="</w>", unk "<unk>", no fuse_unk) +
                     BertProcessing-like template; vocab 3000
  prefix-fuse        Sequence[Digits, Punctuation, WhitespaceSplit] + BPE(
                     continuing_subword_prefix="##", unk "[UNK]", fuse_unk) ; vocab 3000
  byte-fallback      WhitespaceSplit + BPE(byte_fallback, unk "<unk>", fuse_unk, ignore_merges),
                     <0x00>..<0xFF> in the vocabulary (Llama-style); vocab 2500
The differential test derives further variants from these by swapping the pre-tokenizer.

  .venv/bin/python scripts/make_bpe_test_tokenizers.py --data ../shared/data
"""
import argparse
import csv
import json
import os

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "tokenizer", "bpe")


def sts_train(data_dir):
    texts = []
    with open(os.path.join(data_dir, "stsbenchmark", "sts-train.csv"), encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                texts += [row[5], row[6]]
    return texts


def save(name, tok, max_seq_length=128):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": max_seq_length, "do_lower_case": False}, f)
    print(name, tok.get_vocab_size(), os.path.getsize(os.path.join(d, "tokenizer.json")))


def roberta(texts, name, vocab, add_prefix_space):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", AddedToken("<mask>", lstrip=True, special=True)]
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")),
                                                      ("<s>", tok.token_to_id("<s>")),
                                                      trim_offsets=True,
                                                      add_prefix_space=add_prefix_space)
    save(name, tok)


def whitespace_suffix(texts):
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    trainer = trainers.BpeTrainer(vocab_size=3000, special_tokens=["<unk>", "[CLS]", "[SEP]"],
                                  end_of_word_suffix="</w>", show_progress=False, limit_alphabet=200)
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    save("whitespace-suffix", tok)


def prefix_fuse(texts):
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=False),
                                                 pre_tokenizers.Punctuation(),
                                                 pre_tokenizers.WhitespaceSplit()])
    tok.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.BpeTrainer(vocab_size=3000, special_tokens=["[UNK]"], show_progress=False,
                                  continuing_subword_prefix="##", limit_alphabet=150)
    tok.train_from_iterator(texts, trainer)
    save("prefix-fuse", tok)


def byte_fallback(texts):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True,
                               ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse()])
    specials = ["<unk>"] + ["<0x%02X>" % b for b in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=2500, special_tokens=specials, show_progress=False,
                                  limit_alphabet=120)
    tok.train_from_iterator(texts, trainer)
    save("byte-fallback", tok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data"))
    args = ap.parse_args()
    texts = sts_train(args.data)
    roberta(texts, "roberta", 4000, False)
    roberta(texts, "roberta-prefix", 2000, True)
    whitespace_suffix(texts)
    prefix_fuse(texts)
    byte_fallback(texts)


if __name__ == "__main__":
    main()
