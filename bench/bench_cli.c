/*
 * bench_cli - what the shmcheck CLI costs: `shmcheck -- /bin/true` against
 * `/bin/true`, and the analysis of a run of 100,000 events (`shmcheck
 * --replay` over journals kept from `bench_loop attach 50000`).
 *
 *     bench_cli SHMCHECK LOOP_PROG [ROUNDS]
 *
 * Medians over the rounds; start-up runs alternate bare and checked.
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

#define MAX_ROUNDS 31
#define STARTS 20

extern char **environ;

/* Runs argv with stdout and stderr to /dev/null; its exit status. */
static int run(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = -1;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0)
        waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&fa);
    return status;
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 11;
    double bare[MAX_ROUNDS], checked[MAX_ROUNDS], replay[MAX_ROUNDS];
    char dir[] = "/tmp/shmc-bench-XXXXXX", logs[64];

    if (argc < 3 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_cli SHMCHECK LOOP_PROG [ROUNDS 1..%d]\n",
                MAX_ROUNDS);
        return 2;
    }
    char *t[] = {"/bin/true", NULL};
    char *c[] = {argv[1], "-q", "--", "/bin/true", NULL};
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < STARTS; i++)
            run(t);
        double t1 = now_ns();
        for (int i = 0; i < STARTS; i++)
            run(c);
        bare[r] = (t1 - t0) / STARTS;
        checked[r] = (now_ns() - t1) / STARTS;
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(logs, sizeof logs, "%s/logs", dir);
    char *gen[] = {argv[1], "-q",     "--log-dir", logs, "--",
                   argv[2], "attach", "50000",     NULL};
    char *rep[] = {argv[1], "-q", "--replay", logs, NULL};
    run(gen);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        run(rep);
        replay[r] = now_ns() - t0;
    }
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm) != 0)
        return 1;
    double b = median(bare, rounds), k = median(checked, rounds);
    printf("%d rounds, medians\n", rounds);
    printf("/bin/true: %.2f ms; shmcheck -- /bin/true: %.2f ms; cost %.2f ms\n",
           b / 1e6, k / 1e6, (k - b) / 1e6);
    printf("analysing 100,000 events (shmcheck --replay): %.0f ms\n",
           median(replay, rounds) / 1e6);
    return 0;
}
