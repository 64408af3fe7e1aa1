#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer over the whole unit suite, and a 60 s libFuzzer
# smoke run of every fuzz/*_fuzz.cpp target. Part of scripts/test.sh (after the plain suite);
# ThreadSanitizer is scripts/check_thread_safety.sh. Each sanitizer has its own build folder.
#   scripts/check_sanitizers.sh [asan] [fuzz]     (default: both)
# Environment: SEMBED_FUZZ_SECONDS (default 60 per target).
# Not run here: tokenizer_differential (label "slow", the same code as the unit tests' golden
# cases, run in the plain build) and server.load_run (a timing-bound soak; RSS under ASan's
# quarantine says nothing about sembed's own memory; server.hostile_clients reports its RSS
# plateau there without enforcing it). Skipped tests fail it as in scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# BertBaseRandom.* reads the reference that scripts/setup.sh writes into the plain build folder.
export SEMBED_BERT_BASE_RANDOM_DIR=${SEMBED_BERT_BASE_RANDOM_DIR:-$root/build/bert-base-random}
what=("$@")
[ ${#what[@]} -gt 0 ] || what=(asan fuzz)
jobs=$(nproc)

for w in "${what[@]}"; do
  case $w in
    asan)
      start=$(date +%s)
      scripts/fetch_mpnet_model.sh  # MpnetParity.* reads it (nothing to do when cached)
      cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSEMBED_SANITIZE=address,undefined -DSEMBED_BUILD_BENCH=OFF >/dev/null
      cmake --build build-asan -j"$jobs"
      # halt_on_error: a UBSan report fails the test that caused it. detect_leaks: LeakSanitizer
      # too. The Python-driven tests run the ASan sembed binary, so their reports count as well.
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE slow -E '^server\.load_run$' \
        2>&1 | tee build-asan/ctest-output.txt
      scripts/check_no_unexpected_skips.sh build-asan/ctest-output.txt
      echo "check_sanitizers: ASan+UBSan suite clean ($(( $(date +%s) - start )) s)" >&2
      ;;
    fuzz)
      start=$(date +%s)
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSEMBED_BUILD_FUZZ=ON -DSEMBED_SANITIZE=address,undefined -DSEMBED_BUILD_TESTS=OFF \
        -DSEMBED_BUILD_BENCH=OFF >/dev/null
      targets=()
      for src in fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" .cpp)"); done
      cmake --build build-fuzz -j"$jobs" $(printf -- '--target %s ' "${targets[@]}")
      for t in "${targets[@]}"; do
        [ -x "build-fuzz/$t" ] || { echo "check_sanitizers: build-fuzz/$t was not built" >&2; exit 1; }
        mkdir -p "build-fuzz/corpus-$t"
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
          "build-fuzz/$t" "build-fuzz/corpus-$t" -max_total_time="${SEMBED_FUZZ_SECONDS:-60}" \
          -max_len=4096 -print_final_stats=1 2>&1 | tail -n 12 >"build-fuzz/$t.log" || {
          cat "build-fuzz/$t.log" >&2
          echo "check_sanitizers: $t found a problem (reproducer in the current folder)" >&2
          exit 1
        }
        grep -E '^stat::number_of_executed_units' "build-fuzz/$t.log" | sed "s/^/$t: /" >&2
      done
      echo "check_sanitizers: fuzz smoke clean ($(( $(date +%s) - start )) s)" >&2
      ;;
    *) echo "usage: $0 [asan] [fuzz]" >&2; exit 2 ;;
  esac
done
