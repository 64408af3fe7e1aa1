#!/usr/bin/env python3
"""Proof of exactness at full size: a BertModel built from the seed model's exact config.json
(bert-base-nli-mean-tokens: 12 layers, hidden 768) with random weights from a fixed seed, and
transformers' outputs for the seed's four sentences.

Writes to --out (default build-ref/bert-base-random, gitignored; ~440 MB, never committed):
  config.json, model.safetensors   the model (BertModel.save_pretrained)
  reference.json                   same format as tests/fixtures/tiny-bert/reference.json:
                                   token ids, type ids, last_hidden_state per real token (packed),
                                   pooler_output and mean-pooled vectors per sentence

The sentences are tokenized as the seed does (encode_plus, max_length=128, truncation, padding to
128) with transformers' BertTokenizerFast from the seed model's tokenizer files, and the model runs
on the padded batch with its attention mask; only real tokens are kept.

Then:  SEMBED_BERT_BASE_RANDOM_DIR=<out> build/tests/model/model_tests --gtest_filter='BertBase*'

With --model DIR the real weights and tokenizer of a model directory are used instead (e.g. the
all-MiniLM-L6-v2 directory), as a check of the encoder on trained weights.

Usage: /work/refvenv/bin/python scripts/make_bert_base_random_reference.py [--out DIR]
       [--data tests/data] [--model DIR]
"""
import argparse
import json
import os

import numpy as np
import torch
from transformers import BertConfig, BertModel, BertTokenizerFast

from seed_sentences import SEED_SENTENCES

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(HERE, "..", "build-ref", "bert-base-random"))
    parser.add_argument("--data", default=os.path.join(HERE, "..", "tests", "data"))
    parser.add_argument("--model", help="use this model directory's weights instead of random ones")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model_files = args.model or os.path.join(args.data, "bert-base-nli-mean-tokens")

    sentences = list(SEED_SENTENCES)

    torch.manual_seed(1234)
    config = BertConfig.from_json_file(os.path.join(model_files, "config.json"))
    if args.model:
        model = BertModel.from_pretrained(args.model).eval()
    else:
        model = BertModel(config).eval()  # transformers' own random init (std 0.02, LayerNorm 1/0)

    tokenizer = BertTokenizerFast.from_pretrained(model_files)
    enc = tokenizer(sentences, max_length=128, truncation=True, padding="max_length",
                    return_tensors="pt")
    with torch.no_grad():
        out = model(**enc)
    mask = enc["attention_mask"]
    m = mask.unsqueeze(-1).float()
    mean = ((out.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()

    sequences, packed = [], []
    for i in range(len(sentences)):
        n = int(mask[i].sum())
        sequences.append({"ids": enc["input_ids"][i, :n].tolist(),
                          "type_ids": enc["token_type_ids"][i, :n].tolist()})
        packed.extend(out.last_hidden_state[i, :n].numpy().tolist())

    def f32(rows):
        return [[float(np.float32(v)) for v in row] for row in rows]

    model.save_pretrained(args.out, safe_serialization=True)
    reference = {
        "generator": "scripts/make_bert_base_random_reference.py",
        "hidden_size": config.hidden_size,
        "sentences": sentences,
        "sequences": sequences,
        "last_hidden_state": f32(packed),
        "pooler_output": f32(out.pooler_output.numpy().tolist()),
        "mean_pooled": f32(mean.tolist()),
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(reference, f)
    print("wrote", args.out, "tokens per sentence:", [len(s["ids"]) for s in sequences])


if __name__ == "__main__":
    main()
