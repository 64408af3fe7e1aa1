#!/usr/bin/env python3
"""Writes the loader's test fixtures into tests/fixtures/loader/ (committed; a few KB each).

    /work/refvenv/bin/python scripts/make_loader_fixtures.py   # needs torch, safetensors, numpy

A tiny random-weight BERT (hidden 8, 2 layers) with its configs, saved several ways:
  tiny/                 model.safetensors (f32), the reference layout
  tiny-bin/             pytorch_model.bin of the same tensors with the "bert." prefix, a "cls.*"
                        head, a transposed (non-contiguous) tensor and two tensors sharing a storage
  tiny-f16/, tiny-bf16/ model.safetensors in f16 / bf16, and expected_f32.safetensors: what
                        torch's .float() gives for them (the loader must match it bit for bit)
  tiny-bin-f16/         pytorch_model.bin with f16 and bf16 storages, and its expected_f32.safetensors
  tiny-sharded/         model.safetensors.index.json + two shards
  tiny-bin-sharded/     pytorch_model.bin.index.json + two .bin shards
  hostile/              torch-like files that must be refused: a pickle calling os.system (protocol 2
                        GLOBAL, and protocol 4 STACK_GLOBAL), a deflate-compressed zip,
                        the legacy (non-zip) torch format; and small_valid.bin, a one-tensor
                        torch.save file that the C++ tests truncate and corrupt
Truncations and corruptions of these are made inside the C++ tests, where they are precise.
"""
import json
import os
import pickle
import shutil
import sys
import zipfile

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "loader")

CONFIG = {
    "architectures": ["BertModel"], "model_type": "bert", "vocab_size": 32, "hidden_size": 8,
    "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16,
    "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
    "hidden_act": "gelu", "pad_token_id": 0, "position_embedding_type": "absolute",
}
MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
]
POOLING = {"word_embedding_dimension": 8, "pooling_mode_cls_token": False,
           "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
           "pooling_mode_mean_sqrt_len_tokens": False}
SBERT = {"max_seq_length": 12, "do_lower_case": False}


def state_dict():
    c = CONFIG
    h, i = c["hidden_size"], c["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": (c["vocab_size"], h),
        "embeddings.position_embeddings.weight": (c["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": (c["type_vocab_size"], h),
        "embeddings.LayerNorm.weight": (h,), "embeddings.LayerNorm.bias": (h,),
    }
    for l in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        for m in ("query", "key", "value"):
            shapes[p + f"attention.self.{m}.weight"] = (h, h)
            shapes[p + f"attention.self.{m}.bias"] = (h,)
        shapes[p + "attention.output.dense.weight"] = (h, h)
        shapes[p + "attention.output.dense.bias"] = (h,)
        shapes[p + "attention.output.LayerNorm.weight"] = (h,)
        shapes[p + "attention.output.LayerNorm.bias"] = (h,)
        shapes[p + "intermediate.dense.weight"] = (i, h)
        shapes[p + "intermediate.dense.bias"] = (i,)
        shapes[p + "output.dense.weight"] = (h, i)
        shapes[p + "output.dense.bias"] = (h,)
        shapes[p + "output.LayerNorm.weight"] = (h,)
        shapes[p + "output.LayerNorm.bias"] = (h,)
    shapes["pooler.dense.weight"] = (h, h)
    shapes["pooler.dense.bias"] = (h,)
    g = torch.Generator().manual_seed(1234)
    sd = {k: torch.randn(*s, generator=g) for k, s in shapes.items()}
    # Values that stress the f16/bf16 conversions: subnormals, infinities, large and tiny numbers.
    sd["embeddings.LayerNorm.bias"] = torch.tensor(
        [6.0e-8, -6.0e-5, 65504.0, -1.0e-40, 3.0e38, float("inf"), -0.0, 1.0 / 3.0])
    return sd


def write_configs(d):
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    for name, obj in (("config.json", CONFIG), ("modules.json", MODULES),
                      ("sentence_bert_config.json", SBERT),
                      (os.path.join("1_Pooling", "config.json"), POOLING)):
        with open(os.path.join(d, name), "w") as f:
            json.dump(obj, f, indent=2)


def fresh(name):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def torch_zip(path, pickled, storages=None, compress=zipfile.ZIP_STORED):
    """A zip laid out like torch.save's, around our own pickle bytes."""
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        z.writestr("archive/data.pkl", pickled)
        z.writestr("archive/byteorder", "little")
        for key, data in (storages or {}).items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")


class CallsOsSystem:
    def __reduce__(self):
        return (os.system, ("echo sembed-fixture-should-never-run",))


def main():
    sd = state_dict()
    d = fresh("tiny")
    write_configs(d)
    save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(d, "model.safetensors"),
              metadata={"format": "pt"})

    # .bin: the layout a BertForMaskedLM checkpoint has, with views and shared storage.
    d = fresh("tiny-bin")
    write_configs(d)
    bin_sd = {}
    for k, v in sd.items():
        bin_sd["bert." + k] = v.clone()
    w = "bert.encoder.layer.0.intermediate.dense.weight"
    bin_sd[w] = sd[w[5:]].t().contiguous().t()  # same values, column-major strides
    big = torch.cat([sd["pooler.dense.weight"].flatten(), sd["pooler.dense.bias"]])
    bin_sd["bert.pooler.dense.weight"] = big[:64].view(8, 8)  # both views of one storage
    bin_sd["bert.pooler.dense.bias"] = big[64:]
    bin_sd["cls.predictions.bias"] = torch.zeros(CONFIG["vocab_size"])
    torch.save(bin_sd, os.path.join(d, "pytorch_model.bin"))

    for dtype, name in ((torch.float16, "tiny-f16"), (torch.bfloat16, "tiny-bf16")):
        d = fresh(name)
        write_configs(d)
        low = {k: v.to(dtype).contiguous() for k, v in sd.items()}
        save_file(low, os.path.join(d, "model.safetensors"))
        save_file({k: v.float() for k, v in low.items()}, os.path.join(d, "expected_f32.safetensors"))

    d = fresh("tiny-bin-f16")
    write_configs(d)
    mixed = {k: (v.to(torch.float16) if "layer.0" in k else
                 v.to(torch.bfloat16) if "layer.1" in k else v) for k, v in sd.items()}
    torch.save(mixed, os.path.join(d, "pytorch_model.bin"))
    save_file({k: v.float().contiguous() for k, v in mixed.items()},
              os.path.join(d, "expected_f32.safetensors"))

    names = list(sd)
    half = len(names) // 2
    d = fresh("tiny-sharded")
    write_configs(d)
    d2 = fresh("tiny-bin-sharded")
    write_configs(d2)
    wm, wm_bin = {}, {}
    for part, chunk in enumerate((names[:half], names[half:]), start=1):
        st = f"model-0000{part}-of-00002.safetensors"
        bn = f"pytorch_model-0000{part}-of-00002.bin"
        save_file({k: sd[k] for k in chunk}, os.path.join(d, st))
        torch.save({k: sd[k] for k in chunk}, os.path.join(d2, bn))
        wm.update({k: st for k in chunk})
        wm_bin.update({k: bn for k in chunk})
    for dd, idx, m in ((d, "model.safetensors.index.json", wm),
                       (d2, "pytorch_model.bin.index.json", wm_bin)):
        with open(os.path.join(dd, idx), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": m}, f, indent=2)

    d = fresh("hostile")
    torch_zip(os.path.join(d, "os_system.bin"), pickle.dumps(CallsOsSystem(), protocol=2))
    # Protocol 4 names globals with STACK_GLOBAL from strings on the stack.
    evil4 = pickle.dumps({"w": CallsOsSystem()}, protocol=4)
    torch_zip(os.path.join(d, "stack_global.bin"), evil4)
    # A real state_dict, but deflate-compressed: torch never writes this, we refuse it.
    small = {"embeddings.LayerNorm.weight": sd["embeddings.LayerNorm.weight"]}
    tmp = os.path.join(d, "tmp.bin")
    torch.save(small, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(os.path.join(d, "compressed.bin"), "w",
                                                      compression=zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
    os.replace(tmp, os.path.join(d, "small_valid.bin"))
    torch.save(small, os.path.join(d, "legacy.bin"), _use_new_zipfile_serialization=False)
    print("wrote fixtures under", os.path.normpath(ROOT), "with torch", torch.__version__,
          file=sys.stderr)


if __name__ == "__main__":
    main()
