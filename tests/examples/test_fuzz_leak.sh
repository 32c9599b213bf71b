#!/bin/sh
# test_fuzz_leak.sh BUILD_DIR - the fuzz harness example
# (examples/fuzz_leak.c, make example-fuzz) finds its leak as a user
# would: libFuzzer, then AFL++, each at most 60 s in a private IPC
# namespace with the tracer preloaded, must save a crash whose report
# names the leaking function and line; the saved input, replayed through
# the same libFuzzer binary and through the replay driver, prints the same
# findings; no segment is left in the namespace. Then the harness without
# the tracer: the same findings, the check's own call site, no stack.
set -eu
b=${1:-build}
fail() { echo "test_fuzz_leak.sh: $*" >&2; exit 1; }

for tool in afl-fuzz unshare; do
    command -v "$tool" >/dev/null || fail "$tool missing (ci/deps.sh test)"
done
if unshare --ipc true 2>/dev/null; then
    ns="unshare --ipc"
else
    echo "test_fuzz_leak.sh: skipped: no private IPC namespace here"
    exit 0
fi
dir=$(cd "$b" && pwd)
ex=$dir/examples/fuzz_leak
tracer=$dir/libshmcheck-trace.so
for f in "$ex/libfuzzer" "$ex/afl" "$ex/replay" "$tracer"; do
    [ -x "$f" ] || [ -f "$f" ] || fail "$f not built (make example-fuzz)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$(cd "$(dirname "$0")/../.." && pwd)/examples/fuzz_leak.c
line=$(grep -n '/\* LEAK \*/' "$src" | cut -d: -f1)
at="in publish $src:$line:"

# The findings of a report, without what changes from run to run (pids,
# addresses, shmids): its ERROR lines, the first frame of each, SUMMARY.
findings() {
    awk '/ERROR: shmcheck: leaked/ { print; getline; print }
         /SUMMARY: shmcheck: .* since the last check/ { print }' "$1" |
        sed -e 's/^==[0-9]*== //' -e 's/0x[0-9a-f]*/0x?/g' \
            -e 's/shmid [0-9]*/shmid ?/'
}
# Runs "$@" in a new namespace; its output in $tmp/out, then "left N".
in_ns() {
    $ns sh -c '"$@" >"$0/out" 2>&1; awk "NR > 1" /proc/sysvipc/shm | wc -l >"$0/left"' "$tmp" "$@" || true
    [ "$(cat "$tmp/left")" -eq 0 ] || fail "$(cat "$tmp/left") segment(s) left by: $*"
}

# 1. libFuzzer, until its first crash.
mkdir "$tmp/lf"
in_ns env LD_PRELOAD="$tracer" "$ex/libfuzzer" -max_total_time=60 \
    -artifact_prefix="$tmp/lf/" -seed=1
crash=$(find "$tmp/lf" -name 'crash-*' | head -n 1)
[ -n "$crash" ] || fail "libFuzzer saved no crash in 60 s: $(tail -5 "$tmp/out")"
grep -q "$at" "$tmp/out" || fail "libFuzzer's report does not name $at: $(cat "$tmp/out")"
findings "$tmp/out" >"$tmp/lf.findings"
grep -q 'leaked segment' "$tmp/lf.findings" || fail "no leaked segment found"
grep -q 'leaked attachment' "$tmp/lf.findings" || fail "no leaked attachment found"

# 2. Its input replayed: the same findings, through both binaries.
for bin in libfuzzer replay; do
    in_ns env LD_PRELOAD="$tracer" "$ex/$bin" "$crash"
    findings "$tmp/out" >"$tmp/$bin.findings"
    cmp -s "$tmp/lf.findings" "$tmp/$bin.findings" ||
        fail "replay through $bin differs: $(diff "$tmp/lf.findings" "$tmp/$bin.findings")"
done

# 3. AFL++ (its libFuzzer driver: a persistent loop in a forked process).
mkdir "$tmp/seeds"
printf 'hello' >"$tmp/seeds/a"
# The bytes that leak as a dictionary word, as a user would give the
# record's kinds: the search is not what this test is about.
printf 'w="SHM"\n' >"$tmp/dict"
in_ns env AFL_PRELOAD="$tracer" AFL_BENCH_UNTIL_CRASH=1 AFL_SKIP_CPUFREQ=1 \
    AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -V 60 -x "$tmp/dict" -i "$tmp/seeds" -o "$tmp/afl" -- "$ex/afl"
crash=$(find "$tmp/afl" -path '*crashes/id:*' | sort | head -n 1)
[ -n "$crash" ] || fail "AFL++ saved no crash in 60 s: $(tail -5 "$tmp/out")"
in_ns env LD_PRELOAD="$tracer" "$ex/replay" "$crash"
grep -q "$at" "$tmp/out" || fail "the AFL++ crash's replay does not name $at: $(cat "$tmp/out")"

# 4. No tracer: the same findings, and where the check is, but no stack.
in_ns "$ex/replay" "$crash"
grep -q 'ERROR: shmcheck: leaked segment' "$tmp/out" || fail "no tracer: no finding"
grep -q '(no stack: preload libshmcheck-trace.so' "$tmp/out" ||
    fail "no tracer: no word about the stack"
grep -q "found by the leak check at .*fuzz_leak.c:[0-9]* in LLVMFuzzerTestOneInput()" "$tmp/out" ||
    fail "no tracer: no call site: $(cat "$tmp/out")"
echo "test_fuzz_leak.sh: libFuzzer and AFL++ found the leak at fuzz_leak.c:$line, replays agree, no segment left"
