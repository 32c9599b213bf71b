/*
 * repeat_prog - programs that make one mistake many times, for the
 * grouping of repeated findings (tests/cli/test_group.py):
 *
 *   detach N   the parent and three forked children each call shmdt on an
 *              address that is no attachment N times, all at one call
 *              stack: one invalid_detach of count 4N in 4 processes
 *   two N      the same, N times at each of two call sites: two findings
 *   leaks N    N segments created at one call site and never removed:
 *              one leaked_segment of N segments
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static char not_attached[64];

static __attribute__((noinline)) void detach_bad(long n)
{
    for (long i = 0; i < n; i++)
        shmdt(not_attached + 1); /* the one call site */
}

static __attribute__((noinline)) void detach_elsewhere(long n)
{
    for (long i = 0; i < n; i++)
        shmdt(not_attached + 2); /* another call site */
}

/* Three children, then every process at the same stack: main's one call
 * of detach_bad. */
static int detach(long n)
{
    pid_t kids[3];
    int k, status, bad = 0;

    for (k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] < 0)
            return 2;
        if (kids[k] == 0)
            break;
    }
    detach_bad(n);
    if (k < 3)
        _exit(0);
    for (k = 0; k < 3; k++)
        bad |= waitpid(kids[k], &status, 0) != kids[k] || status != 0;
    return bad ? 2 : 0;
}

static __attribute__((noinline)) int make_segment(void)
{
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* never removed */
}

static int leaks(long n)
{
    for (long i = 0; i < n; i++)
        if (make_segment() < 0)
            return 2;
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

    if (!strcmp(c, "detach"))
        return detach(n);
    if (!strcmp(c, "two")) {
        detach_bad(n);
        detach_elsewhere(n);
        return 0;
    }
    if (!strcmp(c, "leaks"))
        return leaks(n);
    fputs("usage: repeat_prog detach|two|leaks N\n", stderr);
    return 2;
}
