/*
 * many_procs.c - a wide process tree for the HTML report's tests (its
 * size, its timeline): many_procs [N [findings]] forks N children (1000
 * by default), at most 64 running at once; each makes 24 segments of its
 * own, one after another (shmget, shmat, shmdt, shmctl IPC_RMID: 96
 * calls) and one failed shmctl: about 100 System V calls a process,
 * nothing left. With "findings", child 0 also leaks a segment, child 1
 * leaves one attached at its exit, and every 100th child detaches an
 * address twice (an invalid detach); run it under shmcheck --isolate or
 * --cleanup then. Exit status 0, or 1 when a call that must work did not.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 24
#define AT_ONCE 64

static int one_segment(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    char *p;

    if (id < 0)
        return -1;
    p = shmat(id, NULL, 0);
    if (p == (void *)-1)
        return -1;
    p[0] = 1;
    if (shmdt(p) != 0)
        return -1;
    return shmctl(id, IPC_RMID, NULL);
}

/* What child i does with findings: its own mistakes. */
static int mistakes(int i)
{
    int id;
    char *p;

    if (i == 0) /* a leaked segment */
        return shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600) < 0 ? -1 : 0;
    if (i == 1) { /* attached at its exit: an unmatched attach */
        id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        if (id < 0 || (p = shmat(id, NULL, 0)) == (void *)-1)
            return -1;
        return shmctl(id, IPC_RMID, NULL);
    }
    if (i % 100 == 0) { /* detached twice: an invalid detach */
        id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        if (id < 0 || (p = shmat(id, NULL, 0)) == (void *)-1 || shmdt(p) != 0)
            return -1;
        (void)shmdt(p);
        return shmctl(id, IPC_RMID, NULL);
    }
    return 0;
}

static int child(int i, int findings)
{
    for (int r = 0; r < ROUNDS; r++)
        if (one_segment() != 0)
            return 1;
    (void)shmctl(-1, IPC_RMID, NULL); /* fails: a failed call */
    if (findings && mistakes(i) != 0)
        return 1;
    return 0;
}

/* Waits for one child: 0, or 1 when it failed. */
static int reap(void)
{
    int st;

    if (wait(&st) < 0)
        return 1;
    return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int findings = argc > 2 && strcmp(argv[2], "findings") == 0;
    int running = 0, bad = 0;

    for (int i = 0; i < n; i++) {
        pid_t pid;
        if (running == AT_ONCE) {
            bad |= reap();
            running--;
        }
        if ((pid = fork()) < 0)
            return 1;
        if (pid == 0)
            _exit(child(i, findings));
        running++;
    }
    while (running-- > 0)
        bad |= reap();
    return bad;
}
