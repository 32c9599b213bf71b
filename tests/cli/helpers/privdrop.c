/*
 * privdrop.c - a server that starts as root and drops to nobody, for
 * tests/cli/test_credentials.py. Each finding it makes has a known stack.
 *
 *   privdrop self        creates and attaches a segment as root, drops to
 *                        nobody with its own setgroups/setgid/setuid, then
 *                        runs the workers (below) in that process
 *   privdrop TOOL        creates and attaches as root, then runs
 *                        "TOOL ... privdrop workers SHMID" (TOOL: runuser,
 *                        su, setpriv or sudo) and waits for it
 *   privdrop workers ID  as nobody: attaches segment ID, makes its journal
 *                        grow (2000 attach/detach pairs), forks a worker
 *                        that exits attached and one that detaches twice,
 *                        waits for both and exits attached
 *
 * Findings: the segment leaked (created in create_segment, never
 * removed); the root image's attachment unmatched (attach_as_root); the
 * nobody image's unmatched (attach_as_nobody) and the first worker's
 * inherited one; the second worker's double detach (detach_twice).
 * Prints one line on stdout and exits 0.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static __attribute__((noinline)) int create_segment(void)
{
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
}

static __attribute__((noinline)) void *attach_as_root(int id)
{
    return shmat(id, NULL, 0);
}

static __attribute__((noinline)) void *attach_as_nobody(int id)
{
    return shmat(id, NULL, 0);
}

static __attribute__((noinline)) void detach_twice(void *p)
{
    shmdt(p);
    shmdt(p); /* EINVAL: a double detach */
}

static void grow_journal(int id)
{
    for (int i = 0; i < 2000; i++) {
        void *q = shmat(id, NULL, SHM_RDONLY);
        if (q == (void *)-1 || shmdt(q) != 0)
            exit(3);
    }
}

static void wait_for(pid_t pid)
{
    int status;

    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        exit(4);
}

static int workers(int id, void *p)
{
    pid_t a, b;

    if (getuid() != NOBODY || geteuid() != NOBODY)
        return 5;
    if (p == NULL && (p = attach_as_nobody(id)) == (void *)-1)
        return 6;
    grow_journal(id);
    if ((a = fork()) == 0)
        _exit(0); /* exits attached: an inherited unmatched attach */
    wait_for(a);
    if ((b = fork()) == 0) {
        detach_twice(p);
        _exit(0);
    }
    wait_for(b);
    printf("privdrop: workers done as uid %d\n", (int)getuid());
    return 0; /* exits attached */
}

static int drop_self(void)
{
    return setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0
               ? 0
               : -1;
}

/* Runs "TOOL ... self workers ID" in a child and waits for it. */
static int through(const char *tool, int id)
{
    char self[4096], ids[16], cmd[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    pid_t pid;

    if (n <= 0)
        return 7;
    self[n] = '\0';
    snprintf(ids, sizeof ids, "%d", id);
    snprintf(cmd, sizeof cmd, "%s workers %s", self, ids);
    fflush(stdout);
    if ((pid = fork()) == 0) {
        if (strcmp(tool, "runuser") == 0)
            execlp("runuser", "runuser", "-u", "nobody", "--", self, "workers",
                   ids, (char *)NULL);
        else if (strcmp(tool, "su") == 0)
            execlp("su", "su", "nobody", "-s", "/bin/sh", "-c", cmd,
                   (char *)NULL);
        else if (strcmp(tool, "setpriv") == 0)
            execlp("setpriv", "setpriv", "--reuid=65534", "--regid=65534",
                   "--clear-groups", self, "workers", ids, (char *)NULL);
        else if (strcmp(tool, "sudo") == 0)
            execlp("sudo", "sudo", "-u", "nobody", self, "workers", ids,
                   (char *)NULL);
        _exit(127);
    }
    wait_for(pid);
    return 0;
}

int main(int argc, char **argv)
{
    int id;
    void *p;

    if (argc == 3 && strcmp(argv[1], "workers") == 0)
        return workers(atoi(argv[2]), NULL);
    if (argc != 2 || getuid() != 0)
        return 2;
    if ((id = create_segment()) < 0 || (p = attach_as_root(id)) == (void *)-1)
        return 8;
    if (strcmp(argv[1], "self") == 0)
        return drop_self() == 0 ? workers(id, p) : 9;
    return through(argv[1], id);
}
