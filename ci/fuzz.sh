#!/bin/sh
# ci/fuzz.sh --target T --seconds S [--engine libfuzzer|afl] [--jobs N]
#
# A time-boxed fuzzing job for CI and for people: builds fuzz/fuzz_T.c for
# the engine, fuzzes from corpus/T/ for S seconds while printing progress,
# merges the inputs that add coverage back into corpus/T/, minimizes every
# crash into build/fuzz-work/T/crashes/ next to a .cmd file with the command
# that reproduces it, and exits 1 if anything was found.
#   --jobs N   libFuzzer: -fork=N; AFL++: one main and N-1 secondary instances
# Targets: those of fuzz/targets.mk (make fuzz-list): validator, sequence,
# tracer, journal, suppressions, config.
set -eu
cd "$(dirname "$0")/.."

targets=$(make -s --no-print-directory fuzz-list |
    awk '$1 == "target" { printf "%s%s", n++ ? " " : "", $2 }')
target="" seconds="" engine=libfuzzer jobs=1
usage() {
    echo "usage: ci/fuzz.sh --target T --seconds S [--engine libfuzzer|afl] [--jobs N]" >&2
    echo "targets: $targets" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --target) target=${2:-}; shift 2 ;;
    --seconds) seconds=${2:-}; shift 2 ;;
    --engine) engine=${2:-}; shift 2 ;;
    --jobs) jobs=${2:-}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "ci/fuzz.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
case " $targets " in *" $target "*) ;; *)
    echo "ci/fuzz.sh: --target must name one of the fuzz targets" >&2; usage ;; esac
case "$seconds" in '' | *[!0-9]*) echo "ci/fuzz.sh: --seconds must be a number" >&2; usage ;; esac
case "$jobs" in '' | *[!0-9]* | 0) echo "ci/fuzz.sh: --jobs must be 1 or more" >&2; usage ;; esac
case "$engine" in libfuzzer | afl) ;; *) echo "ci/fuzz.sh: --engine is libfuzzer or afl" >&2; usage ;; esac

ci/deps.sh fuzz
B=${B:-build}
bins="$B/fuzz/libfuzzer/fuzz_$target $B/fuzz/replay/fuzz_$target"
[ "$engine" = afl ] && bins="$bins $B/fuzz/afl/fuzz_$target"
make --no-print-directory -s $bins
corpus=corpus/$target
dict=corpus/$target.dict
work=$B/fuzz-work/$target
mkdir -p "$corpus" "$work/crashes"
rm -rf "$work/new" "$work/afl"
mkdir -p "$work/new"
lf=$B/fuzz/libfuzzer/fuzz_$target
dictarg=""
[ -f "$dict" ] && dictarg="-dict=$dict"

echo "ci/fuzz.sh: $target, $engine, $seconds s, $jobs job(s); corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
status=0
if [ "$engine" = libfuzzer ]; then
    forkarg=""
    [ "$jobs" -gt 1 ] && forkarg="-fork=$jobs -ignore_crashes=1"
    # libFuzzer prints its progress lines (exec/s, cov, corp) as it goes.
    $lf $dictarg -max_total_time="$seconds" -print_final_stats=1 $forkarg \
        -artifact_prefix="$work/crashes/" "$work/new" "$corpus" || status=$?
else
    export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
    xarg=""
    [ -f "$dict" ] && xarg="-x $dict"
    afl=$B/fuzz/afl/fuzz_$target
    i=1
    while [ "$i" -lt "$jobs" ]; do
        afl-fuzz -i "$corpus" -o "$work/afl" -V "$seconds" $xarg -S "s$i" -- "$afl" >"$work/afl-s$i.log" 2>&1 &
        i=$((i + 1))
    done
    # The main instance's status lines are the progress.
    afl-fuzz -i "$corpus" -o "$work/afl" -V "$seconds" $xarg -M main -- "$afl" || status=$?
    wait
    for q in "$work"/afl/*/queue/id:*; do
        [ -f "$q" ] && cp "$q" "$work/new/$(basename "$q" | tr ':,' '__')"
    done
    for c in "$work"/afl/*/crashes/id:*; do
        [ -f "$c" ] && cp "$c" "$work/crashes/crash-afl-$(sha1sum "$c" | cut -c1-12)"
    done
fi

# Inputs that add coverage go into the corpus (libFuzzer's merge).
$lf -merge=1 $dictarg "$corpus" "$work/new" >"$work/merge.log" 2>&1 ||
    echo "ci/fuzz.sh: merge failed, see $work/merge.log" >&2
echo "ci/fuzz.sh: corpus $corpus now has $(ls "$corpus" | wc -l) inputs"

found=0
for c in "$work"/crashes/crash-* "$work"/crashes/leak-* "$work"/crashes/timeout-* "$work"/crashes/oom-*; do
    [ -f "$c" ] || continue
    case "$c" in *.min | *.cmd) continue ;; esac
    found=$((found + 1))
    $lf -minimize_crash=1 -runs=2000 -exact_artifact_path="$c.min" "$c" >/dev/null 2>&1 || true
    [ -f "$c.min" ] || cp "$c" "$c.min"
    echo "$B/fuzz/replay/fuzz_$target $c.min" >"$c.cmd"
    echo "ci/fuzz.sh: FOUND $c; reproduce with: $(cat "$c.cmd")"
done
if [ "$found" -gt 0 ] || [ "$status" -ne 0 ]; then
    echo "ci/fuzz.sh: $found finding(s), engine status $status"
    exit 1
fi
echo "ci/fuzz.sh: no finding"
