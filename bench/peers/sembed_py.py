"""Peer: the sembed Python package (`pip install .`), i.e. what a sentence-transformers user gets
by changing the import: sembed.SentenceTransformer(dir, threads=N).encode(texts).

  SEMBED_PYTHON/bin/python bench/peers/sembed_py.py MODEL_DIR THREADS [BATCH]

Run by bench/run.py with the interpreter that has the package installed (--sembed-python,
default build-pip/venv/bin/python, which scripts/test_python.sh creates).
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

t0 = time.perf_counter()
import sembed  # noqa: E402

import protocol  # noqa: E402


def main() -> None:
    model_dir, threads = sys.argv[1], int(sys.argv[2])
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    t_import = time.perf_counter()
    model = sembed.SentenceTransformer(model_dir, threads=threads)
    t_load = time.perf_counter()

    def encode(texts):
        return model.encode(list(texts), batch_size=batch, show_progress_bar=False)

    protocol.serve(encode, {
        "engine": f"sembed {sembed.__version__} (Python package)",
        "threads": threads,
        "max_seq_length": model.max_seq_length,
        "import_ms": (t_import - t0) * 1e3,
        "load_ms": (t_load - t_import) * 1e3,
    })


if __name__ == "__main__":
    main()
