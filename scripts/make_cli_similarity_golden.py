#!/usr/bin/env python3
"""Golden values of sentence-transformers for the CLI option tests (tests/engine/cli_options_test.py),
on the seed sentences and the default model:
  matrix[metric]              the full score matrix under util.cos_sim, util.dot_score,
                              util.euclidean_sim, util.manhattan_sim of model.encode()'s vectors
  unnormalized_embeddings     the Transformer + Pooling output without the Normalize module
  unnormalized_dot_matrix     util.dot_score of those
  max_length_16_embeddings    model.encode() with max_seq_length = 16
  pooling_embeddings[mode]    each sentence_transformers Pooling mode, then the model's Normalize

Writes tests/golden/minilm_seed_similarity.json. Does not touch the other golden files.

Run (needs torch + sentence-transformers; the model from scripts/fetch_default_model.sh):
  bench/.venv/bin/python scripts/make_cli_similarity_golden.py \
      --model ~/.cache/sembed/models/all-MiniLM-L6-v2
"""
import argparse
import json
import os
import pathlib

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer, util
from sentence_transformers.sentence_transformer.modules import Pooling

POOLING_MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]

from seed_sentences import SEED_SENTENCES

METRICS = {"cosine": util.cos_sim, "dot": util.dot_score, "euclidean": util.euclidean_sim,
           "manhattan": util.manhattan_sim}


def f32(m):
    return [[float(np.float32(v)) for v in row] for row in m.tolist()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent / "tests"
                                         / "golden" / "minilm_seed_similarity.json"))
    args = ap.parse_args()
    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    emb = model.encode(SEED_SENTENCES, convert_to_tensor=True)
    # all-MiniLM-L6-v2 ends in a Normalize module (normalize_embeddings=False does not skip it):
    # the unnormalized vectors are the Transformer + Pooling modules' output.
    features = model.preprocess(SEED_SENTENCES)
    with torch.no_grad():
        token_features = model[0](dict(features))
        out = model[1](dict(token_features))
        pooled = {}
        for mode in POOLING_MODES:  # each pooling mode, then the model's Normalize module
            pooling = Pooling(model[1].get_embedding_dimension(), pooling_mode=mode)
            pooled[mode] = f32(model[2](pooling(dict(token_features)))["sentence_embedding"])
    unnormalized = out["sentence_embedding"]
    model.max_seq_length = 16
    short = model.encode(SEED_SENTENCES, convert_to_numpy=True)
    golden = {
        "generator": "scripts/make_cli_similarity_golden.py",
        "sentences": SEED_SENTENCES,
        "matrix": {name: f32(fn(emb, emb)) for name, fn in METRICS.items()},
        "unnormalized_embeddings": f32(unnormalized),
        "unnormalized_dot_matrix": f32(util.dot_score(unnormalized, unnormalized)),
        "max_length_16_embeddings": f32(short),
        "pooling_embeddings": pooled,
        "versions": {"sentence_transformers": sentence_transformers.__version__,
                     "torch": torch.__version__},
    }
    pathlib.Path(args.out).write_text(json.dumps(golden))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
