#!/usr/bin/env python3
"""Writes tests/golden/long_text.json: chunk mode (--long-text chunk) computed with
sentence-transformers and Hugging Face tokenizers on every random-weight family fixture
(tests/fixtures/families, from make_family_fixtures.py), so CI checks sembed's windows and
their embeddings without torch.

The definition (docs/long-text.md), computed here independently of sembed:
- the text with its prompt is tokenized once, without truncation, by the model's HF tokenizer;
  the special tokens around it are those its special_tokens_mask marks at either end, the
  prompt's tokens are sentence-transformers' own prompt length (Transformer._get_prompt_length);
- the text's own tokens are cut into windows of max_seq_length - specials - prompt tokens,
  consecutive windows sharing `overlap` tokens, the last one ending at the text's end; a text
  that fits is one window;
- each window (specials + prompt tokens + its text tokens + trailing specials) is run through
  the SentenceTransformer's modules as a batch of one: `embedding` is the full output (what
  sembed's encode_chunks returns), `before_normalize` the output of every module but a final
  Normalize;
- the text's vector is the mean of the windows' before_normalize vectors weighted by their text
  token counts (float64), L2-normalized when the model ends with Normalize.

JSON: {"fixtures": [{"name", "max_seq_length", "cases": [{"prompt_name", "overlap",
  "texts": [{"text", "chunks": [{"ids", "prompt_tokens", "token_begin", "token_end",
  "char_begin", "char_end", "embedding"}], "embedding"}]}]}]}
Floats are float32 values as shortest-repr decimals.

Usage: bench/.venv/bin/python scripts/make_long_text_golden.py
(sentence-transformers 6.2, transformers 5.24, torch 2.15; ~30 s on 2 cores.)
"""
import json
import os
import sys

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_family_fixtures import WORDS  # noqa: E402  the fixtures' tokenizer vocabulary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "families")
OUT = os.path.join(ROOT, "tests", "golden", "long_text.json")


def texts_for(max_seq_length, seed):
    rng = np.random.default_rng(seed)
    n = int(max_seq_length * 3.3)
    plain = " ".join(rng.choice(WORDS, size=n).tolist())
    # Non-ASCII code points and punctuation, so character boundaries are checked in code points.
    words = rng.choice(WORDS, size=n).tolist()
    for k in range(0, n, 7):
        words[k] = words[k] + rng.choice([",", ".", " — café", " naïve", " 東京", "!"])
    marked = " ".join(words)
    return [plain, "A man is playing a guitar.", marked]


def f32(values):
    return [float(np.float32(v)) for v in values]


def frame(tok):
    enc = tok("probe text", return_special_tokens_mask=True)
    mask = enc["special_tokens_mask"]
    prefix = 0
    while prefix < len(mask) and mask[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(mask) - prefix and mask[len(mask) - 1 - suffix]:
        suffix += 1
    return prefix, suffix


def run_modules(model, ids, prompt_length, feature_names, skip_final_normalize):
    features = {"input_ids": torch.tensor([ids]),
                "attention_mask": torch.ones(1, len(ids), dtype=torch.long)}
    if "token_type_ids" in feature_names:
        features["token_type_ids"] = torch.zeros(1, len(ids), dtype=torch.long)
    if prompt_length:
        features["prompt_length"] = prompt_length
    modules = list(model)
    if skip_final_normalize and isinstance(modules[-1], Normalize):
        modules = modules[:-1]
    with torch.no_grad():
        for module in modules:
            features = module(features)
    return features["sentence_embedding"][0].double().numpy()


def chunk_case(model, text, prompt, overlap, feature_names):
    tok = model.tokenizer
    max_len = model.max_seq_length
    prefix, suffix = frame(tok)
    prompted = prompt + text
    enc = tok(prompted, add_special_tokens=True, truncation=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    prompt_length = model[0]._get_prompt_length(prompt) if prompt else 0
    head = max(prompt_length or 0, prefix)
    n_text = len(ids) - head - suffix
    if len(ids) <= max_len:
        windows = [(0, n_text)]
    else:
        capacity = max_len - head - suffix
        windows, begin = [], 0
        while True:
            end = min(begin + capacity, n_text)
            windows.append((begin, end))
            if end == n_text:
                break
            begin += capacity - overlap
    chunks, weighted, total = [], 0, 0
    for begin, end in windows:
        window_ids = ids[:head] + ids[head + begin:head + end] + ids[len(ids) - suffix:]
        full = run_modules(model, window_ids, prompt_length, feature_names, False)
        before = run_modules(model, window_ids, prompt_length, feature_names, True)
        weighted = weighted + (end - begin) * before
        total += end - begin
        chunks.append({"ids": window_ids, "prompt_tokens": prompt_length or 0,
                       "token_begin": begin, "token_end": end,
                       "char_begin": max(offsets[head + begin][0] - len(prompt), 0),
                       "char_end": max(offsets[head + end - 1][1] - len(prompt), 0),
                       "embedding": f32(full)})
    if len(windows) == 1:
        combined = np.array(chunks[0]["embedding"], dtype=np.float64)
    else:
        combined = weighted / total
        if isinstance(list(model)[-1], Normalize):
            combined = combined / max(np.linalg.norm(combined), 1e-12)
    return {"text": text, "chunks": chunks, "embedding": f32(combined)}


def main():
    torch.manual_seed(0)
    fixtures = []
    for seed, name in enumerate(sorted(os.listdir(FIXTURES))):
        if name == "nomic-bert-original":
            continue  # nomic-bert's weights in the original checkpoints' layout: transformers
            # cannot read it (make_family_fixtures converts it after encoding)
        model = SentenceTransformer(os.path.join(FIXTURES, name), device="cpu")
        model.eval()
        feature_names = set(model.tokenize(["x"]).keys())
        texts = texts_for(model.max_seq_length, seed)
        prompts = model.prompts or {}
        default = model.default_prompt_name
        named = sorted(n for n, p in prompts.items() if p and n != default)
        cases = [(None, 0), (None, max(1, model.max_seq_length // 6))]
        if named:
            cases.append((named[0], 3))
        out_cases = []
        for prompt_name, overlap in cases:
            chosen = prompt_name or default
            prompt = prompts.get(chosen, "") if chosen else ""
            out_cases.append({
                "prompt_name": prompt_name, "overlap": overlap,
                "texts": [chunk_case(model, t, prompt, overlap, feature_names) for t in texts]})
        fixtures.append({"name": name, "max_seq_length": model.max_seq_length,
                         "cases": out_cases})
        print(name, [len(t["chunks"]) for c in out_cases for t in c["texts"]], flush=True)
    with open(OUT, "w") as f:
        json.dump({"fixtures": fixtures}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
