#!/usr/bin/env python3
"""Golden outputs of sentence-transformers' Pooling / Normalize modules and util similarity
functions on fixed random inputs, for tests/engine/pooling_similarity_test.cpp.

Writes tests/golden/pooling_similarity.json. Run with a Python that has torch and
sentence-transformers:
  python scripts/make_pooling_similarity_golden.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F
from sentence_transformers import util
from sentence_transformers.models import Pooling

MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "golden" / "pooling_similarity.json"
    gen = torch.Generator().manual_seed(1234)
    hidden = 24
    lengths = [1, 2, 7, 13]
    padded = max(lengths)
    tokens = torch.randn(len(lengths), padded, hidden, generator=gen)
    mask = torch.zeros(len(lengths), padded, dtype=torch.long)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    pooled = {}
    for mode in MODES:
        pool = Pooling(hidden, pooling_mode=mode)
        features = {"token_embeddings": tokens.clone(), "attention_mask": mask}
        pooled[mode] = pool(features)["sentence_embedding"].tolist()

    a = torch.randn(5, hidden, generator=gen)
    b = torch.randn(9, hidden, generator=gen)
    b[3] = b[1]  # a tie, to pin the tie order of semantic search
    sims = {
        "cosine": util.cos_sim(a, b).tolist(),
        "dot": util.dot_score(a, b).tolist(),
        "euclidean": util.euclidean_sim(a, b).tolist(),
        "manhattan": util.manhattan_sim(a, b).tolist(),
    }
    hits = util.semantic_search(a, b, top_k=4)
    golden = {
        "hidden": hidden,
        "lengths": lengths,
        "tokens": [tokens[i, :n].tolist() for i, n in enumerate(lengths)],
        "pooled": pooled,
        "normalized_mean": F.normalize(torch.tensor(pooled["mean"]), p=2, dim=1).tolist(),
        "a": a.tolist(),
        "b": b.tolist(),
        "similarity": sims,
        "semantic_search_top4": [[[h["corpus_id"], h["score"]] for h in q] for q in hits],
    }
    out.write_text(json.dumps(golden) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
