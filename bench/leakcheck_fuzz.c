/*
 * leakcheck_fuzz.c - the libFuzzer harness bench_leakcheck runs: a clean
 * harness doing one create/attach/detach/remove per input, and, built
 * with -DWITH_CHECK=1, SHMC_LEAK_CHECK() after it (shmcheck.h, section 9).
 * Both builds are otherwise the same code: the library is not
 * instrumented, so libFuzzer sees the same edges and, with the same
 * -seed, runs the same inputs.
 *
 * Its own clock, for exec/s without the process's start and end (the
 * sanitizer's and the tracer's start, libFuzzer's set-up, LeakSanitizer
 * at exit): every SAMPLE-th input it reads CLOCK_MONOTONIC, and at exit
 * it writes to stderr
 *     leakcheck_fuzz: inputs N timed T ns
 * N inputs run between the first sample and the last, in T ns. A failed
 * call aborts: the bench then has no figure rather than a wrong one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

#include "shmcheck.h"

#ifndef WITH_CHECK
#define WITH_CHECK 0
#endif

#define SAMPLE 64

static unsigned long calls, timed;
static struct timespec first, last;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts the input; reads the clock at the first and every SAMPLE-th. */
static void tick(void)
{
    if (calls++ % SAMPLE != 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, calls == 1 ? &first : &last);
    timed = calls - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    volatile unsigned char *p;

    if (id < 0)
        abort();
    p = shmat(id, NULL, 0);
    if (p == (void *)-1)
        abort();
    p[0] = size ? data[0] : 0; /* a byte of the input, touched */
    if (shmdt((const void *)p) != 0 || shmctl(id, IPC_RMID, NULL) != 0)
        abort();
#if WITH_CHECK
    SHMC_LEAK_CHECK();
#endif
    tick();
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    double ns = (last.tv_sec - first.tv_sec) * 1e9 +
                (double)(last.tv_nsec - first.tv_nsec);

    fprintf(stderr, "leakcheck_fuzz: inputs %lu timed %.0f ns\n", timed,
            timed ? ns : 0.0);
}
