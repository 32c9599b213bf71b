/*
 * bench_leakcheck - what SHMC_LEAK_CHECK() costs a libFuzzer harness:
 * the exec/s of leakcheck_fuzz.c (one create/attach/detach/remove per
 * input) built without the check and with it, each bare and with
 * libshmcheck-trace.so preloaded, and each of those built for libFuzzer
 * alone and with ASan. Goal: the check loses at most 10 % of the exec/s
 * of the build without it, bare and under the tracer.
 *
 *     bench_leakcheck TRACE_SO PLAIN CHECK ASAN_PLAIN ASAN_CHECK
 *                     [ROUNDS [RUNS]]
 *
 * Each round runs all eight, each `-runs=RUNS -seed=1` with no corpus (so
 * the two builds of a pair run the same inputs), in its own private
 * directory; the four pairs in an order rotated from round to round, the
 * two runs of a pair next to each other, the check first every other
 * round. A run's exec/s is the harness's own count over its own clock
 * (leakcheck_fuzz.c: the inputs alone, not the process's start and end).
 * The figure is the median over the rounds of each round's loss,
 * 1 - check / without; the raw exec/s medians are shown beside it.
 *
 * Every run must exit 0, say nothing about shmcheck (a clean harness has
 * no finding, and the tracer no report), execute RUNS inputs, and leave
 * the IPC namespace as empty as it found it: run the bench in a private
 * namespace (ci/run-ipcns.sh), which must hold no segment when it starts
 * (the check's cost grows with what the namespace holds).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "stats.h"

#define GOAL 10.0 /* % of exec/s lost to the check, at most */
#define NCONF 8

/* Configuration c: bit 0 the check, bit 1 the tracer, bit 2 ASan. */
#define CHECK(c) ((c)&1)
#define TRACED(c) (((c) >> 1) & 1)
#define ASAN(c) (((c) >> 2) & 1)

struct bench {
    const char *trace_so;
    const char *bin[4]; /* by ASAN(c) * 2 + CHECK(c) */
    char dir[256];      /* private: one run's cwd and output */
    char runs_arg[32];
    long runs;
    double execs[NCONF][BENCH_MAX_ROUNDS];
    double loss[4][BENCH_MAX_ROUNDS]; /* by ASAN * 2 + TRACED */
};

/* Segments in this IPC namespace, -1 when it cannot tell. */
static int segments(void)
{
    struct shm_info info;

    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0)
        return -1;
    return info.used_ids;
}

static void conf_name(int c, char *buf, size_t room)
{
    snprintf(buf, room, "%s, %s, %s", ASAN(c) ? "libFuzzer+ASan" : "libFuzzer",
             TRACED(c) ? "tracer" : "no tracer",
             CHECK(c) ? "check" : "no check");
}

/* Runs one configuration in b->dir, its output to b->dir/log; 0 and the
 * wait status, or -1. */
static int spawn(struct bench *b, int c, int *status)
{
    char prefix[300], *preload = NULL;
    const char *bin = b->bin[ASAN(c) * 2 + CHECK(c)];

    snprintf(prefix, sizeof prefix, "-artifact_prefix=%s/", b->dir);
    if (TRACED(c) && asprintf(&preload, "LD_PRELOAD=%s", b->trace_so) < 0)
        return -1;
    const char *extra[] = {preload, NULL};
    char *argv[] = {(char *)bin, b->runs_arg, "-seed=1", "-print_final_stats=1",
                    prefix,      NULL};
    char **envp = bench_env(extra);
    pid_t pid = fork();
    if (pid == 0) {
        int fd;
        if (chdir(b->dir) != 0 ||
            (fd = open("log", O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
            dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        execve(bin, argv, envp);
        _exit(127);
    }
    free(preload);
    return pid < 0 || waitpid(pid, status, 0) != pid ? -1 : 0;
}

/* The run's exec/s from its log, or -1 (with the reason) when the run
 * did not go as meant. */
static double read_log(struct bench *b, const char *log)
{
    char line[512];
    unsigned long inputs = 0;
    long units = -1;
    double ns = 0;
    FILE *f = fopen(log, "r");

    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "stat::number_of_executed_units: %ld", &units);
        sscanf(line, "leakcheck_fuzz: inputs %lu timed %lf ns", &inputs, &ns);
    }
    if (f)
        fclose(f);
    if (units != b->runs || inputs == 0 || ns <= 0) {
        fprintf(stderr, "units %ld (expected %ld), timed inputs %lu", units,
                b->runs, inputs);
        return -1;
    }
    if (bench_count_in_file(log, "shmcheck:") != 0) {
        fprintf(stderr, "shmcheck reported something (\"shmcheck:\")");
        return -1;
    }
    return inputs / (ns / 1e9);
}

/* One run of configuration c in round r: its exec/s recorded. */
static int run_one(struct bench *b, int c, int r)
{
    char log[300], name[80];
    int status = 0;
    double execs = -1;

    snprintf(log, sizeof log, "%s/log", b->dir);
    if (spawn(b, c, &status) != 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        fprintf(stderr, "wait status 0x%x", status);
    else
        execs = read_log(b, log);
    if (execs > 0 && segments() != 0) {
        fprintf(stderr, "the namespace holds %d segment(s) after it",
                segments());
        execs = -1;
    }
    if (execs < 0) {
        conf_name(c, name, sizeof name);
        fprintf(stderr, ": bench_leakcheck: round %d, %s failed (log %s)\n",
                r + 1, name, log);
        return -1;
    }
    b->execs[c][r] = execs;
    return bench_empty_dir(b->dir);
}

/* Round r: the pairs rotated, the check first in odd rounds. */
static int round_of(struct bench *b, int r)
{
    for (int k = 0; k < 4; k++) {
        int pair = (k + r) % 4, first = r % 2;
        if (run_one(b, pair * 2 + first, r) != 0 ||
            run_one(b, pair * 2 + !first, r) != 0)
            return -1;
        b->loss[pair][r] =
            100 * (1 - b->execs[pair * 2 + 1][r] / b->execs[pair * 2][r]);
    }
    return 0;
}

static void figures(struct bench *b, int rounds)
{
    char what[160], name[80];

    for (int pair = 0; pair < 4; pair++) {
        int asan = pair >> 1, traced = pair & 1;
        for (int check = 0; check < 2; check++) {
            conf_name(pair * 2 + check, name, sizeof name);
            snprintf(what, sizeof what, "%s: exec/s", name);
            bench_figure(what, median(b->execs[pair * 2 + check], rounds), "");
        }
        snprintf(what, sizeof what, "%s, %s: exec/s lost to the check",
                 asan ? "libFuzzer+ASan" : "libFuzzer",
                 traced ? "tracer" : "no tracer");
        if (asan)
            bench_figure(what, median(b->loss[pair], rounds), "%");
        else
            bench_goal(what, median(b->loss[pair], rounds), GOAL, "%");
    }
}

int main(int argc, char **argv)
{
    static struct bench b;
    int rounds = argc > 6 ? atoi(argv[6]) : 11;
    struct stat sb;

    b.runs = argc > 7 ? atol(argv[7]) : 20000;
    if (argc < 6 || rounds < 1 || rounds > BENCH_MAX_ROUNDS || b.runs < 1000) {
        fprintf(stderr,
                "usage: bench_leakcheck TRACE_SO PLAIN CHECK ASAN_PLAIN "
                "ASAN_CHECK [ROUNDS 1..%d [RUNS >= 1000]]\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    /* Absolute: each run's cwd is its private directory. */
    for (int i = 1; i < 6; i++) {
        char *path = realpath(argv[i], NULL);
        if (path == NULL || stat(path, &sb) != 0) {
            fprintf(stderr, "bench_leakcheck: %s: not found\n", argv[i]);
            return 1;
        }
        if (i == 1)
            b.trace_so = path;
        else
            b.bin[i - 2] = path;
    }
    if (segments() != 0) {
        fprintf(stderr, "bench_leakcheck: the IPC namespace holds segments "
                        "(or cannot be read): run it in a private one "
                        "(ci/run-ipcns.sh)\n");
        return 1;
    }
    snprintf(b.runs_arg, sizeof b.runs_arg, "-runs=%ld", b.runs);
    if (bench_tmpdir(b.dir, sizeof b.dir) != 0) {
        perror("bench_leakcheck: temporary directory");
        return 1;
    }
    bench_machine();
    printf("bench_leakcheck: %d rounds of %ld inputs a run, medians\n", rounds,
           b.runs);
    int rc = 0;
    for (int r = 0; r < rounds && rc == 0; r++)
        rc = round_of(&b, r) != 0;
    if (rc == 0) {
        figures(&b, rounds);
        bench_rmtree(b.dir);
    }
    return rc;
}
