#!/usr/bin/env bash
# Builds and runs cistern's whole test suite: the dev preset (warnings as errors; unit,
# sqlite, postgres, packaging, compile-fail, header checks, examples) and then the
# concurrency stress tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
status=0
cmake --workflow --preset dev || status=1
cmake --workflow --preset tsan || status=1
exit $status
