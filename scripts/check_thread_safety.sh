#!/usr/bin/env bash
# Builds the engine's parity tests with ThreadSanitizer (build-tsan/) and runs the tests that call
# one loaded Model from several threads at once. One encoder thread per call (libgomp is not
# instrumented, so OpenMP barriers inside a call would be reported as races); what is checked is
# concurrency between callers, which is what the API promises. Part of scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEMBED_SANITIZE=thread \
  -DSEMBED_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$(nproc)" --target engine_parity_tests
OMP_NUM_THREADS=1 SEMBED_TEST_THREADS=1 TSAN_OPTIONS="halt_on_error=1" \
  build-tsan/tests/engine/engine_parity_tests \
  --gtest_filter='MiniLmParity.ConcurrentCallersGetIdenticalResults:MiniLmParity.EmbeddingAloneEqualsEmbeddingInAnyBatch:MiniLmParity.SeedRowMatchesSentenceTransformers'
echo "check_thread_safety: no ThreadSanitizer report" >&2
