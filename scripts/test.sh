#!/usr/bin/env bash
# The test command: sets up everything (scripts/setup.sh) and runs the whole test suite: the C++
# tests (ctest), the ThreadSanitizer check and the Python package (pip install . + pytest).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
build_dir=${SEMBED_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
scripts/check_thread_safety.sh
scripts/test_python.sh
