#!/bin/sh
# test_tracer_features.sh BUILD_DIR - the corpus entries of fuzz_tracer
# (fuzz/fuzz_tracer.c) that exercise its raw clones, workers that drop
# root and capped runs still do so, and the oracle agrees on each: a guard
# against a change of the harness that turns them into no-ops. Replayed
# with SHMC_FUZZ_TRACE=1, which prints each input's sequence and verdict.
# Dropping root is checked only where the fuzzer says workers can (root,
# not a user namespace).
set -eu
t=${1:?usage: test_tracer_features.sh BUILD_DIR}/fuzz/replay/fuzz_tracer
c=corpus/tracer
[ -x "$t" ] || { echo "test_tracer_features.sh: $t not built" >&2; exit 1; }
# setuid_after_create, setuid_attached_clone, clone_chain, clone_then_fork,
# capped_4k_loss, capped_4k_full, capped_32k_grow_nobody,
# capped_32k_loss_nobody
out=$(SHMC_FUZZ_TRACE=1 "$t" $c/77d73208003f42517c872c19b3961ae060e8cced \
    $c/eacd9a2ce15893838d45c6c1ef6e1542bc8f34b8 \
    $c/17d77631d5fb7f417a5f3bd93bd73add7c842f64 \
    $c/882095e3228f5c11ccb8a5945810de62981b305b \
    $c/349dc3c31882149cc5aba62af44bcaad54934fca \
    $c/6c2a5904fe6572d8fed9869a3cc45b564e40968b \
    $c/ad5b1801e826314b8ae055d3b62f066f05472d60 \
    $c/c20d084f5d08f71d900a8f7ee241e398ebd0caf3 2>&1) || {
    printf '%s\n' "$out" >&2
    echo "test_tracer_features.sh: the replay failed" >&2
    exit 1
}
has() { # has PATTERN WHAT
    printf '%s\n' "$out" | grep -q -- "$1" ||
        { echo "test_tracer_features.sh: no $2" >&2; exit 1; }
}
has ' clone -> p' 'raw clone'
has 'capped run: journals of 4096 bytes' 'capped run'
has 'lost [0-9]* record(s): reason 3,' 'record lost to the cap'
has 'replayed 8 input(s)' 'replay of all 8 entries'
if printf '%s\n' "$out" | grep -q 'workers can drop root'; then
    has 'setuid(nobody) -> 0 0' 'worker that dropped root'
    has 'IPC_RMID) -> -1 1$' 'IPC_RMID refused (EPERM) to a worker that dropped root'
else
    echo "test_tracer_features.sh: workers cannot drop root here: not checked"
fi
echo "test_tracer_features.sh: clones, capped runs and dropped root exercised"
