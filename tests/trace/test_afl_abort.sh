#!/bin/sh
# test_afl_abort.sh BUILD_DIR - SHMCHECK_ON_ERROR=abort under AFL++'s fork
# server, as a user fuzzes an unmodified program: a target built with
# afl-clang-fast that leaks a segment when its input starts with "SHM"
# (checked byte by byte, for the fuzzer to find), run by afl-fuzz with
# the tracer in AFL_PRELOAD until its first crash. Every forked run that
# leaks dies of SIGABRT, which afl-fuzz saves as a crash, and removes its
# segment first: in the test's private IPC namespace none is left. Needs
# afl-clang-fast, afl-fuzz and unshare --ipc (root, or a user namespace).
set -eu
b=${1:-build}
fail() { echo "test_afl_abort.sh: $*" >&2; exit 1; }

for tool in afl-clang-fast afl-fuzz unshare; do
    command -v "$tool" >/dev/null || fail "$tool missing (ci/deps.sh test)"
done
if unshare --ipc true 2>/dev/null; then
    ns="unshare --ipc"
elif unshare --ipc --map-root-user true 2>/dev/null; then
    ns="unshare --ipc --map-root-user"
else
    echo "test_afl_abort.sh: skipped: no private IPC namespace here"
    exit 0
fi
tracer=$(cd "$b" && pwd)/libshmcheck-trace.so
[ -f "$tracer" ] || fail "$tracer not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/target.c" <<'C'
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void)
{
    unsigned char in[16];
    ssize_t n = read(0, in, sizeof in);

    if (n >= 3 && in[0] == 'S')
        if (in[1] == 'H')
            if (in[2] == 'M')
                shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* leaked */
    return 0;
}
C
AFL_QUIET=1 afl-clang-fast -O1 -o "$tmp/target" "$tmp/target.c" ||
    fail "afl-clang-fast failed"
# A seed two bytes into the sequence: the fuzzer still has to find the
# third, in a few seconds rather than minutes (a run forks at about 2 ms).
mkdir "$tmp/seeds"
printf 'SHAA' >"$tmp/seeds/a"
# And the bytes as a dictionary word, which havoc inserts often: without
# it, one run in several found no 'M' in 60 s (about 30,000 runs).
printf 'w="SHM"\n' >"$tmp/dict"

# In the namespace: afl-fuzz until the first crash (at most 60 s), then
# the namespace's segments, as the last thing in it.
$ns sh -c "cd '$tmp' &&
    AFL_PRELOAD='$tracer' SHMCHECK_ON_ERROR=abort SHMCHECK_REPORT=none \
    AFL_BENCH_UNTIL_CRASH=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -V 60 -x dict -i seeds -o out -- ./target >log 2>&1; echo \$? >status
    awk 'NR > 1' /proc/sysvipc/shm | wc -l >left"
[ "$(cat "$tmp/status")" -eq 0 ] ||
    fail "afl-fuzz exited $(cat "$tmp/status"): $(tail -5 "$tmp/log")"
crashes=$(find "$tmp/out" -path '*crashes/id:*' | wc -l)
[ "$crashes" -ge 1 ] || fail "no crash saved in 60 s: $(tail -5 "$tmp/log")"
[ "$(cat "$tmp/left")" -eq 0 ] ||
    fail "$(cat "$tmp/left") segment(s) left in the namespace"
# The crash is the leak: its input starts with the bytes that leak.
first=$(find "$tmp/out" -path '*crashes/id:*' | sort | head -n 1)
[ "$(head -c 3 "$first")" = SHM ] || fail "a crash that is not the leak"
echo "test_afl_abort.sh: afl-fuzz saved $crashes crash(es) of the leak, no segment left"
