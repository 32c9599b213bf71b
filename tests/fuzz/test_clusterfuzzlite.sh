#!/bin/sh
# test_clusterfuzzlite.sh - runs .clusterfuzzlite/build.sh with the variables
# OSS-Fuzz and ClusterFuzzLite set ($CC $CXX $CFLAGS $CXXFLAGS
# $LIB_FUZZING_ENGINE $OUT $SRC) pointed at local values, then checks every
# target was built with its seeds, linked by $CXX as ClusterFuzzLite
# documents, and runs; and that the image and the workflows follow its
# layout (a tagged builder, concurrency groups, corpus pruning).
set -eu
command -v clang-14 >/dev/null || { echo "test_clusterfuzzlite.sh: clang-14 missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/out"
ln -s "$(pwd)" "$tmp/src/shmcheck"
# $CXX records what it links: every target, by the engine's rule.
cat >"$tmp/cxx" <<'SH'
#!/bin/sh
prev=
for a in "$@"; do [ "$prev" = -o ] && echo "$a" >>"$CXX_LOG"; prev=$a; done
exec clang++-14 "$@"
SH
chmod +x "$tmp/cxx"
flags="-O1 -g -fsanitize=address,fuzzer-no-link"
CXX_LOG="$tmp/linked" CC=clang-14 CXX="$tmp/cxx" CFLAGS="$flags" \
    CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$tmp/out" \
    SRC="$tmp/src" bash .clusterfuzzlite/build.sh
n=0
for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    [ -x "$tmp/out/$name" ] || { echo "test_clusterfuzzlite.sh: $name not built" >&2; exit 1; }
    grep -qx "$tmp/out/$name" "$tmp/linked" ||
        { echo "test_clusterfuzzlite.sh: $name not linked with \$CXX" >&2; exit 1; }
    [ -f "$tmp/out/${name}_seed_corpus.zip" ] ||
        { echo "test_clusterfuzzlite.sh: $name has no seed corpus" >&2; exit 1; }
    [ -f "$tmp/out/$name.dict" ] ||
        { echo "test_clusterfuzzlite.sh: $name has no dictionary" >&2; exit 1; }
    timeout 120 "$tmp/out/$name" -runs=50 >/dev/null 2>&1 ||
        { echo "test_clusterfuzzlite.sh: $name does not run" >&2; exit 1; }
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "test_clusterfuzzlite.sh: no fuzz target" >&2; exit 1; }
# The helper programs the targets run must be in $OUT too: without them
# fuzz_tracer stops and fuzz_sequence falls back to slow workers.
for helper in tracer_worker sequence_worker libshmcheck-trace.so; do
    [ -f "$tmp/out/$helper" ] ||
        { echo "test_clusterfuzzlite.sh: $helper not in \$OUT" >&2; exit 1; }
done
out=$(unset SHMC_FUZZ_SEQ_WORKER; "$tmp/out/fuzz_sequence" -runs=1 2>&1) ||
    { echo "test_clusterfuzzlite.sh: fuzz_sequence -runs=1 failed: $out" >&2; exit 1; }
case "$out" in
*"not found"*) echo "test_clusterfuzzlite.sh: fuzz_sequence did not find its worker in \$OUT" >&2; exit 1 ;;
esac
# The layout ClusterFuzzLite documents, read from the files themselves.
grep -q '^FROM gcr.io/oss-fuzz-base/base-builder:v1$' .clusterfuzzlite/Dockerfile ||
    { echo "test_clusterfuzzlite.sh: the builder image is not tagged" >&2; exit 1; }
for wf in .github/workflows/*.yml; do
    grep -q '^concurrency:' "$wf" ||
        { echo "test_clusterfuzzlite.sh: $wf has no concurrency group" >&2; exit 1; }
done
grep -q "mode: prune" .github/workflows/fuzz.yml ||
    { echo "test_clusterfuzzlite.sh: no corpus pruning" >&2; exit 1; }
echo "test_clusterfuzzlite.sh: build.sh built and ran $n targets"
