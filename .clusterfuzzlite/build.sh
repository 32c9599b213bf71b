#!/bin/bash -eu
# Builds every fuzz/fuzz_*.c target the way OSS-Fuzz and ClusterFuzzLite
# expect: with $CC $CFLAGS, linked with $LIB_FUZZING_ENGINE, into $OUT,
# each with its seed corpus ($OUT/fuzz_T_seed_corpus.zip) and dictionary
# ($OUT/fuzz_T.dict). $SRC is where the source tree was copied.
# Tested locally by tests/integration/clusterfuzzlite.sh.
cd "${SRC}/shmcheck"
deps="src/lib/*.c src/journal/*.c src/cli/analyze.c src/cli/findings.c
      src/cli/suppress.c"
for f in fuzz/*.c; do
    case "$f" in fuzz/fuzz_*.c | fuzz/driver.c) ;; *) deps="$deps $f" ;; esac
done
# fuzz_tracer runs real traced processes: the tracer and its worker,
# uninstrumented, next to it.
$CC -shared -fPIC -O2 -g -fno-omit-frame-pointer -fvisibility=hidden \
    -ftls-model=initial-exec -std=c11 -Iinclude -Isrc \
    -Wl,--version-script=src/trace/exports.map src/trace/*.c src/journal/*.c \
    src/lib/validate.c src/lib/limits.c src/lib/errors.c -ldl -lpthread \
    -o "$OUT/libshmcheck-trace.so"
$CC -O1 -g -std=c11 fuzz/worker/worker.c -o "$OUT/tracer_worker"
# fuzz_sequence's processes 1..3 run a plain build of its request server,
# next to it, so that their forks copy a small process.
$CC -O1 -g -std=c11 -Iinclude -Ifuzz fuzz/seq/worker_main.c fuzz/seq/serve.c \
    src/lib/*.c -lpthread -o "$OUT/sequence_worker"
for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    target=${name#fuzz_}
    extra=
    [ "$target" = sequence ] && extra=fuzz/seq/serve.c
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c11 -Iinclude -Isrc -Isrc/cli -Ifuzz \
        "$src" $extra $deps $LIB_FUZZING_ENGINE -lpthread -o "$OUT/$name"
    if [ -d "corpus/$target" ]; then
        if command -v zip >/dev/null; then
            (cd "corpus/$target" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
        else
            python3 -m zipfile -c "$OUT/${name}_seed_corpus.zip" corpus/"$target"/*
        fi
    fi
    [ -f "corpus/$target.dict" ] && cp "corpus/$target.dict" "$OUT/$name.dict"
done
