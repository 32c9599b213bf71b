#!/bin/sh
# test_unprivileged.sh BUILD_DIR - every fuzz target runs as an unprivileged
# user, as on ClusterFuzzLite's runners: as nobody, where it cannot make a
# private IPC namespace of its own, for SECONDS (default 10) under
# libFuzzer and then under AFL++. Each must end well, say once which mode
# it runs in when it touches System V IPC, and leave no segment: it runs
# inside a private IPC namespace this test makes as root (which nobody
# cannot leave), and that namespace must be empty at the end. Needs root
# (to become nobody and make the namespace), afl-fuzz and setpriv.
set -eu
b=${1:-build}
secs=${SECONDS_EACH:-10}
fail() { echo "test_unprivileged.sh: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    echo "test_unprivileged.sh: skipped: not root (it runs the targets as nobody)"
    exit 0
fi
for tool in afl-fuzz setpriv unshare; do
    command -v "$tool" >/dev/null || fail "$tool missing (ci/deps.sh test)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$b" && pwd)

# One target under one engine, as nobody, in a namespace of its own; the
# namespace's segments after it, on stdout.
run() { # engine target
    work=$tmp/$1-$2
    mkdir -p "$work/seeds" "$work/out"
    # A few seeds (AFL++ runs every one before it fuzzes).
    find "$root/corpus/$2" -type f | sort | head -n 8 |
        while read -r f; do cp "$f" "$work/seeds/"; done
    chown -R 65534:65534 "$work"
    if [ "$1" = libfuzzer ]; then
        cmd="'$build/fuzz/libfuzzer/fuzz_$2' -max_total_time=$secs \
            -print_final_stats=0 -artifact_prefix=out/ out seeds"
    else
        cmd="AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
            AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
            afl-fuzz -V $secs -t 5000 -i seeds -o out -- \
            '$build/fuzz/afl/fuzz_$2'"
    fi
    unshare --ipc sh -c "cd '$work' &&
        setpriv --reuid=65534 --regid=65534 --clear-groups \
            sh -c \"$cmd\" >log 2>&1; echo \$? >status;
        awk 'NR > 1' /proc/sysvipc/shm | wc -l >left"
    [ "$(cat "$work/status")" -eq 0 ] ||
        fail "$1 fuzz_$2 as nobody exited $(cat "$work/status"): $(tail -5 "$work/log")"
    [ "$(cat "$work/left")" -eq 0 ] ||
        fail "$1 fuzz_$2 as nobody left $(cat "$work/left") segment(s)"
    if [ "$1" = afl ]; then
        crashes=$(find "$work/out" -path '*crashes/id:*' | wc -l)
        [ "$crashes" -eq 0 ] || fail "afl fuzz_$2 as nobody saved $crashes crash(es)"
    fi
}

n=0
for src in "$root"/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    t=${t#fuzz_}
    for engine in libfuzzer afl; do
        run "$engine" "$t"
        n=$((n + 1))
    done
    # The targets that touch System V IPC say which mode they are in.
    case $t in
    validator | sequence | tracer)
        grep -q "unshare(CLONE_NEWIPC): Operation not permitted; running in this IPC namespace" \
            "$tmp/libfuzzer-$t/log" || fail "fuzz_$t does not say its mode"
        grep -q "a guard removing what a crashed input leaves" \
            "$tmp/libfuzzer-$t/log" || fail "fuzz_$t runs without a guard"
        ;;
    esac
done
echo "test_unprivileged.sh: $n runs of ${secs} s as nobody (libFuzzer, AFL++), none left a segment"
