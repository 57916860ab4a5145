#!/usr/bin/env bash
# Builds and runs every test: the unit tests under AddressSanitizer and UndefinedBehaviorSanitizer,
# a bounded libFuzzer run, then the whole suite (unit, integration, benchmark smoke runs) on the
# release build — last, so ctest's closing summary counts the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-2}"

echo "== sanitizers: ASan+UBSan build, unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
# Unit tests and fuzz targets are independent processes: one per core.
ctest --preset asan -L unit -j "$jobs"
echo "== sanitizers done after ${SECONDS} s"

echo "== fuzzing: libFuzzer over framing and decoding, bounded time"
cmake --preset fuzz
cmake --build --preset fuzz -j "$jobs"
ctest --test-dir build/fuzz -L fuzz --output-on-failure -j "$jobs"
echo "== fuzzing done after ${SECONDS} s"

echo "== release build, all tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
echo "== release build done after ${SECONDS} s"
# Serially: the integration tests time a daemon's reactions, and the benchmark smoke runs load
# the machine.
ctest --preset release
