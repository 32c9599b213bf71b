#!/bin/sh
# test_tsan_unmap.sh BUILD_DIR - munmap of attachments under
# ThreadSanitizer: 4 threads attach and unmap 2,000 attachments each (and
# map and unmap memory of their own) through a TSan-built tracer preloaded
# into a TSan-built program. TSan exits 66 on any race it sees; the
# tracer reports nothing (every attachment was detached by munmap).
set -eu
b=${1:-build}/tsan
so=$(cd "$b" && pwd)/libshmcheck-trace.so
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

out=$(SHMCHECK_LOG_DIR="$dir" LD_PRELOAD="$so" \
    "$b/tests/trace/helpers/traced_prog" unmap threads 2>"$dir/err") || {
    echo "test_tsan_unmap.sh: traced_prog unmap threads failed under TSan:" >&2
    cat "$dir/err" >&2
    exit 1
}
[ "$out" = "threads ok" ] && [ ! -s "$dir/err" ] || {
    echo "test_tsan_unmap.sh: unexpected output: $out" >&2
    cat "$dir/err" >&2
    exit 1
}
echo "test_tsan_unmap.sh: 4 threads x 2,000 attachments unmapped under TSan: no race"
