#!/bin/bash -eu
# Builds every fuzz target the way OSS-Fuzz and ClusterFuzzLite expect:
# compiled with $CC $CFLAGS, linked with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE
# (the engine is C++), into $OUT, each with
# its seed corpus ($OUT/fuzz_T_seed_corpus.zip) and dictionary
# ($OUT/fuzz_T.dict). $SRC is where the source tree was copied.
#
# Which targets there are, the sources each links and the programs they
# run come from the Makefile (fuzz/targets.mk, read through
# `make fuzz-list`). Those programs (the preloaded tracer, the workers) are
# built by make as in a plain build, with $CC but without OSS-Fuzz's
# CFLAGS, and copied next to the targets.
# Tested locally by tests/fuzz/test_clusterfuzzlite.sh.
cd "${SRC}/shmcheck"
plain=$(mktemp -d)
trap 'rm -rf "$plain"' EXIT

# No -Werror here: the builder's clang may warn where clang-14 does not.
make_plain() {
    make -s --no-print-directory B="$plain" CC="$CC" \
        CFLAGS="-O2 -g -fno-omit-frame-pointer" LDFLAGS= SAN= WARN=-std=c11 \
        "$@"
}

list=$(make_plain fuzz-list)
helpers=$(awk '$1 == "helper" { print $2 }' <<<"$list")
# shellcheck disable=SC2086
make_plain -j"$(nproc)" $helpers
# shellcheck disable=SC2086
cp $helpers "$OUT/"

while read -r kind target sources; do
    [ "$kind" = target ] || continue
    name=fuzz_$target
    objs=
    for src in $sources; do
        obj=$plain/$name-$(echo "$src" | tr / _).o
        # shellcheck disable=SC2086
        $CC $CFLAGS -std=c11 -Iinclude -Isrc -Isrc/cli -Ifuzz -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    # shellcheck disable=SC2086
    $CXX $CXXFLAGS $objs $LIB_FUZZING_ENGINE -lpthread -o "$OUT/$name"
    if [ -d "corpus/$target" ]; then
        if command -v zip >/dev/null; then
            (cd "corpus/$target" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
        else
            python3 -m zipfile -c "$OUT/${name}_seed_corpus.zip" corpus/"$target"/*
        fi
    fi
    if [ -f "corpus/$target.dict" ]; then
        cp "corpus/$target.dict" "$OUT/$name.dict"
    fi
done <<<"$list"
