#!/usr/bin/env python3
"""Writes tests/fixtures/tiny-bert/: a tiny random BERT (2 layers, hidden 32, 4 heads, vocab 512)
and transformers' outputs for a few fixed token-id sequences, so CI can check sembed's encoder
without torch.

Files written:
  config.json         the BertConfig
  model.safetensors   the weights (names as BertModel.save_pretrained writes them, no "bert." prefix)
  reference.json      {"hidden_size", "sequences": [{"ids", "type_ids"}], "last_hidden_state":
                      [[per token of every sequence, packed back to back]], "pooler_output": [...],
                      "mean_pooled": [...]} -- float32 values written as shortest-repr decimals,
                      so they round-trip exactly.

The weights are not transformers' default init (std 0.02, LayerNorm 1/0, zero biases): every
tensor gets O(1)-scale noise so that every weight, bias and LayerNorm parameter visibly changes
the outputs, making the test sensitive to a misplaced transpose or a forgotten bias.

The reference runs BertModel on one right-padded batch with attention_mask and keeps only the
real tokens: that is how sentence-transformers calls it.

Usage: /work/refvenv/bin/python scripts/make_tiny_bert_fixture.py [--out tests/fixtures/tiny-bert]
"""
import argparse
import json
import os

import numpy as np
import torch
from transformers import BertConfig, BertModel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests",
                                                      "fixtures", "tiny-bert"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    torch.manual_seed(20261128)
    config = BertConfig(vocab_size=512, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                        hidden_act="gelu", layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    model = BertModel(config, add_pooling_layer=True).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.3 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            elif "embeddings" in name:
                p.copy_(torch.randn_like(p))
            else:
                # Large enough that attention is far from uniform and GELU sees both signs.
                p.copy_(torch.randn_like(p) / np.sqrt(p.shape[1]) * 1.5)

    rng = np.random.default_rng(7)
    lengths = [2, 1, 5, 17, 9, 33, 64, 3]
    sequences = []
    for n in lengths:
        ids = [101 % config.vocab_size] + rng.integers(1, config.vocab_size, n - 1).tolist() if n > 1 \
            else [101 % config.vocab_size]
        sequences.append({"ids": [int(x) for x in ids], "type_ids": [0] * n})
    # A sentence pair: type ids 0 then 1.
    pair_ids = rng.integers(1, config.vocab_size, 12).tolist()
    sequences.append({"ids": [int(x) for x in pair_ids], "type_ids": [0] * 5 + [1] * 7})

    max_len = max(len(s["ids"]) for s in sequences)
    ids = torch.zeros((len(sequences), max_len), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, s in enumerate(sequences):
        n = len(s["ids"])
        ids[i, :n] = torch.tensor(s["ids"])
        types[i, :n] = torch.tensor(s["type_ids"])
        mask[i, :n] = 1
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
    hidden = out.last_hidden_state.float().numpy()
    pooler = out.pooler_output.float().numpy()
    m = mask.unsqueeze(-1).float()
    mean = ((out.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()

    packed = []
    for i, s in enumerate(sequences):
        packed.extend(hidden[i, :len(s["ids"])].tolist())

    def f32(rows):
        return [[float(np.float32(v)) for v in row] for row in rows]

    model.save_pretrained(args.out, safe_serialization=True)
    reference = {
        "generator": "scripts/make_tiny_bert_fixture.py",
        "hidden_size": config.hidden_size,
        "sequences": sequences,
        "last_hidden_state": f32(packed),
        "pooler_output": f32(pooler.tolist()),
        "mean_pooled": f32(mean.tolist()),
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(reference, f)
    print("wrote", args.out, "tokens:", len(packed))


if __name__ == "__main__":
    main()
