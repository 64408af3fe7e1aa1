#!/usr/bin/env bash
# Sets up the benchmark's peers: a virtual environment in bench/.venv with the pinned versions
# of bench/requirements.txt from PyPI (sentence-transformers, torch, transformers, ONNX Runtime,
# onnx), and the default model all-MiniLM-L6-v2 (scripts/fetch_default_model.sh). Idempotent.
#   bench/setup.sh
# Then: python3 bench/run.py   (see bench/README.md). Building sembed itself needs the packages
# scripts/setup.sh installs; run.py builds what it needs into build/ (or $SEMBED_BUILD_DIR).
# Environment: BENCH_VENV (default bench/.venv), PYTHON (default python3, needs >= 3.11).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
venv=${BENCH_VENV:-$here/.venv}
python=${PYTHON:-python3}

if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "bench/setup: installing python3-venv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' || {
    echo "bench/setup: need Python >= 3.11 with venv (set PYTHON=...)" >&2; exit 1; }
fi

stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bench/setup: installing the peers into $venv (torch's wheels are large: a few GB)" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
"$venv/bin/python" -c 'import sentence_transformers, torch, onnxruntime, onnx, transformers
print("bench/setup: sentence-transformers", sentence_transformers.__version__, "| torch",
      torch.__version__, "| onnxruntime", onnxruntime.__version__, "| transformers",
      transformers.__version__)'

"$root/scripts/fetch_default_model.sh"
echo "bench/setup: ready; run: python3 bench/run.py (or --quick)" >&2
