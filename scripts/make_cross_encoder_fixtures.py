#!/usr/bin/env python3
"""Writes tests/fixtures/cross_encoders/<name>/: small random-weight sentence-transformers
CrossEncoder directories, one per family's *ForSequenceClassification head, with
sentence-transformers' own CrossEncoder.predict() and rank() outputs, so CI checks sembed's
rerankers without torch.

Each fixture is transformers' native class (BertForSequenceClassification, ...; eager attention)
with O(1)-scale random weights (make_family_fixtures.randomize), a tokenizer from
make_family_fixtures (WordPiece, byte-level BPE or SentencePiece Unigram), saved by
CrossEncoder.save_pretrained and reloaded from disk before predicting. `legacy` variants keep the
plain transformers save (no modules.json) with the activation in config.json's
sbert_ce_default_activation_function, as CrossEncoders saved before sentence-transformers 4.

reference.json:
  {"pairs": [[a, b], ...], "max_length": N, "num_labels": L,
   "token_type_ids": whether the tokenizer hands the model type ids (its model_input_names),
   "cases": [{"activation": "default" | "identity", "apply_softmax": bool,
              "scores": [[...L floats] per pair]}],
   "rank": {"query": q, "documents": [...], "results": [{"corpus_id": i, "score": s}, ...]}}
(rank only for num_labels 1). Floats are float32 values as shortest-repr decimals.

Usage: bench/.venv/bin/python scripts/make_cross_encoder_fixtures.py [--only NAME]
(sentence-transformers 6.2, transformers 5.24, torch 2.15; ~20 s on 2 cores.)
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
from sentence_transformers import CrossEncoder
from transformers import (BertConfig, BertForSequenceClassification, DistilBertConfig,
                          DistilBertForSequenceClassification, GteConfig,
                          GteForSequenceClassification, ModernBertConfig,
                          ModernBertForSequenceClassification, MPNetConfig,
                          MPNetForSequenceClassification, NomicBertConfig,
                          NomicBertForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification, XLMRobertaConfig,
                          XLMRobertaForSequenceClassification)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_family_fixtures import WORDS, make_tokenizer, randomize  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGMOID = "torch.nn.modules.activation.Sigmoid"
IDENTITY = "torch.nn.modules.linear.Identity"


def pairs_for(max_length):
    rng = np.random.default_rng(13)
    long_a = " ".join(rng.choice(WORDS, size=max_length).tolist())
    long_b = " ".join(rng.choice(WORDS, size=max_length // 2).tolist())
    short = " ".join(rng.choice(WORDS, size=max_length // 4).tolist())
    q = "how does a man play the guitar?"
    return [
        [q, "A man is playing a guitar."],
        [q, "The quick brown fox jumps over the lazy dog!"],
        [q, ""],
        ["", ""],
        ["Cats sat on mats.", "dogs walked in parks; birds sang songs."],
        ["zebra xylophone quokka", "Her <pad> book"],
        [long_a, short],   # only the first text is cut (longest_first)
        [short, long_a],   # only the second
        [long_a, long_b],  # both
        ["one", "one"],
    ]


RANK_DOCS = ["A man is playing a guitar.", "Music: a man plays the piano.", "",
             "The quick brown fox jumps over the lazy dog!", "a woman sings a song in the park"]

# name: (config class, model class, config kwargs, tokenizer, num_labels, max_length, layout)
# WordPiece fixtures name their tokenizer class BertTokenizer, as real BERT cross-encoders do:
# its model_input_names include token_type_ids, so the second text gets type id 1; bert-legacy
# keeps the generic class, whose inputs do not (type ids all 0).
BERT_TOKENIZER = {"bert", "bert-nli", "nomic-bert"}
FIXTURES = {
    "bert": (BertConfig, BertForSequenceClassification,
             dict(hidden_size=36, num_hidden_layers=2, num_attention_heads=3,
                  intermediate_size=52, max_position_embeddings=64, type_vocab_size=2),
             False, 1, 48, "st"),
    # Three labels with names (an NLI head): identity by default; softmax on request.
    "bert-nli": (BertConfig, BertForSequenceClassification,
                 dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=40, max_position_embeddings=64, type_vocab_size=2,
                      id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                      label2id={"contradiction": 0, "entailment": 1, "neutral": 2}),
             False, 3, 40, "st"),
    # A CrossEncoder saved before sentence-transformers 4: no modules.json, the activation in
    # config.json (identity: raw logits).
    "bert-legacy": (BertConfig, BertForSequenceClassification,
                    dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=36, max_position_embeddings=48, type_vocab_size=2),
                    False, 1, 48, "legacy"),
    "roberta-bpe": (RobertaConfig, RobertaForSequenceClassification,
                    dict(hidden_size=30, num_hidden_layers=2, num_attention_heads=3,
                         intermediate_size=48, max_position_embeddings=66, type_vocab_size=1,
                         layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                    "bpe-roberta", 1, 64, "st"),
    "xlm-roberta-unigram": (XLMRobertaConfig, XLMRobertaForSequenceClassification,
                            dict(hidden_size=28, num_hidden_layers=2, num_attention_heads=7,
                                 intermediate_size=44, max_position_embeddings=60,
                                 type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1,
                                 bos_token_id=0, eos_token_id=2),
                            "unigram-xlmr", 2, 56, "st"),
    "mpnet": (MPNetConfig, MPNetForSequenceClassification,
              dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                   intermediate_size=80, max_position_embeddings=80,
                   relative_attention_num_buckets=32, layer_norm_eps=1e-5, pad_token_id=1,
                   bos_token_id=0, eos_token_id=2),
              True, 1, 72, "st"),
    "distilbert": (DistilBertConfig, DistilBertForSequenceClassification,
                   dict(dim=32, n_layers=2, n_heads=4, hidden_dim=44, max_position_embeddings=48,
                        activation="gelu", pad_token_id=0),
                   False, 1, 48, "st"),
    "modernbert": (ModernBertConfig, ModernBertForSequenceClassification,
                   dict(hidden_size=48, num_hidden_layers=3, num_attention_heads=3,
                        intermediate_size=40, max_position_embeddings=128, local_attention=16,
                        global_attn_every_n_layers=2, pad_token_id=1, bos_token_id=0,
                        eos_token_id=2, cls_token_id=0, sep_token_id=2,
                        classifier_pooling="cls"),
                   "bpe-roberta", 1, 96, "st"),
    # Mean pooling over the pair, a head dense with bias, LayerNorms with bias, silu head.
    "modernbert-mean": (ModernBertConfig, ModernBertForSequenceClassification,
                        dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=24, max_position_embeddings=128,
                             local_attention=16, global_attn_every_n_layers=2, pad_token_id=1,
                             bos_token_id=0, eos_token_id=2, cls_token_id=0, sep_token_id=2,
                             classifier_pooling="mean", classifier_bias=True, norm_bias=True,
                             classifier_activation="silu"),
                        "bpe-roberta", 1, 96, "st"),
    "nomic-bert": (NomicBertConfig, NomicBertForSequenceClassification,
                   dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=72, max_position_embeddings=128, type_vocab_size=2,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000.0}),
                   False, 1, 96, "st"),
    "gte-en": (GteConfig, GteForSequenceClassification,
               dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=52, max_position_embeddings=100, type_vocab_size=0,
                    layer_norm_eps=1e-12, pad_token_id=0, hidden_act="silu",
                    rope_parameters={"rope_type": "default", "rope_theta": 500.0}),
               False, 1, 96, "st"),
}


def f32(rows):
    return [[float(np.float32(v)) for v in np.atleast_1d(row)] for row in rows]


def build(name, spec, out_root, seed):
    config_cls, model_cls, kwargs, tokenizer_style, num_labels, max_length, layout = spec
    out = os.path.join(out_root, name)
    shutil.rmtree(out, ignore_errors=True)
    tmp = tempfile.mkdtemp()
    try:
        vocab_size, _ = make_tokenizer(tokenizer_style, tmp, max_length)
        if name in BERT_TOKENIZER:
            tc_path = os.path.join(tmp, "tokenizer_config.json")
            with open(tc_path) as fh:
                tc = json.load(fh)
            tc["tokenizer_class"] = "BertTokenizer"
            with open(tc_path, "w") as fh:
                json.dump(tc, fh, indent=2)
        kw = dict(kwargs, num_labels=num_labels)
        if config_cls is DistilBertConfig:
            kw.update(dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0)
        elif config_cls is ModernBertConfig:
            kw.update(attention_dropout=0.0, embedding_dropout=0.0, mlp_dropout=0.0,
                      classifier_dropout=0.0)
        else:
            kw.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
        config = config_cls(vocab_size=vocab_size, **kw)
        config._attn_implementation = "eager"
        torch.manual_seed(seed)
        hf = model_cls(config).eval()
        randomize(hf, seed)
        hf.save_pretrained(tmp, safe_serialization=True)
        if layout == "legacy":
            shutil.copytree(tmp, out)
            cfg_path = os.path.join(out, "config.json")
            with open(cfg_path) as fh:
                cfg = json.load(fh)
            cfg["sbert_ce_default_activation_function"] = IDENTITY
            with open(cfg_path, "w") as fh:
                json.dump(cfg, fh, indent=2)
        else:
            ce = CrossEncoder(tmp, device="cpu", max_length=max_length,
                              model_kwargs={"attn_implementation": "eager"})
            ce.save_pretrained(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for junk in ("README.md",):
        p = os.path.join(out, junk)
        if os.path.exists(p):
            os.remove(p)

    ce = CrossEncoder(out, device="cpu", model_kwargs={"attn_implementation": "eager"})
    ce.eval()
    assert ce.num_labels == num_labels, (name, ce.num_labels)
    pairs = pairs_for(max_length)
    type_ids = "token_type_ids" in ce.tokenizer.model_input_names
    assert type_ids == (name in BERT_TOKENIZER), (name, ce.tokenizer.model_input_names)

    def predict(**kw):
        with torch.no_grad():
            s = ce.predict(pairs, batch_size=3, convert_to_numpy=True, **kw)
        return f32(np.asarray(s, dtype=np.float32))

    cases = [{"activation": "default", "apply_softmax": False, "scores": predict()},
             {"activation": "identity", "apply_softmax": False,
              "scores": predict(activation_fn=torch.nn.Identity())}]
    if num_labels > 1:
        cases.append({"activation": "default", "apply_softmax": True,
                      "scores": predict(apply_softmax=True)})
    ref = {"generator": "scripts/make_cross_encoder_fixtures.py", "fixture": name,
           "pairs": pairs, "max_length": max_length, "token_type_ids": type_ids, "num_labels": num_labels, "cases": cases}
    if num_labels == 1:
        query = pairs[0][0]
        with torch.no_grad():
            ranked = ce.rank(query, RANK_DOCS, batch_size=2)
        ref["rank"] = {"query": query, "documents": RANK_DOCS,
                       "results": [{"corpus_id": int(r["corpus_id"]),
                                    "score": float(np.float32(r["score"]))} for r in ranked]}
    with open(os.path.join(out, "reference.json"), "w") as fh:
        json.dump(ref, fh)
    print("wrote", out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "cross_encoders"))
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    for i, (name, spec) in enumerate(FIXTURES.items()):
        if args.only and name != args.only:
            continue
        build(name, spec, args.out, 20261203 + i)


if __name__ == "__main__":
    main()
