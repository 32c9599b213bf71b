#!/bin/sh
# test_layers.sh BUILD_DIR - the architecture of src/ holds: ci/layers.py
# finds no cycle in the include and call graphs and no dependency against
# the layers (docs/ARCHITECTURE.md). And the checker is not blind: on a
# small tree made with one call cycle inside the tracer and one include
# from the shared code up into the CLI, it fails and names both.
set -eu
build=${1:?usage: test_layers.sh BUILD_DIR}
cd "$(dirname "$0")/../.."

if ! python3 ci/layers.py "$build" >/dev/null; then
    python3 ci/layers.py "$build"
    echo "test_layers.sh: src/ breaks its layers" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/lib" "$tmp/src/journal" "$tmp/src/trace" "$tmp/src/cli" \
    "$tmp/b/src/trace" "$tmp/b/src/journal" "$tmp/b/src/cli"
printf 'int up(void);\n' >"$tmp/src/cli/up.h"
printf '#include "up.h"\nint up(void) { return 1; }\n' >"$tmp/src/cli/up.c"
printf '#include "cli/up.h"\nint low(void) { return 0; }\n' \
    >"$tmp/src/journal/low.c"
printf 'int pong(int);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n' \
    >"$tmp/src/trace/ping.c"
printf 'int ping(int);\nint pong(int n) { return n ? ping(n - 1) : 1; }\n' \
    >"$tmp/src/trace/pong.c"
for f in cli/up journal/low trace/ping trace/pong; do
    cc -c -I"$tmp/src" "$tmp/src/$f.c" -o "$tmp/b/src/$f.o"
done
if python3 ci/layers.py "$tmp/b" --root="$tmp" >"$tmp/out" 2>&1; then
    cat "$tmp/out"
    echo "test_layers.sh: a tree with a cycle and an upward include passed" >&2
    exit 1
fi
grep -q 'cycle: src/trace/ping <-> src/trace/pong' "$tmp/out"
grep -q 'src/journal/low -> src/cli/up (include): journal may not depend on cli' \
    "$tmp/out"
grep -q '2 violation(s)' "$tmp/out"
echo "test_layers.sh: src/ keeps its layers; a faulty tree is caught"
