#!/usr/bin/env bash
# Builds and runs the quickstart demo: a pool over an embedded SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DCISTERN_BUILD_TESTS=OFF \
      -DCISTERN_BUILD_BENCHMARKS=OFF -DCISTERN_INSTALL=OFF
cmake --build build/demo --target quickstart -j2
./build/demo/examples/quickstart build/demo/quickstart.db
