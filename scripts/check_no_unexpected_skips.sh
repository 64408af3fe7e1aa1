#!/usr/bin/env bash
# A skipped test is a check that did not run: fails unless the test is on tests/skip_allowlist.txt.
#   scripts/check_no_unexpected_skips.sh CTEST_OUTPUT_LOG
# Used by scripts/test.sh (plain build) and scripts/check_sanitizers.sh (ASan build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=$1
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log")
unexpected=""
for t in $skipped; do
  grep -qE "^$t([[:space:]]|\$)" "$root/tests/skip_allowlist.txt" || unexpected+=" $t"
done
if [ -n "$unexpected" ]; then
  echo "$(basename "$0"): skipped tests not on tests/skip_allowlist.txt ($log):$unexpected" >&2
  exit 1
fi
