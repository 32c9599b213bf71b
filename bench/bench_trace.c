/*
 * bench_trace - the tracer's cost, side by side in one run: bench_loop's
 * two loops bare, traced with stacks off, fast and full, under
 * `strace -f -e trace=ipc`, and under valgrind (the attach loop also with
 * 2,000 segments and 20,000 live attachments held); then the start-up cost of
 * a program that makes no System V call, bare and traced.
 *
 *     bench_trace LOOP_PROG TRACE_SO [ROUNDS [ITERATIONS]]
 *
 * Each round runs every configuration once, in an order rotated from round
 * to round; the figures are medians over the rounds, ratios to bare.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define MAX_ROUNDS 21
#define STARTS 40 /* program starts per start-up sample */

extern char **environ;

struct config {
    const char *name;
    const char *stacks; /* NULL: not traced */
    const char *wrap[8];
};

static const struct config configs[] = {
    {"bare", NULL, {NULL}},
    {"traced, stacks off", "off", {NULL}},
    {"traced, stacks fast", "fast", {NULL}},
    {"traced, stacks full", "full", {NULL}},
    {"strace -f -e trace=ipc",
     NULL,
     {"strace", "-f", "-e", "trace=ipc", "-o", "/dev/null", NULL}},
    {"valgrind (memcheck)", NULL, {"valgrind", "-q", NULL}},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

static const char *trace_so;

/* Runs prog args under config c; returns what it printed (ns/iter), or
 * -1. With out == NULL just runs it and returns 0. */
static double run(const struct config *c, char *const args[], int want)
{
    char *argv[24], preload[600], stacks[64], *envp[512], buf[128] = "";
    char quiet[] = "SHMCHECK_REPORT=none";
    int n = 0, e = 0, p[2], status;
    pid_t pid;
    posix_spawn_file_actions_t fa;

    for (int i = 0; c->wrap[i]; i++)
        argv[n++] = (char *)c->wrap[i];
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    for (int i = 0; environ[i] && e < 500; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
            strncmp(environ[i], "SHMCHECK_", 9))
            envp[e++] = environ[i];
    if (c->stacks) {
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", trace_so);
        snprintf(stacks, sizeof stacks, "SHMCHECK_STACKS=%s", c->stacks);
        envp[e++] = preload;
        envp[e++] = stacks;
        envp[e++] = quiet; /* "loaded" leaves 20,000 attachments on purpose */
    }
    envp[e] = NULL;
    if (pipe(p) != 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp) != 0)
        return -1;
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    ssize_t got = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    waitpid(pid, &status, 0);
    if (!want)
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
    buf[got > 0 ? got : 0] = '\0';
    char *sp = strchr(buf, ' ');
    return sp ? atof(sp + 1) : -1;
}

static void loops(char *prog, int rounds, char *iters)
{
    static double t[3][NCONFIGS][MAX_ROUNDS];
    char *loop[3] = {"attach", "getrm", "loaded"};

    for (int r = 0; r < rounds; r++)
        for (size_t k = 0; k < NCONFIGS; k++) {
            size_t c = (k + (size_t)r) % NCONFIGS;
            for (int l = 0; l < 3; l++) {
                char *args[] = {prog, loop[l], iters, NULL};
                t[l][c][r] = run(&configs[c], args, 1);
            }
        }
    printf("%-24s %14s %7s %14s %7s %14s %7s\n", "configuration",
           "attach+detach", "ratio", "get+remove", "ratio", "with 20k live",
           "ratio");
    double bare[3];
    for (int l = 0; l < 3; l++)
        bare[l] = median(t[l][0], rounds);
    for (size_t c = 0; c < NCONFIGS; c++) {
        printf("%-24s", configs[c].name);
        for (int l = 0; l < 3; l++) {
            double v = median(t[l][c], rounds);
            printf(" %11.0f ns %6.2fx", v, v / bare[l]);
        }
        printf("\n");
    }
}

/* Start-up: STARTS starts of `prog none`, bare and traced alternating in
 * batches; median per start over the rounds. */
static void startup(char *prog, int rounds)
{
    double bare[MAX_ROUNDS], traced[MAX_ROUNDS];
    char *args[] = {prog, "none", NULL};

    for (int r = 0; r < rounds; r++) {
        for (int side = 0; side < 2; side++) {
            const struct config *c = &configs[side ? 2 : 0];
            double t0 = now_ns();
            for (int i = 0; i < STARTS; i++)
                run(c, args, 0);
            (side ? traced : bare)[r] = (now_ns() - t0) / STARTS;
        }
    }
    double b = median(bare, rounds), t = median(traced, rounds);
    printf("start-up, no System V call: bare %.2f ms, traced %.2f ms, "
           "cost %.2f ms\n",
           b / 1e6, t / 1e6, (t - b) / 1e6);
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 7;
    char *iters = argc > 4 ? argv[4] : "20000";

    if (argc < 3 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_trace LOOP_PROG TRACE_SO [ROUNDS 1..%d "
                "[ITERATIONS]]\n",
                MAX_ROUNDS);
        return 2;
    }
    trace_so = argv[2];
    printf("%d rounds, %s iterations per loop, medians\n", rounds, iters);
    loops(argv[1], rounds, iters);
    startup(argv[1], rounds);
    return 0;
}
