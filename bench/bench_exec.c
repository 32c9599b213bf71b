/*
 * bench_exec - what the tracer and the CLI cost a process-heavy tree that
 * makes no System V call at all: a shell loop running /bin/true EXECS
 * times (500 by default), in four variants side by side:
 *
 *   bare              sh -c LOOP
 *   empty preload     LD_PRELOAD of an empty shared object (the floor:
 *                     what any preloaded library costs each exec)
 *   tracer preloaded  LD_PRELOAD of the tracer, SHMCHECK_LOG_DIR a private
 *                     directory, SHMCHECK_REPORT=none (what the CLI sets)
 *   shmcheck          shmcheck -q -- sh -c LOOP
 *
 * Goal: under shmcheck <= 1.15x bare. Then the cost of the CLI around a
 * program that does nothing: `shmcheck -- /bin/true` minus `/bin/true`,
 * each spawned and waited for, STARTS of each per round. Goal <= 1 ms.
 *
 *     bench_exec SHMCHECK TRACE_SO EMPTY_SO [ROUNDS [EXECS]]
 *
 * Each round runs every variant once, in an order rotated from round to
 * round (paired runs: the machine's load moves both sides of a ratio);
 * the figures are medians over the rounds (9 by default), the ratios
 * medians of the per-round ratios.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "stats.h"

#define VARIANTS 4
#define STARTS 20

static const char *const names[VARIANTS] = {"bare", "empty preload",
                                            "tracer preloaded", "shmcheck -q"};

struct setup {
    char *shmcheck, *trace_so, *empty_so, *loop, *logs;
};

/* One run of variant v; its wall time in ns, or -1. */
static double run_variant(const struct setup *s, int v)
{
    char preload[4200], logdir[400];
    char *sh[] = {"/bin/sh", "-c", s->loop, NULL};
    char *cli[] = {s->shmcheck, "-q", "--", "/bin/sh", "-c", s->loop, NULL};
    const char *extra[4] = {preload, NULL, NULL, NULL};
    struct bench_run r;

    snprintf(preload, sizeof preload, "LD_PRELOAD=%s",
             v == 1 ? s->empty_so : s->trace_so);
    if (v == 2) {
        snprintf(logdir, sizeof logdir, "SHMCHECK_LOG_DIR=%s", s->logs);
        extra[1] = logdir;
        extra[2] = "SHMCHECK_REPORT=none";
    }
    char **env = bench_env(v == 1 || v == 2 ? extra : NULL);
    if (bench_run_ok(v == 3 ? cli : sh, env, 0, &r, 0, 0) != 0)
        return -1;
    /* The journals of the preloaded variant go (the CLI removes its own
     * within its run); the next run starts from an empty directory. */
    if (v == 2 && bench_empty_dir(s->logs) != 0)
        return -1;
    return r.ns;
}

static int exec_loop(const struct setup *s, int rounds, int execs)
{
    static double t[VARIANTS][BENCH_MAX_ROUNDS],
        ratio[VARIANTS][BENCH_MAX_ROUNDS];
    char what[128];

    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < VARIANTS; k++) {
            int v = (k + r) % VARIANTS;
            if ((t[v][r] = run_variant(s, v)) < 0)
                return -1;
        }
        for (int v = 0; v < VARIANTS; v++)
            ratio[v][r] = t[v][r] / t[0][r];
    }
    snprintf(what, sizeof what, "exec loop (%d x /bin/true), bare", execs);
    bench_figure(what, median(t[0], rounds) / 1e6, "ms");
    for (int v = 1; v < VARIANTS; v++) {
        double m = median(ratio[v], rounds);
        snprintf(what, sizeof what, "exec loop, %s, to bare", names[v]);
        if (v == VARIANTS - 1)
            bench_goal(what, m, 1.15, "x");
        else
            bench_figure(what, m, "x");
    }
    return 0;
}

/* STARTS runs of argv; ns per run, or -1. */
static double starts(char *const argv[])
{
    struct bench_run r;
    double sum = 0;

    for (int i = 0; i < STARTS; i++) {
        if (bench_run_ok(argv, bench_env(NULL), 0, &r, 0, 0) != 0)
            return -1;
        sum += r.ns;
    }
    return sum / STARTS;
}

/* shmcheck -- /bin/true against /bin/true alone, and against the least a
 * program that starts another one and waits for it costs here (a second
 * exec, a fork, a wait): `sh -c '/bin/true; :'`, whose shell forks for
 * the command. On a machine where one exec costs more than the 1 ms goal
 * the difference to that launcher is what shmcheck itself adds. */
static int startup(const struct setup *s, int rounds)
{
    double bare[BENCH_MAX_ROUNDS], cost[BENCH_MAX_ROUNDS],
        own[BENCH_MAX_ROUNDS];
    double launch[BENCH_MAX_ROUNDS];
    char *t[] = {"/bin/true", NULL};
    char *c[] = {s->shmcheck, "--", "/bin/true", NULL};
    char *l[] = {"/bin/sh", "-c", "/bin/true; :", NULL};

    for (int r = 0; r < rounds; r++) {
        double b, k, f;
        if (r % 2) {
            k = starts(c);
            f = starts(l);
            b = starts(t);
        } else {
            b = starts(t);
            f = starts(l);
            k = starts(c);
        }
        if (b < 0 || k < 0 || f < 0)
            return -1;
        bare[r] = b;
        cost[r] = k - b;
        launch[r] = f - b;
        own[r] = k - f;
    }
    bench_figure("/bin/true, spawned and waited", median(bare, rounds) / 1e6,
                 "ms");
    bench_goal("shmcheck -- /bin/true minus /bin/true",
               median(cost, rounds) / 1e6, 1, "ms");
    bench_figure("a launcher (sh -c '/bin/true; :') minus /bin/true",
                 median(launch, rounds) / 1e6, "ms");
    bench_figure("shmcheck -- /bin/true minus that launcher",
                 median(own, rounds) / 1e6, "ms");
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 4 ? atoi(argv[4]) : 9;
    int execs = argc > 5 ? atoi(argv[5]) : 500;
    char dir[300], logs[320], loop[200];
    struct stat sb;

    if (argc < 4 || rounds < 1 || rounds > BENCH_MAX_ROUNDS || execs < 1) {
        fprintf(stderr,
                "usage: bench_exec SHMCHECK TRACE_SO EMPTY_SO [ROUNDS 1..%d "
                "[EXECS]]\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    for (int i = 1; i < 4; i++)
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "bench_exec: %s: not found\n", argv[i]);
            return 1;
        }
    snprintf(loop, sizeof loop,
             "i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done", execs);
    if (bench_tmpdir(dir, sizeof dir) != 0)
        return 1;
    snprintf(logs, sizeof logs, "%s/logs", dir);
    struct setup s = {argv[1], argv[2], argv[3], loop, logs};
    int rc = mkdir(logs, 0700) == 0 ? 0 : -1;
    bench_machine();
    printf("bench_exec: %d rounds, medians\n", rounds);
    if (rc == 0)
        rc = exec_loop(&s, rounds, execs);
    if (rc == 0)
        rc = startup(&s, rounds);
    bench_rmtree(dir);
    return rc == 0 ? 0 : 1;
}
