/*
 * fuzz_sequence.c - property: a program of System V shared memory
 * operations run by up to four processes gets, op by op, the outcome the
 * reference model (refmodel.h) predicts, through the library (shmc_*) and
 * through the raw calls; the segments the model says leak are exactly
 * those the kernel still has once every process has ended; and nothing is
 * left in the IPC namespace after the input's cleanup.
 *
 * Process 0 is THIS process, the fuzzing process: its ops call the library
 * right here, because libFuzzer only sees the coverage of the fuzzing
 * process. Processes 1..3 are the "other processes": persistent workers
 * started once by setup() and driven through SOCK_SEQPACKET socketpairs,
 * one fixed-size request per op and one reply (a 5 s poll per reply, and
 * the worker's pidfd: a hang or a death aborts). sequence/serve.c runs the
 * requests: linked here, where process 0 calls run_req in place, and into
 * sequence_worker (sequence/worker_main.c), a plain program (no sanitizer, no
 * fuzzer runtime) that each worker execs as soon as setup() forked it,
 * serving on the sockets it inherited. A fork op makes a worker fork() for
 * real; the child serves the slot it was forked into, through that slot's
 * fork channel, until it exits or the input ends. Such a fork and exit
 * copy and unmap a small process; forking this ASan/libFuzzer process
 * costs about a millisecond each time. Without sequence_worker
 * (locate_worker says so) the workers serve in their forked copies of
 * this process: the same semantics, slower fork ops. Process 0 never
 * forks (the op is skipped): that fork would be slow, and its child's
 * coverage invisible anyway; a worker's fork has the same kernel and
 * library semantics. Exit and exec of a process that is not a forked
 * child (this one, a persistent worker) are emulated by detaching
 * everything, which is what the kernel does at exit and exec; the slot of
 * an exited one is then free for a fork. A forked child exits for real.
 * Attach addresses are always chosen by the kernel (NULL); the model
 * compares them as tokens (model_label).
 *
 * Input: byte 0, bits 0..2: processes 1..3 alive at the start (process 0
 * always is). Then up to 32 ops of two bytes (A, B); the rest is ignored:
 *   A bits 0..3, 7  op: ops[] in sequence/ops.c, 32 entries; bit 7 clear:
 *                0 create, 1 open, 2 attach, 3 detach, 4 detach-again,
 *                5 stat, 6 remove, 7 release, 8 fork, 9 exit, 10 exec.
 *                Fork has one entry of 32: a fork and its child's
 *                exit cost over a hundred microseconds, a call through a
 *                worker some microseconds.
 *   A bits 4..5  the process, 0..3
 *   A bit 6      raw: shmget/shmat/shmdt/shmctl instead of the library
 *                (release is always the library's; a library op on a
 *                segment only a raw shmget made runs raw: no handle)
 *   B  create    bits 0..2 key mod 5 (IPC_PRIVATE, K1..K4), bits 3..4
 *                size 0, 1, 4096, 10000; bit 5: create or join,
 *                raw: IPC_CREAT without IPC_EXCL, library:
 *                shmc_segment_create_or_open
 *      open      key as create, bits 3..4 min size 0, 1, 4096, 20000
 *      attach, stat, remove: segment B mod (segments made so far)
 *      detach, release: record B mod (the process's records)
 *      detach-again: the (B mod n)th of its n records not attached
 *      fork      the child is process 1 + B mod 3, which must be dead
 * An op the model skips (dead process, nothing to pick, full table) is
 * not run. Any divergence, dead or hung process, or segment left aborts
 * with the decoded sequence, predicted against real, on stderr.
 *
 * Cleanup after every input: every live process detaches everything, all
 * at once (forked children then _exit; they are reaped later, this
 * process being their subreaper); the segments still there must be the
 * model's leaked segments; they are removed, and SHM_INFO must then count
 * no segment. The same input gives the same sequence of outcomes; the only
 * global state is the workers' bookkeeping (struct workers) made by
 * setup().
 *
 * The pieces, in fuzz/sequence/: ops.c decodes, predicts, runs and checks
 * each op; channel.c runs requests here or in a worker and handles exits
 * and forks; trace.c prints the sequence on a failure; workers.c finds
 * sequence_worker and starts the workers; serve.c and protocol.h are the
 * request server both sides link; worker_main.c is sequence_worker.
 *
 * As root, setup() enters a private IPC namespace (unshare(CLONE_NEWIPC))
 * before it forks the workers, which inherit it and die with this process.
 * Without the privilege (an unprivileged runner, as ClusterFuzzLite's) it
 * says so once and runs in the namespace it is in: K1..K4 become keys no
 * segment has (from its pid), the end-of-input check is that every
 * segment it made is gone and no key of its own names one (others'
 * segments are theirs), and a guard (fuzz/guard/guard.h) removes what an
 * input that crashed it left.
 * setup() runs in LLVMFuzzerInitialize, except in the AFL++ build (see
 * there).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sequence/harness.h"

#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

/* ------------------------------------------------------------------ */
/* Begin and end                                                      */
/* ------------------------------------------------------------------ */

static void begin(struct ctx *c, uint8_t live)
{
    memset(c, 0, offsetof(struct ctx, log));
    c->nlog = 0;
    reap(0);
    c->live = 1u | ((unsigned)live & 7) << 1;
    model_init(&c->m, c->live);
    c->slot[0] = (struct slot){S_SELF, getpid(), -1, -1, 0};
    c->serial_pid[0] = getpid();
    for (int k = 1; k < MODEL_PROCS; k++) {
        c->slot[k] = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
        if (c->live & (1u << k))
            c->slot[k] = (struct slot){S_PERSIST, workers.pid[k],
                                       workers.pers[k][0], workers.pidfd[k], 0};
        c->serial_pid[k] = workers.pid[k];
    }
}

/* Every live process ends; the segments that survive must be the leaks
 * the model predicts; then they are removed and none may remain. */
static void finish(struct ctx *c)
{
    struct shm_info info = {0};
    struct shmid_ds ds;

    end_all(c);
    model_finish(&c->m);
    for (int s = 0; s < c->m.nseg; s++) {
        int there = shmctl(c->seg[s].id, IPC_STAT, &ds) == 0;
        if (there != c->m.seg[s].exists || (there && ds.shm_nattch != 0))
            die(c,
                "end: S%d (id %d): the model says %s, the kernel has "
                "%s (nattch %lu)",
                s, c->seg[s].id, c->m.seg[s].exists ? "leaked" : "destroyed",
                there ? "it" : "nothing", there ? ds.shm_nattch : 0ul);
        if (there)
            (void)shmctl(c->seg[s].id, IPC_RMID, NULL);
    }
    if (workers.shared) { /* others' segments are theirs: ours by key */
        for (int k = 1; k < 5; k++)
            if (shmget(key_of(k), 0, 0) >= 0)
                die(c, "end: key %#x still names a segment after cleanup",
                    (unsigned)key_of(k));
        return;
    }
    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0 ||
        info.used_ids != 0)
        die(c, "end: %d segment(s) left in the namespace after cleanup",
            info.used_ids);
}

/* AFL++ (4.04c) attaches its test case segment after this call, by id,
 * which a new IPC namespace would not find: its build sets up at the
 * first input instead, in the fuzzed child, after both segments are
 * mapped. The fork server then never has workers: a killed child takes
 * its workers, namespace and forked children with it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    locate_worker(); /* under AFL++: once, in the fork server */
#ifndef __AFL_COMPILER
    setup();
#endif
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c;

    if (!workers.ready)
        setup();
    if (size < 1)
        return 0;
    begin(&c, data[0]);
    for (size_t i = 1; i + 1 < size && c.nlog < MAX_OPS; i += 2)
        run_op(&c, data[i], data[i + 1]);
    finish(&c);
    return 0;
}

#ifdef __clang__
#pragma clang attribute pop
#endif
