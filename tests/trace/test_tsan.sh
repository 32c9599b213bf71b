#!/bin/sh
# test_tsan.sh BUILD_DIR - the tracer under ThreadSanitizer: 8 threads
# attach and detach 10,000 times each through a TSan-built tracer preloaded
# into a TSan-built program. TSan exits 66 on any race it sees.
set -eu
b=${1:-build}/tsan
so=$(cd "$b" && pwd)/libshmcheck-trace.so
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

err=$(SHMCHECK_LOG_DIR="$dir" LD_PRELOAD="$so" "$b/tests/trace/helpers/traced_prog" threads 2>&1) || {
    echo "test_tsan.sh: traced_prog threads failed under TSan:" >&2
    echo "$err" >&2
    exit 1
}
[ -z "$err" ] || { echo "test_tsan.sh: unexpected output: $err" >&2; exit 1; }
n=$(ls "$dir"/*.shmj | wc -l)
size=$(stat -c %s "$dir"/*.shmj)
# 160,000 records of at least 80 bytes: the journal saw every call.
[ "$n" -eq 1 ] && [ "$size" -gt 12800000 ] ||
    { echo "test_tsan.sh: journal missing or short ($n, $size bytes)" >&2; exit 1; }
echo "test_tsan.sh: 8 threads x 10,000 attach/detach under TSan: no race"
