/*
 * traced_basic.c - traced_prog's subcommands for one process's calls and
 * its ways out: threads, fork, exec of itself, leaks and unmatched
 * attaches, scale, closed fds, results and errno, posix_spawn.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

#define THREADS 8
#define ROUNDS 10000

static void *worker(void *arg)
{
    int id = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++)
        if (shmdt(attach(id)) != 0)
            return (void *)1;
    return NULL;
}

/* 8 threads attach and detach 10,000 times each, then clean up: no
 * finding, and the journal holds exactly 80,000 of each. */
int cmd_threads(void)
{
    pthread_t t[THREADS];
    int id = make(4096), bad = 0;

    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, &id);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    shmctl(id, IPC_RMID, NULL);
    return bad;
}

/* The parent creates and attaches, the child inherits the attachment and
 * ends without detaching; the parent detaches and never removes: one leak,
 * reported by the parent only, and one inherited unmatched attach in the
 * child. */
int cmd_forked(void)
{
    int id = make(4096), status;
    void *p = attach(id);
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    printf("child %d\n", (int)pid);
    shmdt(p);
    return 0;
}

/* Attach, then exec: the attachment ends by exec; the new image (this
 * program again, "clean") is traced too. */
int cmd_execs(const char *self)
{
    int id = make(4096);
    attach(id);
    shmctl(id, IPC_RMID, NULL);
    execl(self, self, "clean", (char *)NULL);
    perror("traced_prog: execl");
    return 2;
}

int cmd_clean(void)
{
    int id = make(4096);
    shmdt(attach(id));
    shmctl(id, IPC_RMID, NULL);
    printf("clean %d\n", (int)getpid());
    return 0;
}

/* A leak and an unmatched attach, then the way out named by how (exit1:
 * exit(1)). */
int cmd_leave(const char *how)
{
    int id = make(4096);
    attach(id);
    printf("ready\n");
    fflush(stdout);
    if (strcmp(how, "_exit") == 0)
        _exit(0);
    if (strcmp(how, "_Exit") == 0)
        _Exit(0);
    if (strcmp(how, "kill") == 0)
        raise(SIGKILL);
    if (strcmp(how, "abort") == 0)
        abort();
    if (strcmp(how, "segv") == 0)
        raise(SIGSEGV);
    exit(strcmp(how, "exit1") == 0);
}

/* 2,000 segments and 20,000 live attachments at once, then all undone. */
int cmd_scale(void)
{
    enum { SEGS = 2000, PER = 10 };
    static int id[SEGS];
    static void *p[SEGS][PER];

    for (int i = 0; i < SEGS; i++)
        id[i] = make(4096);
    for (int i = 0; i < SEGS; i++)
        for (int k = 0; k < PER; k++)
            p[i][k] = attach(id[i]);
    for (int i = 0; i < SEGS; i++) {
        for (int k = 0; k < PER; k++)
            shmdt(p[i][k]);
        shmctl(id[i], IPC_RMID, NULL);
    }
    return 0;
}

/* Like a daemon: closes every fd, then goes on using shared memory past a
 * journal chunk (1 MiB) and leaks one segment at the end. */
int cmd_closefds(void)
{
    for (int fd = 0; fd < 1024; fd++)
        close(fd);
    int id = make(4096);
    for (int i = 0; i < 20000; i++)
        shmdt(attach(id));
    make(4096); /* the leak */
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

int cmd_results(void)
{
    int id = make(8192);
    void *p = shmat(id, NULL, 0);
    long r;

    errno = 1234;
    r = shmget(0x7e57, 0, 0);
    show("shmget(missing)", r);
    r = shmget(0x7e58, 10, IPC_CREAT | IPC_EXCL | 0600) >= 0;
    show("shmget(excl)", r);
    r = shmget(0x7e58, 10, IPC_CREAT | IPC_EXCL | 0600);
    show("shmget(excl again)", r);
    r = (long)shmat(-1, NULL, 0);
    show("shmat(bad id)", r);
    r = shmdt(p);
    show("shmdt", r);
    r = shmdt(p);
    show("shmdt(again)", r);
    r = shmctl(id, 99, NULL);
    show("shmctl(bad cmd)", r);
    r = ftok("/nonexistent/x", 1);
    show("ftok(missing)", r);
    r = ftok("/", 1) != -1;
    show("ftok(/)", r);
    r = shmctl(shmget(0x7e58, 0, 0), IPC_RMID, NULL);
    show("rmid(key)", r);
    r = shmctl(id, IPC_RMID, NULL);
    show("rmid", r);
    return 0;
}

/* 40 leaked segments and 40 unmatched attaches from one call site: the
 * report groups and caps them. */
int cmd_many(void)
{
    for (int i = 0; i < 40; i++)
        attach(make(4096));
    return 0;
}

/* posix_spawn of this program ("clean") with an environment that has no
 * LD_PRELOAD: the tracer puts itself back, so the child is traced too. */
int cmd_spawn(const char *self)
{
    char *argv[] = {(char *)self, "clean", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    pid_t pid;
    int status;

    if (posix_spawn(&pid, self, NULL, NULL, argv, envp) != 0)
        return 2;
    waitpid(pid, &status, 0);
    printf("spawned %d\n", (int)pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

/* execle with its own environment: the program keeps its argv and env. */
int cmd_execle_self(const char *self)
{
    char *envp[] = {"TPROG_MARK=execle", NULL};
    execle(self, self, "env", (char *)NULL, envp);
    perror("traced_prog: execle");
    return 2;
}

int cmd_show_env(void)
{
    const char *m = getenv("TPROG_MARK");
    printf("mark %s\n", m ? m : "(none)");
    return 0;
}

/* Lists this process's open fds (the tracer must add none). */
int cmd_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int own = dirfd(d);

    shmctl(make(4096), IPC_RMID, NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && atoi(e->d_name) != own)
            printf("fd %s\n", e->d_name);
    closedir(d);
    return 0;
}
