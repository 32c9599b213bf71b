#!/bin/sh
# tests/run.sh [--coverage | --sanitizers] BUILD_DIR... - run every test
# under each build directory, each test program in its own private IPC
# namespace that must be empty when it ends (ci/run-ipcns.sh), then print
# one line "N passed, M failed".
#
# The first BUILD_DIR is the main (plain) build: its fuzz replay programs
# (ASan+UBSan builds) replay every corpus, and the shell and python tests
# run against it.
#   --coverage    the gcov build (make coverage): the shell tests that
#                 build or run their own, uninstrumented programs are left
#                 out, each saying why
#   --sanitizers  only what runs under a sanitizer (ci/sanitizers.sh): the
#                 test programs of the other BUILD_DIRs, the corpus replay
#                 and the TSan tracer test; not the plain build's programs
# The tests are laid out by the part they test (tests/PART/): each
# BUILD_DIR/tests/PART/test_* program, then every tests/PART/test_*.sh
# (given the main BUILD_DIR) and tests/PART/test_*.py (SHMC_BUILD_DIR set
# to it, unittest).
# Counted: cmocka's "[  PASSED  ] N test(s)" and "[  FAILED  ] N test(s)"
# lines, which the Python tests print too (tests/cli/support.py); a shell
# test counts as one test; a program that crashed or left a segment counts
# one failure more. tests/architecture/ checks the layers of src/
# (ci/layers.py) and the size budgets (ci/budgets.py). The host's own
# segments must be the same after the run as before it.
set -u
cd "$(dirname "$0")/.."
mode=all
case "${1:-}" in
--coverage) mode=coverage; shift ;;
--sanitizers) mode=sanitizers; shift ;;
esac
[ $# -gt 0 ] || { echo "usage: tests/run.sh [--coverage | --sanitizers] BUILD_DIR..." >&2; exit 2; }

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

parts="lib journal trace cli fuzz examples"
for dir in "$@"; do
    [ "$mode" = sanitizers ] && [ "$dir" = "$1" ] && continue
    for part in $parts; do
        for t in "$dir/tests/$part"/test_*; do
            case "$t" in *.o | *.d | *'*'*) continue ;; esac
            [ -f "$t" ] && [ -x "$t" ] && run_one "$t" "$t"
        done
    done
done
# Every fuzz target's corpus, through the plain replay build; a corpus
# whose replay program was not built is a failure, not a skip.
for c in corpus/*/; do
    c=${c%/}
    t=$1/fuzz/replay/fuzz_${c#corpus/}
    if [ -x "$t" ]; then
        run_one "$t" "$t" "$c"
    else
        echo "tests/run.sh: $t not built: $c not replayed" >&2
        failed=$((failed + 1))
        failures="$failures $t"
    fi
done
# skipped TEST: why TEST is not run in this mode, or nothing.
skipped() {
    case "$mode:$1" in
    coverage:*/test_install.sh) echo "links installed copies against an uninstrumented program" ;;
    coverage:*/test_clusterfuzzlite.sh) echo "builds its own fuzzers with clang" ;;
    coverage:*/test_unprivileged.sh) echo "runs the clang and AFL++ fuzzer builds" ;;
    coverage:*/test_afl_abort.sh) echo "builds its own AFL++ target" ;;
    coverage:*/test_fuzz_leak.sh) echo "runs the example's clang and AFL++ builds" ;;
    coverage:*/test_tsan*.sh) echo "runs the TSan build" ;;
    sanitizers:*/test_tsan*.sh) ;;
    sanitizers:*) echo "tests the plain build" ;;
    esac
}
for part in $parts install architecture; do
    for t in tests/"$part"/test_*.sh tests/"$part"/test_*.py; do
        [ -f "$t" ] || continue
        why=$(skipped "$t")
        if [ -n "$why" ]; then
            echo "=== $t: not run ($mode): $why"
            continue
        fi
        case "$t" in
        *.sh) run_one "$t" sh "$t" "$1" ;;
        *.py) run_one "$t" env SHMC_BUILD_DIR="$1" python3 -B "$t" ;;
        esac
    done
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
