/*
 * bench_loop - the workload the tracer benchmark times from inside: raw
 * System V calls, no libshmcheck.
 *
 *     bench_loop attach N    N x (shmat + shmdt) on one segment
 *     bench_loop getrm N     N x (shmget IPC_PRIVATE + IPC_RMID)
 *     bench_loop loaded N    as attach, with 2,000 segments and 20,000
 *                            live attachments held meanwhile
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

#include "stats.h"

/* 2,000 segments, 10 attachments each, kept until exit (the namespace the
 * benchmark runs in is dropped with them). */
static void load(void)
{
    for (int i = 0; i < 2000; i++) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        for (int k = 0; k < 10; k++)
            shmat(id, NULL, 0);
        shmctl(id, IPC_RMID, NULL);
    }
}

int main(int argc, char **argv)
{
    const char *loop = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 20000;
    double t0;

    if (strcmp(loop, "none") == 0)
        return 0;
    if (n < 1 || (strcmp(loop, "attach") && strcmp(loop, "getrm") &&
                  strcmp(loop, "loaded"))) {
        fprintf(stderr, "usage: bench_loop attach|getrm|loaded N | none\n");
        return 2;
    }
    if (strcmp(loop, "loaded") == 0)
        load();
    if (strcmp(loop, "attach") == 0 || strcmp(loop, "loaded") == 0) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            if (shmdt(shmat(id, NULL, 0)) != 0)
                return 1;
        printf("%s %.1f\n", loop, (now_ns() - t0) / n);
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
