#!/bin/sh
# ci/sanitizers.sh - every test program under ASan+UBSan, the
# threaded code (limits cache, journal writer, tracer) under TSan, and the
# fuzz corpora replayed through ASan+UBSan builds: make sanitizers. The
# same runs are part of make check (ci/test.sh); this is them alone.
set -eu
cd "$(dirname "$0")/.."
exec make sanitizers "$@"
