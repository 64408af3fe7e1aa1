#!/usr/bin/env python3
"""Golden outputs of sentence-transformers for the Python package's parity tests (tests/python/).

Writes tests/golden/python_st.npz: for a fixed selection of STS-B test sentences (plus a few
edge cases), what sentence_transformers.SentenceTransformer.encode returns for each argument
combination sembed supports, and what sentence_transformers.util returns on those embeddings.
Every array is named after the call that made it (see CASES and the util block below).

Run (needs torch + sentence-transformers; the model from scripts/fetch_default_model.sh):
  bench/.venv/bin/python scripts/make_python_goldens.py \
      --model ~/.cache/sembed/models/all-MiniLM-L6-v2
"""
import argparse
import csv
import json
import os
import pathlib
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer, util
from sentence_transformers.util import quantize_embeddings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_variants import make_prompt_variant  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
STS_TEST = ROOT / "tests" / "data" / "stsbenchmark" / "sts-test.csv"

# Edge cases beside the STS-B sentences: a text over max_seq_length (truncation), accents and
# scripts that the BERT normalizer rewrites, an empty string.
EXTRA_TEXTS = [
    " ".join(["the quick brown fox jumps over the lazy dog"] * 40),
    "Héllo wörld — naïve café, ΣΊΣΥΦΟΣ and 東京",
    "",
]

# encode() argument combinations, by golden name. Precisions use the ranges of the call's own
# embeddings, as sentence-transformers does when encode() gets precision=.
CASES = {
    "normalize": dict(normalize_embeddings=True),
    "truncate128": dict(truncate_dim=128),
    "truncate128_normalize": dict(truncate_dim=128, normalize_embeddings=True),
    "prompt_query": dict(prompt="query: "),
    "batch3": dict(batch_size=3),
}
for precision in ("int8", "uint8", "binary", "ubinary"):
    CASES[precision] = dict(precision=precision)
    CASES[precision + "_truncate64_normalize"] = dict(precision=precision, truncate_dim=64, normalize_embeddings=True)


def sts_sentences(n):
    texts = []
    with open(STS_TEST, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.extend([row[5], row[6]])
    # Every 57th sentence: a spread of lengths and topics, deterministic.
    return texts[::57][:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", default=str(ROOT / "tests" / "golden" / "python_st.npz"))
    args = ap.parse_args()
    torch.set_num_threads(2)

    model = SentenceTransformer(args.model, device="cpu")
    texts = sts_sentences(45) + EXTRA_TEXTS
    out = {"texts": np.array(texts, dtype=object).astype(str)}
    out["encode"] = model.encode(texts)
    for name, kwargs in CASES.items():
        out["encode_" + name] = model.encode(texts, **kwargs)
    out["encode_single"] = model.encode(texts[0])

    token_texts = texts[:5] + EXTRA_TEXTS[1:2]
    token_embeddings = model.encode(token_texts, output_value="token_embeddings")
    out["token_texts"] = np.array(token_texts).astype(str)
    out["token_embeddings"] = np.concatenate([t.numpy() for t in token_embeddings])
    out["token_lengths"] = np.array([len(t) for t in token_embeddings])
    features = model.tokenize(token_texts)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        out["tokenize_" + key] = features[key].numpy()

    # util on sentence-transformers' own embeddings (the tests feed sembed.util the same arrays).
    emb = out["encode"]
    queries, corpus = emb[:8], emb[8:]
    out["util_cos_sim"] = util.cos_sim(queries, corpus).numpy()
    out["util_dot_score"] = util.dot_score(queries, corpus).numpy()
    out["util_euclidean_sim"] = util.euclidean_sim(queries, corpus).numpy()
    out["util_manhattan_sim"] = util.manhattan_sim(queries, corpus).numpy()
    out["util_pairwise_cos_sim"] = util.pairwise_cos_sim(emb[:20], emb[20:40]).numpy()
    out["util_pairwise_dot_score"] = util.pairwise_dot_score(emb[:20], emb[20:40]).numpy()
    out["util_pairwise_euclidean_sim"] = util.pairwise_euclidean_sim(emb[:20], emb[20:40]).numpy()
    out["util_pairwise_manhattan_sim"] = util.pairwise_manhattan_sim(emb[:20], emb[20:40]).numpy()
    hits = util.semantic_search(queries, corpus, top_k=5)
    out["util_semantic_search_ids"] = np.array([[h["corpus_id"] for h in q] for q in hits])
    out["util_semantic_search_scores"] = np.array([[h["score"] for h in q] for q in hits], dtype=np.float32)
    hits = util.semantic_search(queries, corpus, top_k=4, query_chunk_size=3, corpus_chunk_size=7,
                                score_function=util.dot_score)
    out["util_semantic_search_dot_chunked_ids"] = np.array([[h["corpus_id"] for h in q] for q in hits])
    pairs = util.paraphrase_mining_embeddings(torch.from_numpy(emb), top_k=3, max_pairs=25,
                                              query_chunk_size=10, corpus_chunk_size=13)
    out["util_paraphrase_mining"] = np.array(pairs, dtype=np.float64)
    # Communities need near neighbours: each of 6 sentences with noisy copies of itself.
    rng = np.random.default_rng(7)
    centres = emb[:6]
    cloud = np.concatenate([centres + rng.normal(0, s, centres.shape).astype(np.float32)
                            for s in (0.0, 0.01, 0.02, 0.03, 0.05)] + [emb[6:]])
    out["util_community_input"] = cloud
    communities = util.community_detection(cloud, threshold=0.8, min_community_size=3, batch_size=7)
    out["util_community_flat"] = np.array([i for c in communities for i in c])
    out["util_community_sizes"] = np.array([len(c) for c in communities])
    for precision in ("float32", "int8", "uint8", "binary", "ubinary"):
        out["util_quantize_" + precision] = quantize_embeddings(emb, precision=precision)
    out["util_quantize_int8_calibrated"] = quantize_embeddings(emb[:10], "int8", calibration_embeddings=emb)
    ranges = np.vstack([emb.min(0) - 0.01, emb.max(0) + 0.01])
    out["util_quantize_ranges"] = ranges
    out["util_quantize_uint8_ranges"] = quantize_embeddings(emb[:10], "uint8", ranges=ranges)

    # Saved prompts and a Pooling that leaves prompt tokens out (scripts/model_variants.py).
    with tempfile.TemporaryDirectory() as tmp:
        variant = SentenceTransformer(str(make_prompt_variant(args.model, pathlib.Path(tmp) / "m")), device="cpu")
        out["prompt_variant_query"] = variant.encode_query(texts[:12])
        out["prompt_variant_document"] = variant.encode_document(texts[:12])
        out["prompt_variant_plain"] = variant.encode(texts[:12])
        out["prompt_variant_custom"] = variant.encode(texts[:12], prompt="search: ")
        tokens = variant.encode(texts[:3], prompt="search: ", output_value="token_embeddings")
        out["prompt_variant_tokens"] = np.concatenate([t.numpy() for t in tokens])

    out["versions"] = np.array(json.dumps({
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "model": os.path.basename(os.path.normpath(args.model)),
    }))
    np.savez_compressed(args.out, **out)
    print(f"wrote {args.out}: {len(texts)} texts, {len(out)} arrays")


if __name__ == "__main__":
    main()
