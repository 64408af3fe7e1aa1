#!/usr/bin/env python3
"""Golden outputs of sentence-transformers for the end-to-end parity tests (tests/engine/).

Writes into tests/golden/:
  minilm_sts_test.npy       float32 [2758, 384]: model.encode() of every sentence of
                            sts-test.csv (sentence 1 then sentence 2 of each pair, file order)
  minilm_reference.json     the STS-B test Spearman correlation (cosine vs gold), the seed
                            sentences' cosine row, and the versions that produced them

Run (needs torch + sentence-transformers; the model from scripts/fetch_default_model.sh):
  /path/to/venv/bin/python scripts/make_sentence_transformers_golden.py \
      --model ~/.cache/sembed/models/all-MiniLM-L6-v2 [--data tests/data]
"""
import argparse
import csv
import json
import os
import pathlib

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import scipy.stats
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer, util

from model_variants import make_lowercasing_variant
from seed_sentences import SEED_SENTENCES



def read_sts(path):
    """Pairs and gold scores of an STS-B csv (tab-separated, unquoted)."""
    pairs, gold = [], []
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            gold.append(float(row[4]))
            pairs.append((row[5], row[6]))
    return pairs, gold


LOWERCASE_TEXTS = ["Hello WORLD", "ÉCOLE Normale Supérieure", "ΣΊΣΥΦΟΣ and ДОМ"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", default=str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"))
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "golden"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    pairs, gold = read_sts(pathlib.Path(args.data) / "stsbenchmark" / "sts-test.csv")
    sentences = [s for pair in pairs for s in pair]
    emb = model.encode(sentences, batch_size=32, convert_to_numpy=True).astype(np.float32)
    np.save(out / "minilm_sts_test.npy", emb)

    a, b = emb[0::2], emb[1::2]
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    spearman = scipy.stats.spearmanr(cos, gold).correlation

    seed = model.encode(SEED_SENTENCES, convert_to_tensor=True)
    seed_row = util.cos_sim(seed[0:1], seed[1:])[0].tolist()

    # Edge cases: the empty string ([CLS] [SEP] only), whitespace only, a text far past
    # max_seq_length (truncated), CJK, accents and emoji.
    edge_texts = ["", "   ", "\t \u3000 ", " ".join(["word"] * 400),
                  "Café naïve façade — 東京で寿司を食べた 🍣👍", "[CLS] typed [SEP] inside [MASK] text"]
    edge = model.encode(edge_texts, convert_to_numpy=True)

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        variant = SentenceTransformer(str(make_lowercasing_variant(args.model, pathlib.Path(tmp) / "m")), device="cpu")
        lowercase_emb = variant.encode(LOWERCASE_TEXTS, convert_to_numpy=True)

    ref = {
        "sts_test_sentences": len(sentences),
        "sts_test_spearman_cosine": float(spearman),
        "seed_cosine_row": seed_row,
        "seed_embeddings": seed.numpy().astype(float).tolist(),
        "edge_texts": edge_texts,
        "edge_embeddings": edge.astype(float).tolist(),
        "do_lower_case_texts": LOWERCASE_TEXTS,
        "do_lower_case_embeddings": lowercase_emb.astype(float).tolist(),
        "versions": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
        },
    }
    (out / "minilm_reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"spearman {spearman:.6f} seed row {seed_row}")


if __name__ == "__main__":
    main()
