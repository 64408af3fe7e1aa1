"""Peer: sentence-transformers with its default PyTorch backend, fp32 (or bf16 autocast), on CPU.

  python bench/peers/st_torch.py MODEL_DIR THREADS [BATCH] [bf16]

Exactly what a user of sentence-transformers runs: SentenceTransformer(dir).encode(texts);
with `bf16`, inside torch.autocast("cpu", dtype=torch.bfloat16), torch's own mixed precision.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

import protocol  # noqa: E402


def main() -> None:
    model_dir, threads = sys.argv[1], int(sys.argv[2])
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    bf16 = len(sys.argv) > 4 and sys.argv[4] == "bf16"
    torch.set_num_threads(threads)
    model = SentenceTransformer(model_dir, device="cpu")
    model.eval()

    def encode(texts):
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model.encode(list(texts), batch_size=batch, convert_to_tensor=True,
                               show_progress_bar=False)
            return out.float().numpy()

    protocol.serve(encode, {
        "engine": f"sentence-transformers {__import__('sentence_transformers').__version__} "
                  f"+ torch {torch.__version__}" + (" bf16 autocast" if bf16 else ""),
        "threads": torch.get_num_threads(),
        "max_seq_length": model.max_seq_length,
    })


if __name__ == "__main__":
    main()
