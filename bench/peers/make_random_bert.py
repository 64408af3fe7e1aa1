"""Makes a BERT-base-shaped sentence-transformers model with random weights (fixed seed).

  python bench/peers/make_random_bert.py SEED_MODEL_FILES_DIR OUT_DIR [SEED]

Takes config.json, tokenizer and sentence-transformers files of bert-base-nli-mean-tokens (the
seed's model; tests/data has them without weights), initialises BertModel with transformers'
own initialiser under torch.manual_seed(SEED), and saves model.safetensors beside copies of
those files. Shapes and the whole pipeline (128-token limit, mean pooling, no Normalize) are the
seed model's; only the numbers in the weights are made up, so speed is representative and
parity is still a fair check.
"""
from __future__ import annotations

import os
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import BertConfig, BertModel  # noqa: E402

COPY = ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
        "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "tokenizer.json"]


def make(src: str, out: str, seed: int = 0) -> None:
    tmp = out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "1_Pooling"))
    config = BertConfig.from_json_file(os.path.join(src, "config.json"))
    torch.manual_seed(seed)
    model = BertModel(config, add_pooling_layer=True).eval()
    model.save_pretrained(tmp, safe_serialization=True)
    for name in COPY:
        if os.path.exists(os.path.join(src, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(tmp, name))
    shutil.copyfile(os.path.join(src, "1_Pooling", "config.json"),
                    os.path.join(tmp, "1_Pooling", "config.json"))
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    print(f"make_random_bert: {out} ({sum(p.numel() for p in model.parameters())} parameters, "
          f"seed {seed})")


if __name__ == "__main__":
    make(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
