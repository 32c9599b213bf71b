/*
 * bench_lib - the library's cost over raw system calls.
 *
 * Two loops, each timed raw and through libshmcheck in the same process:
 *   attach/detach   shmat+shmdt          vs shmc_attach+shmc_detach
 *   get/remove      shmget+IPC_RMID      vs shmc_segment_create+remove
 * Raw and lib alternate in chunks of 500 calls within each round.
 * Prints per-call nanoseconds (median over the rounds) and lib/raw ratios
 * (median of the per-round ratios). Target: ratio <= 1.03.
 *
 *     bench_lib [ROUNDS [ITERATIONS]]     (default 11 rounds of 20000)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <time.h>

#include "stats.h"

#include "shmcheck.h"

#define MAX_ROUNDS 101
#define CHUNK 500L

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double raw_attach(int id, long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        void *p = shmat(id, NULL, 0);
        if (p == (void *)-1 || shmdt(p) != 0)
            die("shmat/shmdt");
    }
    return (now_ns() - t0) / n;
}

static double lib_attach(const struct shmc_segment *seg, long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        struct shmc_attachment a;
        if (shmc_attach(seg, NULL, 0, &a) != SHMC_OK ||
            shmc_detach(&a) != SHMC_OK)
            die("shmc_attach/shmc_detach");
    }
    return (now_ns() - t0) / n;
}

static double raw_getrm(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0 || shmctl(id, IPC_RMID, NULL) != 0)
            die("shmget/shmctl");
    }
    return (now_ns() - t0) / n;
}

static double lib_getrm(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        struct shmc_segment s;
        if (shmc_segment_create(IPC_PRIVATE, 4096, 0600, &s) != SHMC_OK ||
            shmc_segment_remove(&s) != SHMC_OK)
            die("shmc_segment_create/remove");
    }
    return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 11;
    long iters = argc > 2 ? atol(argv[2]) : 20000;
    double raw_a[MAX_ROUNDS], lib_a[MAX_ROUNDS], ratio_a[MAX_ROUNDS];
    double raw_g[MAX_ROUNDS], lib_g[MAX_ROUNDS], ratio_g[MAX_ROUNDS];
    struct shmc_segment seg;

    if (rounds < 1 || rounds > MAX_ROUNDS || iters < CHUNK) {
        fprintf(stderr, "usage: bench_lib [ROUNDS 1..%d [ITERATIONS >= %ld]]\n",
                MAX_ROUNDS, CHUNK);
        return 2;
    }
    if (shmc_segment_create(IPC_PRIVATE, 4096, 0600, &seg) != SHMC_OK)
        die("create");
    lib_attach(&seg, iters / 10); /* warm up caches and the limits */
    raw_attach(seg.id, iters / 10);
    /* Raw and lib alternate in chunks inside each round, so that drift in
     * the machine's speed hits both sides alike. */
    for (int r = 0; r < rounds; r++) {
        raw_a[r] = lib_a[r] = raw_g[r] = lib_g[r] = 0;
        for (long done = 0; done < iters; done += CHUNK) {
            raw_a[r] += raw_attach(seg.id, CHUNK);
            lib_a[r] += lib_attach(&seg, CHUNK);
            lib_g[r] += lib_getrm(CHUNK);
            raw_g[r] += raw_getrm(CHUNK);
        }
        ratio_a[r] = lib_a[r] / raw_a[r];
        ratio_g[r] = lib_g[r] / raw_g[r];
        raw_a[r] /= iters / CHUNK;
        lib_a[r] /= iters / CHUNK;
        raw_g[r] /= iters / CHUNK;
        lib_g[r] /= iters / CHUNK;
    }
    shmc_segment_remove(&seg);
    printf("%d rounds x %ld iterations, medians\n", rounds, iters);
    printf("%-16s %12s %12s %10s\n", "loop", "raw ns/iter", "lib ns/iter",
           "lib/raw");
    printf("%-16s %12.0f %12.0f %10.3f\n", "attach/detach",
           median(raw_a, rounds), median(lib_a, rounds),
           median(ratio_a, rounds));
    printf("%-16s %12.0f %12.0f %10.3f\n", "get/remove", median(raw_g, rounds),
           median(lib_g, rounds), median(ratio_g, rounds));
    return 0;
}
