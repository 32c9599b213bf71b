#!/bin/sh
# bench/against.sh TREE [OUT] - the cost benchmarks of bench/README.md
# (bench_exec, bench_scale, bench_replay, bench_symbolize) built from this
# bench/ against another tree's build, TREE/build (its shmcheck, its
# tracer, its journal writer and headers for bench_replay's journals),
# into OUT (default: a new directory under /tmp), then run as make bench
# runs them. For the figures of a build this bench/ is not part of: an
# older commit's worktree, say, built with `make -C TREE all`.
#
# Environment: BENCH_PAIRS, BENCH_EVENTS (as for make bench, 10000000
# each); EXEC_ROUNDS, SCALE_ROUNDS, REPLAY_ROUNDS, SYMBOLIZE_ROUNDS (the
# benches' own defaults: 9, 3, 5, 11).
set -eu

[ $# -ge 1 ] || { echo "usage: bench/against.sh TREE [OUT]" >&2; exit 2; }
tree=$(cd "$1" && pwd)
bench=$(cd "$(dirname "$0")" && pwd)
b=$tree/build
for f in "$b/shmcheck" "$b/libshmcheck-trace.so" "$b/libshmcjournal.a" \
    "$b/libshmcheck.a"; do
    [ -e "$f" ] || { echo "against.sh: $f missing: make -C $tree all" >&2; exit 1; }
done
out=${2:-$(mktemp -d /tmp/shmc-bench-against-XXXXXX)}
mkdir -p "$out"

# CC may be a command with arguments ("ccache gcc"): split on purpose.
build() {
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror -O2 -g -fno-omit-frame-pointer \
        -I"$tree/include" -I"$tree/src" -I"$bench" "$@"
}
for p in exec scale symbolize; do
    build "$bench/bench_$p.c" "$bench/harness.c" -o "$out/bench_$p"
done
build "$bench/bench_replay.c" "$bench/bench_jgen.c" "$bench/harness.c" \
    "$b/libshmcjournal.a" "$b/libshmcheck.a" -lpthread -o "$out/bench_replay"
build -pthread "$bench/bench_prog.c" -o "$out/bench_prog"
build -shared -fPIC "$bench/empty.c" -o "$out/libempty.so"

ipcns=$tree/ci/run-ipcns.sh
[ -x "$ipcns" ] || ipcns=$bench/../ci/run-ipcns.sh
echo "against.sh: $b (commit $(git -C "$tree" rev-parse --short HEAD 2>/dev/null || echo unknown))"
"$ipcns" "$out/bench_exec" "$b/shmcheck" "$b/libshmcheck-trace.so" \
    "$out/libempty.so" "${EXEC_ROUNDS:-9}"
"$ipcns" "$out/bench_scale" "$b/shmcheck" "$out/bench_prog" \
    "${BENCH_PAIRS:-10000000}" "${SCALE_ROUNDS:-3}"
"$ipcns" "$out/bench_replay" "$b/shmcheck" "${BENCH_EVENTS:-10000000}" \
    "${REPLAY_ROUNDS:-5}"
"$ipcns" "$out/bench_symbolize" "$b/shmcheck" "$out/bench_prog" \
    "${SYMBOLIZE_ROUNDS:-11}"
