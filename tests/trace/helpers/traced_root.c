/*
 * traced_root.c - whose exit status the tracer may change: only the root
 * of the traced tree (the process that first loaded it), never a child
 * the program forked, whether it exits, _exits or execs first.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

/* Creates a segment and leaves it; writes its id to the descriptor named
 * by fd, or with "-" prints it. Exits 0: a leak, then success. */
int cmd_leak_to(const char *fd)
{
    int id = make(4096);

    if (strcmp(fd, "-") == 0)
        printf("segment %d\n", id);
    else if (write(atoi(fd), &id, sizeof id) != sizeof id)
        return 2;
    return 0;
}

/* The root execs: the new image (leak-to -) is the same process. */
int cmd_exec_leaks(const char *self)
{
    fflush(stdout);
    execl(self, self, "leak-to", "-", (char *)NULL);
    perror("traced_prog: execl");
    return 2;
}

/* In the child: a segment left, then the way out named by how. */
static void leaking_child(const char *self, const char *how, int fd)
{
    if (strcmp(how, "exec") == 0) {
        dup2(fd, 3);
        execl(self, self, "leak-to", "3", (char *)NULL);
        _exit(2);
    }
    leak_and_end(fd, how);
}

/* As a test suite's runner: a child leaves a segment and exits 0 (by how:
 * exit, _exit, or exec leak-to); the parent removes the segment after it
 * and exits with the child's status, which the tracer must not change. */
int cmd_child_leaks(const char *self, const char *how)
{
    int p[2], id = -1, status = 0;
    pid_t pid;

    fflush(stdout);
    if (pipe(p) != 0 || (pid = fork()) < 0)
        return 2;
    if (pid == 0) {
        close(p[0]);
        leaking_child(self, how, p[1]);
    }
    close(p[1]);
    if (read(p[0], &id, sizeof id) != sizeof id ||
        waitpid(pid, &status, 0) != pid || shmctl(id, IPC_RMID, NULL) != 0)
        return 2;
    printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/* As cmd_child_leaks, the child started by popen (a shell that execs
 * leak-to): libc spawns the shell without the interposed functions. */
int cmd_popen_leaks(const char *self)
{
    char cmd[4096], line[64];
    int id = -1, status;
    FILE *p;

    snprintf(cmd, sizeof cmd, "exec '%s' leak-to -", self);
    fflush(stdout);
    if ((p = popen(cmd, "r")) == NULL)
        return 2;
    if (fgets(line, sizeof line, p) == NULL ||
        sscanf(line, "segment %d", &id) != 1) {
        pclose(p);
        return 2;
    }
    status = pclose(p);
    if (shmctl(id, IPC_RMID, NULL) != 0)
        return 2;
    printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
