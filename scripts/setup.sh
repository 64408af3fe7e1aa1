#!/usr/bin/env bash
# Installs everything sembed needs to build and test on a fresh Debian 12 machine, builds it,
# and fetches the default model. Idempotent: a second run only rebuilds what changed.
#   scripts/setup.sh            # deps + build everything (build/) + default model
#   scripts/setup.sh sembed     # the same, building only the named CMake targets
# Environment: SEMBED_BUILD_DIR (default build), SEMBED_SKIP_APT=1 to skip apt-get.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

apt_packages=(build-essential cmake pkg-config libdnnl-dev libutf8proc-dev libonig-dev nlohmann-json3-dev
              libcpp-httplib-dev libboost-dev zlib1g-dev libcli11-dev libgtest-dev libbenchmark-dev
              python3-venv unzip chromium
              python3-dev ccache clang libclang-rt-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ "${SEMBED_SKIP_APT:-0}" != 1 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python for the differential tests (HF tokenizers live, numpy to read golden files) and for the
# checks that need the reference itself (torch.save of the .bin twin, transformers' BERT-base
# random reference): torch from PyPI is the CUDA build, ~5.6 GB installed, 22 min measured on the
# 2-core dev machine with no pip cache (docs/testing.md).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import tokenizers, numpy, openai, torch, transformers, huggingface_hub, langchain_openai, schemathesis" 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi

build_dir=${SEMBED_BUILD_DIR:-build}
# ccache: a rebuild after a small change is fast, and scripts/test_python.sh's `pip install .`
# (a second build tree) gets the library objects from this build instead of compiling them again.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"

scripts/fetch_default_model.sh

# BERT-base with random weights and transformers' outputs for it (~440 MB, made once per build
# directory; BertBaseRandom.* in model_tests compares the encoder with it).
if [ ! -f "$build_dir/bert-base-random/reference.json" ]; then
  .venv/bin/python scripts/make_bert_base_random_reference.py --out "$build_dir/bert-base-random"
fi
