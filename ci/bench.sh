#!/bin/sh
# ci/bench.sh - the benchmarks (make bench): the library against raw
# system calls, the tracer against bare runs, strace and valgrind, and the
# CLI's start-up and analysis; ratios measured side by side in one run,
# medians of several rounds. Installs strace and valgrind if missing.
set -eu
cd "$(dirname "$0")/.."
exec make bench "$@"
