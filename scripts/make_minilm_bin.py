#!/usr/bin/env python3
"""Re-saves a model directory's model.safetensors as pytorch_model.bin with torch.save (the zip
format transformers writes with safe_serialization=False), for the loader's test that both files
give identical weights. Needs torch and safetensors.

    python scripts/make_minilm_bin.py MODEL_DIR OUT_DIR
"""
import os
import sys

import torch
from safetensors.torch import load_file


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    state = load_file(os.path.join(src, "model.safetensors"))
    torch.save(state, os.path.join(out, "pytorch_model.bin"))
    print(f"wrote {len(state)} tensors to {out}/pytorch_model.bin with torch {torch.__version__}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
