/*
 * children_report - the classic exercise: a parent starts N children; each
 * sleeps a random short time, computes a result and reports it through
 * shared memory, not through its exit status. The parent waits for each
 * child and prints every result.
 *
 *     children_report [N]      (1..16, default 4)
 *
 * Built a second time as children_report_leaky (-DSHMC_FORGET_RMID), which
 * forgets IPC_RMID: the demo runs both under shmcheck.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmcheck.h"

#define MAX_CHILDREN 16

struct results {
    unsigned count;
    struct slot {
        pid_t pid;
        unsigned long value;
        unsigned done;
    } slot[MAX_CHILDREN];
};

/* The work a child does: the sum of the first 1000*(i+1) odd numbers. */
static unsigned long work(int i)
{
    unsigned long sum = 0, n = 1000UL * (unsigned long)(i + 1);
    for (unsigned long k = 0; k < n; k++)
        sum += 2 * k + 1;
    return sum;
}

static void child(struct shmc_typed *t, int i)
{
    struct results *r = t->data;
    unsigned seed = (unsigned)getpid();
    struct timespec nap = {0, (long)(rand_r(&seed) % 20) * 1000000L};

    nanosleep(&nap, NULL); /* the exercise: children finish in any order */
    r->slot[i].pid = getpid();
    r->slot[i].value = work(i);
    r->slot[i].done = 1;
    /* _exit skips cleanup handlers: detach by hand (the kernel would too). */
    shmc_typed_detach(t);
    _exit(0);
}

int main(int argc, char **argv)
{
    struct shmc_typed t;
    enum shmc_err err;
    int n = argc > 1 ? atoi(argv[1]) : 4, failed = 0, removed = 0;
    pid_t pids[MAX_CHILDREN];

    if (n < 1 || n > MAX_CHILDREN) {
        fprintf(stderr, "children_report: N must be 1..%d\n", MAX_CHILDREN);
        return 2;
    }
    err = shmc_typed_create(
        IPC_PRIVATE, SHMC_TYPED_FIELDS(struct results, count, slot), 0600, &t);
    if (err != SHMC_OK) {
        fprintf(stderr, "children_report: %s\n", shmc_strerror(err));
        return 1;
    }
    ((struct results *)t.data)->count = (unsigned)n;
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            child(&t, i);
        if (pids[i] < 0) {
            perror("children_report: fork");
            n = i;
            failed = 1;
        }
    }
    for (int i = 0; i < n; i++) {
        const struct slot *s = &((struct results *)t.data)->slot[i];
        int status;
        waitpid(pids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !s->done ||
            s->pid != pids[i]) {
            printf("child %d pid %d: no result\n", i, (int)pids[i]);
            failed = 1;
            continue;
        }
        printf("child %d pid %d: result %lu\n", i, (int)s->pid, s->value);
    }
#ifdef SHMC_FORGET_RMID
    /* The bug shmcheck finds: detached, never removed (see make demo). */
    err = shmc_typed_detach(&t);
    removed = 1;
#else
    err = shmc_typed_release(&t, &removed);
#endif
    if (err != SHMC_OK || !removed) {
        fprintf(stderr, "children_report: release: %s\n", shmc_strerror(err));
        return 1;
    }
    return failed;
}
