/*
 * bench_loop - the workload the tracer benchmark times from inside: raw
 * System V calls, no libshmcheck.
 *
 *     bench_loop attach N    N x (shmat + shmdt) on one segment
 *     bench_loop getrm N     N x (shmget IPC_PRIVATE + IPC_RMID)
 *     bench_loop none        no System V call at all (start-up cost)
 *
 * Prints "<loop> <ns per iteration>" on stdout.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *loop = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 20000;
    double t0;

    if (strcmp(loop, "none") == 0)
        return 0;
    if (n < 1 || (strcmp(loop, "attach") && strcmp(loop, "getrm"))) {
        fprintf(stderr, "usage: bench_loop attach|getrm N | none\n");
        return 2;
    }
    if (strcmp(loop, "attach") == 0) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            if (shmdt(shmat(id, NULL, 0)) != 0)
                return 1;
        printf("attach %.1f\n", (now_ns() - t0) / n);
        shmctl(id, IPC_RMID, NULL);
        return 0;
    }
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (shmctl(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), IPC_RMID,
                   NULL) != 0)
            return 1;
    printf("getrm %.1f\n", (now_ns() - t0) / n);
    return 0;
}
