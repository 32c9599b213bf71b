/*
 * traced_abort.c - what SHMCHECK_ON_ERROR=abort does at the end of a
 * process image: the ways a leak ends (exit, _exit, exec, a segment
 * already marked for removal, a SIGABRT handler), and a fork server whose
 * children leak, as AFL++'s runs an unmodified program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

static void on_abrt(int sig)
{
    static const char msg[] = "handler\n";

    (void)sig;
    (void)!write(1, msg, sizeof msg - 1);
}

/* Leaves a segment attached (how says which way out), having written
 * "buffered" to stdout without a flush: whether it comes out tells
 * whether stdio was flushed. "rmid": the segment is marked for removal
 * first (no finding); "clean": nothing left, exit status 7; "exec": the
 * image leaks and execs "abort-leak clean"; "handler": a SIGABRT handler
 * that returns; "return": returns from main. */
int cmd_abort_leak(const char *self, const char *how)
{
    int id;

    if (strcmp(how, "clean") == 0)
        return shm_cycle() == 0 ? 7 : 2;
    id = make(4096);
    attach(id);
    printf("segment %d\n", id);
    fflush(stdout);
    if (strcmp(how, "exec") == 0) {
        execl(self, self, "abort-leak", "clean", (char *)NULL);
        return 2;
    }
    if (strcmp(how, "rmid") == 0 && shmctl(id, IPC_RMID, NULL) != 0)
        return 2;
    if (strcmp(how, "handler") == 0)
        signal(SIGABRT, on_abrt);
    printf("buffered\n");
    if (strcmp(how, "_exit") == 0)
        _exit(0);
    if (strcmp(how, "_Exit") == 0)
        _Exit(0);
    if (strcmp(how, "return") == 0)
        return 0;
    exit(0);
}

/* A fork server: forks n children, each of which leaks a segment and
 * exits (arg "N" or "N:_exit"); counts those that died of SIGABRT and
 * the segments gone after them; exits 0 whatever they did. */
int cmd_abort_forks(const char *arg)
{
    int n = atoi(arg), aborted = 0, gone = 0;
    const char *how = strchr(arg, ':') ? strchr(arg, ':') + 1 : "exit";

    for (int i = 0; i < n; i++) {
        int p[2], id = -1, status;
        pid_t pid;
        struct shmid_ds ds;

        fflush(stdout);
        if (pipe(p) != 0 || (pid = fork()) < 0)
            return 2;
        if (pid == 0) {
            close(p[0]);
            leak_and_end(p[1], how); /* a run that leaks */
        }
        close(p[1]);
        if (read(p[0], &id, sizeof id) != sizeof id ||
            waitpid(pid, &status, 0) != pid)
            return 2;
        close(p[0]);
        aborted += WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        gone += shmctl(id, IPC_STAT, &ds) != 0 && errno == EINVAL;
    }
    printf("aborted %d of %d, %d gone\n", aborted, n, gone);
    return 0;
}
