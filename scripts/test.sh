#!/usr/bin/env bash
# Builds and runs cistern's whole test suite: the dev preset (warnings as errors; unit,
# sqlite, postgres, packaging, compile-fail, header checks, examples) and then the
# concurrency stress tests under ThreadSanitizer. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cmake --workflow --preset dev 2>&1 | tee -a "$log" || status=1
cmake --workflow --preset tsan 2>&1 | tee -a "$log" || status=1
total=0; failed=0
while read -r f t; do
  failed=$((failed + f)); total=$((total + t))
done < <(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1 \2/p' "$log")
[ "$total" -gt 0 ] || status=1
echo
echo "tests: $((total - failed)) passed, ${failed} failed"
exit $status
