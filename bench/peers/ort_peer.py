"""Peer: ONNX Runtime (CPU execution provider) running an exported model, fp32 or dynamic int8.

  python bench/peers/ort_peer.py MODEL_DIR ONNX_FILE THREADS [BATCH]

sentence-transformers' backend="onnx" needs optimum-onnx, which does not install beside
transformers 5 (see README), so this peer does what that backend does, in the same order:
the model's own Hugging Face tokenizer (its tokenizer.json through `tokenizers`, with the
model's max_seq_length truncation and pad-to-longest; transformers' AutoTokenizer only where
there is no tokenizer.json: it imports torch, which a lean ONNX Runtime deployment would not
carry), inputs sorted by length (longest first, as
SentenceTransformer.encode), batches padded to their longest text, one InferenceSession.run per
batch, then the model's pooling (mean over the attention mask) and its Normalize module.
The session has default options (all graph optimisations, which fuse attention, LayerNorm and
GELU) except intra_op_num_threads = THREADS and inter_op_num_threads = 1.
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

import protocol  # noqa: E402


def model_pipeline(model_dir: str) -> tuple[int, bool]:
    """(max_seq_length, normalize) from the sentence-transformers files; checks mean pooling."""
    with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
        max_len = int(json.load(f)["max_seq_length"])
    with open(os.path.join(model_dir, "modules.json")) as f:
        modules = json.load(f)
    normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
    with open(os.path.join(model_dir, "1_Pooling", "config.json")) as f:
        pooling = json.load(f)
    if not pooling.get("pooling_mode_mean_tokens"):
        raise SystemExit(f"ort_peer: only mean pooling is implemented, {model_dir} uses {pooling}")
    return max_len, normalize


def make_tokenizer(model_dir: str, max_len: int):
    """texts -> {input_ids, attention_mask, token_type_ids} int64 arrays, padded to the longest."""
    path = os.path.join(model_dir, "tokenizer.json")
    if not os.path.exists(path):
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(model_dir)
        return lambda texts: dict(tok(texts, padding=True, truncation=True, max_length=max_len,
                                      return_tensors="np"))
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(path)
    tok.enable_truncation(max_length=max_len)  # the file's own truncation block is not ST's
    pad_id = tok.token_to_id("[PAD]") or 0
    tok.enable_padding(pad_id=pad_id, pad_token="[PAD]")

    def tokenize(texts):
        encs = tok.encode_batch(texts)
        return {"input_ids": np.array([e.ids for e in encs], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64)}

    return tokenize


def main() -> None:
    model_dir, onnx_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    max_len, normalize = model_pipeline(model_dir)
    tokenize = make_tokenizer(model_dir, max_len)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_file, so, providers=["CPUExecutionProvider"])
    input_names = {i.name for i in sess.get_inputs()}

    def encode(texts):
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = None
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            enc = tokenize([texts[i] for i in idx])
            feed = {k: v.astype(np.int64) for k, v in enc.items() if k in input_names}
            if "token_type_ids" in input_names and "token_type_ids" not in feed:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            hidden = sess.run(None, feed)[0]  # [b, seq, H]
            mask = enc["attention_mask"].astype(np.float32)[:, :, None]
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            if normalize:
                pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = pooled
        return out

    protocol.serve(encode, {
        "engine": f"onnxruntime {ort.__version__} ({os.path.basename(onnx_file)})",
        "threads": threads,
        "max_seq_length": max_len,
    })


if __name__ == "__main__":
    main()
