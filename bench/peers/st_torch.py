"""Peer: sentence-transformers with its default PyTorch backend, fp32, on CPU.

  python bench/peers/st_torch.py MODEL_DIR THREADS [BATCH]

Exactly what a user of sentence-transformers runs: SentenceTransformer(dir).encode(texts).
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
    torch.set_num_threads(threads)
    model = SentenceTransformer(model_dir, device="cpu")
    model.eval()

    def encode(texts):
        with torch.inference_mode():
            return model.encode(list(texts), batch_size=batch, convert_to_numpy=True,
                                show_progress_bar=False)

    protocol.serve(encode, {
        "engine": f"sentence-transformers {__import__('sentence_transformers').__version__} "
                  f"+ torch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "max_seq_length": model.max_seq_length,
    })


if __name__ == "__main__":
    main()
