/*
 * bench_replay - what the analysis costs as the journals grow, without
 * running anything: `shmcheck -q --replay DIR --json OUT` over synthetic
 * journals (bench_jgen.h) written by this build's journal writer.
 *
 *   created segments  one journal with K segments created (20,000,
 *                     50,000, 100,000), one stack, none removed by the
 *                     tree, none left in the kernel's snapshot (so each
 *                     is a never_removed lint). Goal: 100,000 in <= 0.5 s.
 *   events            EVENTS records (10,000,000 by default), attach and
 *                     detach pairs of one segment per process, in four
 *                     journals. Goal: <= 10 s.
 *
 *     bench_replay SHMCHECK [EVENTS [ROUNDS]]
 *
 * Each figure is the median of ROUNDS replays (5 by default; 3 for the
 * events, the long one). The journals are written once per size, before
 * the replays, and not timed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bench_jgen.h"
#include "harness.h"
#include "stats.h"

#define JOURNALS 4

/* The median time of `rounds` replays of dir, in s; -1 on failure. The
 * CLI's own peak RSS of the last one goes to *hwm_kb. */
static double replay(const char *shmcheck, const char *dir, const char *json,
                     int rounds, long *hwm_kb)
{
    double t[BENCH_MAX_ROUNDS];
    char *argv[] = {(char *)shmcheck, "-q",         "--replay", (char *)dir,
                    "--json",         (char *)json, NULL};
    struct bench_run r;

    for (int i = 0; i < rounds; i++) {
        /* 0: no error; 23: the default error status (not expected) */
        if (bench_run_ok(argv, bench_env(NULL), BENCH_HWM, &r, 0, 23) != 0)
            return -1;
        t[i] = r.ns;
        *hwm_kb = r.hwm_kb;
    }
    return median(t, rounds) / 1e9;
}

static int created(const char *shmcheck, const char *top, int rounds)
{
    static const long sizes[] = {20000, 50000, 100000};
    char dir[400], json[400], what[160];
    long hwm;

    for (int i = 0; i < 3; i++) {
        snprintf(dir, sizeof dir, "%s/created-%ld", top, sizes[i]);
        snprintf(json, sizeof json, "%s/created-%ld.json", top, sizes[i]);
        if (mkdir(dir, 0700) != 0 || jgen_created(dir, sizes[i]) != 0) {
            perror("bench_replay: writing the journals");
            return -1;
        }
        double s = replay(shmcheck, dir, json, rounds, &hwm);
        if (s < 0)
            return -1;
        snprintf(what, sizeof what, "replay, %ld segments created", sizes[i]);
        if (i == 2)
            bench_goal(what, s, 0.5, "s");
        else
            bench_figure(what, s, "s");
        if (i < 2)
            continue;
        snprintf(what, sizeof what,
                 "replay, %ld segments created, findings reported", sizes[i]);
        bench_figure(what, (double)bench_count_in_file(json, "\"kind\":"), "");
        snprintf(what, sizeof what, "replay, %ld segments created, JSON report",
                 sizes[i]);
        bench_figure(what, (double)bench_file_bytes(json) / 1024, "KB");
        snprintf(what, sizeof what,
                 "replay, %ld segments created, CLI peak RSS", sizes[i]);
        bench_figure(what, hwm / 1024.0, "MB");
    }
    return 0;
}

static int events(const char *shmcheck, const char *top, long n, int rounds)
{
    char dir[400], json[400], what[160];
    long hwm;

    snprintf(dir, sizeof dir, "%s/events", top);
    snprintf(json, sizeof json, "%s/events.json", top);
    if (mkdir(dir, 0700) != 0 || jgen_pairs(dir, n, JOURNALS) != 0) {
        perror("bench_replay: writing the journals");
        return -1;
    }
    double s = replay(shmcheck, dir, json, rounds, &hwm);
    if (s < 0)
        return -1;
    snprintf(what, sizeof what, "replay, %ld events in %d journals", n,
             JOURNALS);
    /* The goal is for that count only: a smaller run is mostly the
     * CLI's start-up. */
    if (n == 10000000)
        bench_goal(what, s, 10, "s");
    else
        bench_figure(what, s, "s");
    snprintf(what, sizeof what, "replay, %ld events, journals", n);
    bench_figure(what, (double)bench_dir_bytes(dir, ".shmj") / (1 << 20), "MB");
    snprintf(what, sizeof what, "replay, %ld events, CLI peak RSS", n);
    bench_figure(what, hwm / 1024.0, "MB");
    return 0;
}

int main(int argc, char **argv)
{
    /* The journals this bench writes stand for every call: without
     * checkpoints (the writer would fold the pairs, and the analysis
     * measured would be that of a few records). */
    setenv("SHMC_TEST_JOURNAL_CHECKPOINT", "0", 1);
    long n = argc > 2 ? atol(argv[2]) : 10000000;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    char top[300];
    struct stat sb;

    if (argc < 2 || n < 2 * JOURNALS || rounds < 1 ||
        rounds > BENCH_MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_replay SHMCHECK [EVENTS [ROUNDS 1..%d]]\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    if (stat(argv[1], &sb) != 0) {
        fprintf(stderr, "bench_replay: %s: not found\n", argv[1]);
        return 1;
    }
    if (bench_tmpdir(top, sizeof top) != 0)
        return 1;
    bench_machine();
    printf("bench_replay: medians of %d replays (%d for the events)\n", rounds,
           rounds < 3 ? rounds : 3);
    int rc = created(argv[1], top, rounds);
    if (rc == 0)
        rc = events(argv[1], top, n, rounds < 3 ? rounds : 3);
    bench_rmtree(top);
    return rc == 0 ? 0 : 1;
}
