/*
 * bench_jgen.h - synthetic journals for bench_replay, written with the
 * journal writer of the build under test (src/journal/writer.h), so that
 * they are in that build's format whatever it is.
 *
 * Each journal is one process image as the tracer writes it: START, one
 * MODULE per loaded object (of the bench itself), the calls, EXIT; every
 * call's stack is one real stack of the bench (8 frames), so that the
 * CLI finds and symbolizes real code.
 */
#ifndef SHMC_BENCH_JGEN_H
#define SHMC_BENCH_JGEN_H

/* One journal in dir: k SHMGET records (IPC_PRIVATE, created=1, one
 * stack), shmids 0..k-1, none removed; and dir/kernel.shm, a snapshot
 * of a private IPC namespace (isolated=1) that lists none of them.
 * Returns 0 or -1 (errno). */
int jgen_created(const char *dir, long k);

/* `journals` journals in dir (one process each), `events` SHMAT and
 * SHMDT records among them: each process creates one segment, attaches
 * and detaches it events / (2 * journals) times, removes it; and the
 * same empty kernel.shm. Returns 0 or -1 (errno). */
int jgen_pairs(const char *dir, long events, int journals);

#endif
