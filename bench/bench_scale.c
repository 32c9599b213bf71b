/*
 * bench_scale - what the CLI's run costs as the work grows, on the
 * programs of bench_prog, each run under `shmcheck --isolate` (a private
 * IPC namespace of its own):
 *
 *   segments   300,000 segments created and removed, clean (bench_prog
 *              getrm): time and peak RSS bare, then under
 *              `shmcheck -q --isolate --`: time, and the CLI's own peak
 *              RSS (harness.c says how it is told from the tree's).
 *              Goal: the CLI's peak RSS <= 64 MB. Medians of ROUNDS
 *              paired runs (3 by default).
 *   baddt      one invalid detach repeated 500,000 times (bench_prog
 *              baddt), journals kept with --log-dir, --json: findings in
 *              the report, the report's size, the journals' size.
 *              Goals: one finding (with a count), JSON <= 100 KB.
 *   threads    PAIRS attach+detach pairs (10,000,000 by default) on one
 *              segment over 4 threads (bench_prog threads): the
 *              journals' size at the end, the records they lost (their
 *              headers' `lost`), the time. Goals: journals <= 64 MB,
 *              nothing lost.
 *
 *     bench_scale SHMCHECK BENCH_PROG [PAIRS [ROUNDS]]
 *
 * Run it in a private IPC namespace (ci/run-ipcns.sh): the bare runs
 * create segments.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "stats.h"

#define SEGMENTS "300000"
#define BADDT "500000"
#define THREADS "4"

struct setup {
    char *shmcheck, *prog, *top;
};

static int segments(const struct setup *s, int rounds)
{
    double bt[BENCH_MAX_ROUNDS], br[BENCH_MAX_ROUNDS];
    double ct[BENCH_MAX_ROUNDS], cr[BENCH_MAX_ROUNDS];
    char *bare[] = {s->prog, "getrm", SEGMENTS, NULL};
    char *cli[] = {s->shmcheck, "-q",    "--isolate", "--",
                   s->prog,     "getrm", SEGMENTS,    NULL};
    struct bench_run r;

    for (int i = 0; i < rounds; i++) {
        for (int k = 0; k < 2; k++) {
            int side = (k + i) % 2;
            if (bench_run_ok(side ? cli : bare, bench_env(NULL),
                             side ? BENCH_HWM : 0, &r, 0, 0) != 0)
                return -1;
            (side ? ct : bt)[i] = r.ns / 1e9;
            (side ? cr : br)[i] = (side ? r.hwm_kb : r.maxrss_kb) / 1024.0;
        }
    }
    bench_figure("300000 segments created and removed, bare",
                 median(bt, rounds), "s");
    bench_figure("300000 segments, bare, peak RSS", median(br, rounds), "MB");
    bench_figure("300000 segments, under shmcheck --isolate",
                 median(ct, rounds), "s");
    bench_goal("300000 segments, shmcheck's own peak RSS", median(cr, rounds),
               64, "MB");
    return 0;
}

/* Runs `shmcheck -q --isolate --log-dir TOP/NAME --json TOP/NAME.json --
 * args...` (the CLI's own peak RSS measured); the log directory and the
 * report's paths go to logs and json. */
static int kept_run(const struct setup *s, const char *name, char *args[],
                    char *logs, char *json, struct bench_run *r)
{
    snprintf(logs, 400, "%s/%s", s->top, name);
    snprintf(json, 400, "%s/%s.json", s->top, name);
    char *argv[] = {s->shmcheck, "-q",    "--isolate", "--log-dir", logs,
                    "--json",    json,    "--",        args[0],     args[1],
                    args[2],     args[3], NULL};
    /* 23: the default error status, which the invalid detaches give */
    return bench_run_ok(argv, bench_env(NULL), BENCH_HWM, r, 0, 23);
}

static int baddt(const struct setup *s)
{
    char logs[400], json[400];
    char *args[] = {s->prog, "baddt", BADDT, NULL};
    struct bench_run r;

    if (kept_run(s, "baddt", args, logs, json, &r) != 0)
        return -1;
    bench_figure("500000 invalid detaches, under shmcheck", r.ns / 1e9, "s");
    bench_goal("500000 invalid detaches, findings",
               (double)bench_count_in_file(json, "\"kind\":"), 1, "");
    bench_goal("500000 invalid detaches, JSON report",
               (double)bench_file_bytes(json) / 1024, 100, "KB");
    bench_figure("500000 invalid detaches, journals",
                 (double)bench_dir_bytes(logs, ".shmj") / (1 << 20), "MB");
    bench_figure("500000 invalid detaches, shmcheck's own peak RSS",
                 r.hwm_kb / 1024.0, "MB");
    bench_rmtree(logs);
    remove(json);
    return 0;
}

static int threads(const struct setup *s, char *pairs)
{
    char logs[400], json[400], what[160];
    char *args[] = {s->prog, "threads", pairs, THREADS};
    struct bench_run r;

    if (kept_run(s, "threads", args, logs, json, &r) != 0)
        return -1;
    snprintf(what, sizeof what,
             "%s attach+detach pairs over " THREADS " threads", pairs);
    bench_figure(what, r.ns / 1e9, "s");
    snprintf(what, sizeof what, "%s pairs, journals", pairs);
    bench_goal(what, (double)bench_dir_bytes(logs, ".shmj") / (1 << 20), 64,
               "MB");
    snprintf(what, sizeof what, "%s pairs, records lost", pairs);
    bench_goal(what, (double)bench_journals_lost(logs), 0, "");
    snprintf(what, sizeof what, "%s pairs, shmcheck's own peak RSS", pairs);
    bench_figure(what, r.hwm_kb / 1024.0, "MB");
    bench_rmtree(logs);
    remove(json);
    return 0;
}

int main(int argc, char **argv)
{
    char *pairs = argc > 3 ? argv[3] : "10000000";
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    char top[300];
    struct stat sb;

    if (argc < 3 || atol(pairs) < 1 || rounds < 1 ||
        rounds > BENCH_MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_scale SHMCHECK BENCH_PROG [PAIRS [ROUNDS "
                "1..%d]]\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    for (int i = 1; i < 3; i++)
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "bench_scale: %s: not found\n", argv[i]);
            return 1;
        }
    if (bench_tmpdir(top, sizeof top) != 0)
        return 1;
    struct setup s = {argv[1], argv[2], top};
    bench_machine();
    printf("bench_scale: medians of %d paired runs (segments), one run "
           "each (the others)\n",
           rounds);
    int rc = segments(&s, rounds);
    if (rc == 0)
        rc = baddt(&s);
    if (rc == 0)
        rc = threads(&s, pairs);
    bench_rmtree(top);
    return rc == 0 ? 0 : 1;
}
