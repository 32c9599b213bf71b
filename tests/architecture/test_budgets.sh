#!/bin/sh
# test_budgets.sh - files at most 400 lines and functions at most 60
# (ci/budgets.py), but for the exceptions named with their reason in
# ci/budgets.allow; the page under web/ too, its .js lines at most 100
# characters. And the checker is not blind: a tree with a 401-line file
# and a 61-line function fails, naming both; so do a 401-line web/ page
# and a 101-character line in a web/ script (not one of 100, nor a long
# line in a style sheet); and an exception that no longer applies is
# reported as stale.
set -eu
cd "$(dirname "$0")/../.."

if ! python3 ci/budgets.py >/dev/null; then
    python3 ci/budgets.py
    echo "test_budgets.sh: over budget" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/x" "$tmp/ci" "$tmp/web/part"
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
cp "$tmp/src/x/big.h" "$tmp/web/big.css"
sed 's,.*,<!-- -->,' "$tmp/src/x/big.h" >"$tmp/web/part/big.html"
# "// " and x's: 100 characters, then 101; µ is one character, two bytes
w100="// $(printf '%096d' 0 | tr 0 x)µ"
{
    echo "const a = 1;"
    echo "$w100"
    echo "${w100}y"
} >"$tmp/web/part/wide.js"
printf '%s\n' "/* ${w100}${w100} */" >"$tmp/web/wide.css"
if python3 ci/budgets.py --root="$tmp" >"$tmp/out" 2>&1; then
    cat "$tmp/out"
    echo "test_budgets.sh: a tree over budget passed" >&2
    exit 1
fi
grep -q 'src/x/big.h: 401 lines (budget 400)' "$tmp/out"
grep -q 'src/x/f.c:2: long_one() 61 lines (budget 60)' "$tmp/out"
grep -q 'names src/x/gone.c, which is within budget' "$tmp/out"
grep -q 'web/big.css: 401 lines (budget 400)' "$tmp/out"
grep -q 'web/part/big.html: 401 lines (budget 400)' "$tmp/out"
grep -q 'web/part/wide.js:3: a line of 101 characters (budget 100)' "$tmp/out"
if grep -q 'wide.js:2:\|wide.css' "$tmp/out"; then
    cat "$tmp/out"
    echo "test_budgets.sh: a line within budget, or a style sheet's, counted" >&2
    exit 1
fi
grep -q 'budgets: 5 over, 1 stale exception(s)' "$tmp/out"
echo "test_budgets.sh: every file, function and web/ script line within" \
    "budget; faults caught"
