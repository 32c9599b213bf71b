#!/bin/sh
# ci/test.sh - the whole test suite, as CI runs it: make check (installs
# the Debian packages it needs; plain, ASan+UBSan and TSan builds; every
# test in a private IPC namespace; the fuzz corpora replayed). Ends with
# "N passed, M failed"; exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
exec make check "$@"
