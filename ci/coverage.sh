#!/bin/sh
# ci/coverage.sh - gcov build, every test and the fuzz corpora, lcov and
# genhtml with branch coverage: coverage/html/index.html and
# coverage/summary.txt (line, function and branch figures per directory).
# Fails when a directory is below coverage/thresholds: make coverage.
set -eu
cd "$(dirname "$0")/.."
exec make coverage "$@"
