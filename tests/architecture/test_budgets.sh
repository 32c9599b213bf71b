#!/bin/sh
# test_budgets.sh - files at most 400 lines and functions at most 60
# (ci/budgets.py), but for the exceptions named with their reason in
# ci/budgets.allow. And the checker is not blind: a tree with a 401-line
# file and a 61-line function fails, naming both, and an exception that
# no longer applies is reported as stale.
set -eu
cd "$(dirname "$0")/../.."

if ! python3 ci/budgets.py >/dev/null; then
    python3 ci/budgets.py
    echo "test_budgets.sh: over budget" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/x" "$tmp/ci"
printf 'src/x/gone.c  was long once\n' >"$tmp/ci/budgets.allow"
{
    echo 'int long_one(void)'
    echo '{'
    i=0
    while [ $i -lt 59 ]; do echo '    ;'; i=$((i + 1)); done
    echo '}'
} >"$tmp/src/x/f.c"
i=0
while [ $i -lt 401 ]; do echo '/* */'; i=$((i + 1)); done >"$tmp/src/x/big.h"
if python3 ci/budgets.py --root="$tmp" >"$tmp/out" 2>&1; then
    cat "$tmp/out"
    echo "test_budgets.sh: a tree over budget passed" >&2
    exit 1
fi
grep -q 'src/x/big.h: 401 lines (budget 400)' "$tmp/out"
grep -q 'src/x/f.c:2: long_one() 61 lines (budget 60)' "$tmp/out"
grep -q 'names src/x/gone.c, which is within budget' "$tmp/out"
echo "test_budgets.sh: every file and function within budget; faults caught"
