#!/bin/sh
# test_link_deps.sh BUILD_DIR - what each built object loads (its
# DT_NEEDED): the library and the preloaded tracer libc only, since the
# tracer runs inside every program of the tree; the CLI libc too: it
# loads elfutils' libdw (and libelf) only when it has frames to symbolize
# (README.md, "Dependencies").
set -eu
build=${1:?usage: test_link_deps.sh BUILD_DIR}
cd "$(dirname "$0")/../.."

needed() {
    readelf -d "$1" | sed -n 's/.*(NEEDED) *Shared library: \[\(.*\)\]/\1/p' |
        grep -v '^ld-linux' | sort | tr '\n' ' '
}

fail=0
check() { # FILE WANT
    got=$(needed "$1")
    if [ "$got" != "$2" ]; then
        echo "test_link_deps.sh: $1 needs '$got', want '$2'" >&2
        fail=1
    fi
}
check "$build/libshmcheck-trace.so" "libc.so.6 "
check "$(ls "$build"/libshmcheck.so.*.*.* | head -n 1)" "libc.so.6 "
check "$build/shmcheck" "libc.so.6 "
[ "$fail" -eq 0 ] || exit 1
echo "test_link_deps.sh: the tracer, the library and the CLI need libc only"
