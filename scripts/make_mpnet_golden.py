#!/usr/bin/env python3
"""Golden outputs of sentence-transformers on all-mpnet-base-v2 for tests/engine/mpnet_parity_test.cpp.

Writes into tests/golden/:
  mpnet_sts_test.npy      float32 [2758, 768]: model.encode() of every sentence of sts-test.csv
                          (sentence 1 then sentence 2 of each pair, file order)
  mpnet_reference.json    the STS-B test Spearman correlation (cosine vs gold), the seed
                          sentences' cosine row and embeddings, a few edge texts (empty, a text
                          past max_seq_length, a literal <pad>), and the versions used

Run (torch + sentence-transformers; the model from scripts/fetch_mpnet_model.sh):
  bench/.venv/bin/python scripts/make_mpnet_golden.py \
      --model ~/.cache/sembed/models/all-mpnet-base-v2 --shared tests/data
"""
import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import scipy.stats
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer, util

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_sentence_transformers_golden import SEED_SENTENCES, read_sts  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "golden"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    pairs, gold = read_sts(pathlib.Path(args.shared) / "stsbenchmark" / "sts-test.csv")
    sentences = [s for pair in pairs for s in pair]
    emb = model.encode(sentences, batch_size=32, convert_to_numpy=True).astype(np.float32)
    np.save(out / "mpnet_sts_test.npy", emb)
    a, b = emb[0::2], emb[1::2]
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    spearman = scipy.stats.spearmanr(cos, gold).correlation
    seed = model.encode(SEED_SENTENCES, convert_to_tensor=True)
    seed_row = util.cos_sim(seed[0:1], seed[1:])[0].tolist()
    edge_texts = ["", " ".join(["word"] * 500), "a <pad> inside, and <s> too", "Café 東京 🍣"]
    edge = model.encode(edge_texts, convert_to_numpy=True)
    ref = {
        "sts_test_sentences": len(sentences),
        "sts_test_spearman_cosine": float(spearman),
        "seed_cosine_row": seed_row,
        "seed_embeddings": seed.numpy().astype(float).tolist(),
        "edge_texts": edge_texts,
        "edge_embeddings": edge.astype(float).tolist(),
        "versions": {"sentence_transformers": sentence_transformers.__version__,
                     "transformers": transformers.__version__, "torch": torch.__version__},
    }
    (out / "mpnet_reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"spearman {spearman:.6f} seed row {seed_row}")


if __name__ == "__main__":
    main()
