#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer over the whole unit suite, and a 60 s libFuzzer
# smoke run of every fuzz/*_fuzz.cpp target. Part of scripts/test.sh, after the plain suite
# (SEMBED_SANITIZERS=0 leaves it out). ThreadSanitizer is scripts/check_thread_safety.sh. Each
# sanitizer has its own build folder.
#   scripts/check_sanitizers.sh [asan] [fuzz]     (default: both)
# Environment: SEMBED_FUZZ_SECONDS (default 60 per target).
# Not run here: tokenizer_differential (label "slow", the same code as the unit tests' golden
# cases, run in the plain build), PrecisionQuality.Mpnet* (3 minutes under ASan for the same
# bf16/int8 code that PrecisionQuality.MiniLm* runs) and server.load_run (a timing-bound soak;
# RSS under ASan's quarantine says nothing about sembed's own memory; server.hostile_clients
# reports its RSS plateau there without enforcing it). Skipped tests fail it as in
# scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# BertBaseRandom.* reads the reference that scripts/setup.sh writes into the plain build folder.
export SEMBED_BERT_BASE_RANDOM_DIR=${SEMBED_BERT_BASE_RANDOM_DIR:-$root/build/bert-base-random}
what=("$@")
[ ${#what[@]} -gt 0 ] || what=(asan fuzz)
jobs=$(nproc)
# -O1 with line tables (CMakeLists.txt adds -g1): the instrumented builds compile about 2.5x
# faster than -O2 -g, which is what lets them fit the CI budget (docs/testing.md), and -O1 keeps
# the SIMD kernels inlined, so the suite still runs at a usable speed. No ccache here: every
# object differs from the plain build's anyway.
build_type=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG")

for w in "${what[@]}"; do
  case $w in
    asan)
      start=$(date +%s)
      scripts/fetch_mpnet_model.sh  # MpnetParity.* reads it (nothing to do when cached)
      cmake -S . -B build-asan "${build_type[@]}" \
        -DSEMBED_SANITIZE=address,undefined -DSEMBED_BUILD_BENCH=OFF >/dev/null
      cmake --build build-asan -j"$jobs"
      # halt_on_error: a UBSan report fails the test that caused it. detect_leaks: LeakSanitizer
      # too. The Python-driven tests run the ASan sembed binary, so their reports count as well.
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE slow \
        -E '^(server\.load_run|PrecisionQuality\.Mpnet.*)$' \
        2>&1 | tee build-asan/ctest-output.txt
      scripts/check_no_unexpected_skips.sh build-asan/ctest-output.txt
      echo "check_sanitizers: ASan+UBSan suite clean ($(( $(date +%s) - start )) s)" >&2
      ;;
    fuzz)
      start=$(date +%s)
      CC=clang CXX=clang++ cmake -S . -B build-fuzz "${build_type[@]}" \
        -DSEMBED_BUILD_FUZZ=ON -DSEMBED_SANITIZE=address,undefined -DSEMBED_BUILD_TESTS=OFF \
        -DSEMBED_BUILD_BENCH=OFF >/dev/null
      targets=()
      for src in fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" .cpp)"); done
      cmake --build build-fuzz -j"$jobs" $(printf -- '--target %s ' "${targets[@]}")
      # One target per core at a time: each run is single-threaded, so the smoke costs
      # targets / cores minutes, not one minute per target.
      run_target() {
        local t=$1
        [ -x "build-fuzz/$t" ] || { echo "check_sanitizers: build-fuzz/$t was not built" >&2; return 1; }
        mkdir -p "build-fuzz/corpus-$t"
        if ! (cd build-fuzz && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
              "./$t" "corpus-$t" -max_total_time="${SEMBED_FUZZ_SECONDS:-60}" -max_len=4096 \
              -print_final_stats=1 >"$t.log" 2>&1); then
          tail -n 40 "build-fuzz/$t.log" >&2
          echo "check_sanitizers: $t found a problem (reproducer in build-fuzz/)" >&2
          return 1
        fi
        grep -E '^stat::number_of_executed_units' "build-fuzz/$t.log" | sed "s/^/$t: /" >&2
      }
      pids=()
      failed=0
      for t in "${targets[@]}"; do
        run_target "$t" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$jobs" ]; then
          wait "${pids[0]}" || failed=1
          pids=("${pids[@]:1}")
        fi
      done
      for p in "${pids[@]}"; do wait "$p" || failed=1; done
      [ "$failed" = 0 ] || exit 1
      echo "check_sanitizers: fuzz smoke clean ($(( $(date +%s) - start )) s)" >&2
      ;;
    *) echo "usage: $0 [asan] [fuzz]" >&2; exit 2 ;;
  esac
done
