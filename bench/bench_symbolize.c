/*
 * bench_symbolize - what reporting findings with source lines costs: the
 * wall time of `shmcheck -- bench_prog stacks bad` (ten invalid detaches
 * from ten distinct stacks, each symbolized and reported) minus that of
 * `shmcheck -- bench_prog stacks clean` (the same calls, every detach
 * valid: no finding). Goal: <= 50 ms.
 *
 *     bench_symbolize SHMCHECK BENCH_PROG [ROUNDS]
 *
 * Each round runs both, in an order alternating from round to round; the
 * figure is the median of the per-round differences (11 rounds by
 * default). Run it in a private IPC namespace (ci/run-ipcns.sh).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "stats.h"

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 11;
    double clean[BENCH_MAX_ROUNDS], diff[BENCH_MAX_ROUNDS];
    struct stat sb;

    if (argc < 3 || rounds < 1 || rounds > BENCH_MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_symbolize SHMCHECK BENCH_PROG [ROUNDS 1..%d]\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    for (int i = 1; i < 3; i++)
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "bench_symbolize: %s: not found\n", argv[i]);
            return 1;
        }
    char *c[] = {argv[1], "--", argv[2], "stacks", "clean", NULL};
    char *b[] = {argv[1], "--", argv[2], "stacks", "bad", NULL};
    bench_machine();
    printf("bench_symbolize: %d rounds, medians\n", rounds);
    for (int r = 0; r < rounds; r++) {
        struct bench_run rc, rb;
        /* the invalid detaches are errors: the default status 23 */
        int bad = r % 2 ? bench_run_ok(b, bench_env(NULL), 0, &rb, 23, 23) ||
                              bench_run_ok(c, bench_env(NULL), 0, &rc, 0, 0)
                        : bench_run_ok(c, bench_env(NULL), 0, &rc, 0, 0) ||
                              bench_run_ok(b, bench_env(NULL), 0, &rb, 23, 23);
        if (bad)
            return 1;
        clean[r] = rc.ns / 1e6;
        diff[r] = (rb.ns - rc.ns) / 1e6;
    }
    bench_figure("shmcheck -- 10 stacks, clean", median(clean, rounds), "ms");
    bench_goal("shmcheck -- 10 stacks, 10 findings symbolized, minus clean",
               median(diff, rounds), 50, "ms");
    return 0;
}
