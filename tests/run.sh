#!/bin/sh
# tests/run.sh BUILD_DIR... - run every test under each build directory,
# each test program in its own private IPC namespace that must be empty
# when it ends (ci/run-ipcns.sh), then print one line "N passed, M failed".
#
# Counted: cmocka's "[  PASSED  ] N test(s)" and "[  FAILED  ] N test(s)"
# lines; a shell test (tests/integration/*.sh) counts as one test; a program
# that crashed or left a segment counts one failure more. The host's own
# segments must be the same after the run as before it.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=""
host_before=$(awk 'NR>1 {print $2}' /proc/sysvipc/shm | sort)

count() { # count NAME OUTPUT_FILE EXIT_STATUS
    p=$(sed -n 's/.*\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$2" | tail -n 1)
    f=$(sed -n 's/.*\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$2" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$3" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        failed=$((failed + 1))
    fi
    if [ "$3" -ne 0 ]; then
        failures="$failures $1"
    fi
}

run_one() { # run_one LABEL CMD...
    label=$1
    shift
    out=$(mktemp)
    echo "=== $label"
    ci/run-ipcns.sh "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    case "$label" in
    *.sh)
        if [ "$rc" -eq 0 ]; then
            echo "[  PASSED  ] 1 test(s)." >>"$out"
        fi ;;
    esac
    count "$label" "$out" "$rc"
    rm -f "$out"
}

for dir in "$@"; do
    for t in "$dir"/tests/unit/test_* "$dir"/tests/integration/test_*; do
        case "$t" in *.o | *.d | *'*'*) continue ;; esac
        [ -x "$t" ] && run_one "$t" "$t"
    done
done
# Every fuzz target's corpus, through the plain replay build.
for t in "$1"/fuzz/replay/fuzz_*; do
    [ -x "$t" ] && run_one "$t" "$t" "corpus/${t##*/fuzz_}"
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] && run_one "$t" sh "$t" "$1"
done
for t in tests/integration/*.py; do
    [ -f "$t" ] && run_one "$t" python3 "$t" "$1"
done

host_after=$(awk 'NR>1 {print $2}' /proc/sysvipc/shm | sort)
if [ "$host_before" != "$host_after" ]; then
    echo "tests/run.sh: the host's System V segments changed during the run" >&2
    failed=$((failed + 1))
    failures="$failures host-ipcs"
fi
[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
