#!/bin/sh
# ci/deps.sh [build|demo|test|bench|fuzz|coverage] - install the Debian packages a target needs.
#
# Idempotent: asks dpkg what is installed and apt-gets only what is missing.
# As non-root it prints the exact command to run and fails.
#   build  compiler and make, and libdw-dev (elfutils' libdw and libelf:
#          the CLI reads debug information with them, for the function,
#          file and line of each frame; the tracer links neither) (make)
#   demo   build
#   test   build + cmocka, pkg-config, unshare, and the real programs the
#          tracer is tested on: ipcmk, runuser, su, setpriv (util-linux),
#          sudo (a server dropping root), afl-showmap (afl++);
#          binutils (strip, objcopy, readelf: stripped programs and
#          separate debug files for the symbolizer's tests); python3 runs
#          the CLI's report comparisons, python3-jsonschema checks every
#          SARIF log the tests make against
#          docs/sarif-2.1.0-shmcheck.schema.json; clang-14 with libFuzzer
#          (libclang-rt-14-dev) for the ClusterFuzzLite build test, and
#          llvm-14, the LLVM tools that go with it (shmcheck's own
#          symbolization no longer needs llvm-symbolizer: libdw, above);
#          chromium, chromium-driver and python3-selenium open the
#          --html page headless (tests/cli/test_html_browser.py)
#   bench  build + strace and valgrind, measured beside the tracer
#   fuzz   build + clang-14 with libFuzzer (libclang-rt-14-dev) and afl++,
#          llvm-14 (the LLVM tools that go with clang-14)
#   coverage  test + lcov (lcov, genhtml; python3 checks the branches)
set -eu

group=${1:-test}
build_pkgs="gcc make libc6-dev libdw-dev"
case "$group" in
build) pkgs="$build_pkgs" ;;
demo) pkgs="$build_pkgs" ;;
test) pkgs="$build_pkgs libcmocka-dev pkg-config util-linux afl++ strace llvm-14 binutils python3 python3-jsonschema clang-14 libclang-rt-14-dev sudo chromium chromium-driver python3-selenium" ;;
coverage) pkgs="$build_pkgs libcmocka-dev pkg-config util-linux afl++ strace llvm-14 binutils python3 python3-jsonschema clang-14 libclang-rt-14-dev sudo chromium chromium-driver python3-selenium lcov" ;;
bench) pkgs="$build_pkgs strace valgrind clang-14 libclang-rt-14-dev" ;;
fuzz) pkgs="$build_pkgs clang-14 libclang-rt-14-dev afl++ llvm-14" ;;
*)
    echo "ci/deps.sh: unknown group '$group'; use build, demo, test, bench, fuzz or coverage" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ci/deps.sh: dpkg-query not found: this script needs Debian (12)." >&2
    echo "ci/deps.sh: install by hand: $pkgs" >&2
    exit 1
fi

missing=""
for p in $pkgs; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "ci/deps.sh: missing Debian packages:$missing" >&2
    echo "ci/deps.sh: as root, run: apt-get update && $cmd" >&2
    exit 1
fi
echo "ci/deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
