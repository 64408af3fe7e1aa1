#!/usr/bin/env bash
# ThreadSanitizer (build-tsan/) over everything that runs on several threads at once: one loaded
# Model called from many threads through every entry point (encode, encode_ids, encode_tokens,
# tokenize), the batcher, and the HTTP server's routes with its worker threads, batcher thread and
# metrics under concurrent clients (64 clients on the real model). Part of scripts/test.sh.
#
# One encoder thread per call (OMP_NUM_THREADS=1): GCC's libgomp, and Debian's libdnnl built on
# it, are not instrumented, so TSan cannot see OpenMP's barriers inside one call and reports
# every parallel region as a race (clang's libomp with the Archer tool would be instrumented, but
# oneDNN here is linked to libgomp). What is checked is concurrency between callers and between
# the server's threads, which is what the API promises; the OpenMP loops inside one call are
# covered by the plain and ASan suites (batch and thread-count invariance tests). No suppressions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEMBED_SANITIZE=thread \
  -DSEMBED_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$(nproc)" --target engine_parity_tests server_batcher_test \
  server_routes_test server_model_test
export OMP_NUM_THREADS=1 SEMBED_TEST_THREADS=1 TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
build-tsan/tests/engine/engine_parity_tests \
  --gtest_filter='ConcurrentEntryPoints.*:MiniLmParity.ConcurrentCallersGetIdenticalResults:MiniLmParity.EmbeddingAloneEqualsEmbeddingInAnyBatch'
build-tsan/tests/server/server_batcher_test
build-tsan/tests/server/server_routes_test
SEMBED_TEST_REQUESTS=5 build-tsan/tests/server/server_model_test \
  --gtest_filter='ModelServer.ConcurrentClientsGetTheirOwnVectors'
echo "check_thread_safety: no ThreadSanitizer report" >&2
