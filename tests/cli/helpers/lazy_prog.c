/*
 * lazy_prog - what a process pays for its journal only once it needs one
 * (tests/cli/test_lazy.py):
 *   errno   sets errno to 77, makes its first System V call (the journal
 *           is made inside it) and prints errno: the program's own value
 *           must survive;
 *   forks   attaches a segment and forks a child that inherits it (it
 *           needs a journal at once, for its INHERIT record) and exits
 *           attached; then detaches its own and forks a second child,
 *           which holds nothing and makes no System V call (no journal),
 *           and a third, which attaches and exits attached (its journal
 *           is made at that first call). Prints "inherit PID", "plain
 *           PID" and "late PID";
 *   nofile  lowers its file size limit to one byte, then makes its first
 *           System V call: its journal cannot be made then;
 *   fill D  fills the file system of directory D (a file D/fill, written
 *           until no byte is left), makes its first System V call (its
 *           journal cannot be made: no space), then removes D/fill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int first_call(void)
{
    errno = 77;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int kept = errno;

    if (id < 0)
        return 2;
    shmctl(id, IPC_RMID, NULL);
    printf("errno %d\n", kept);
    return 0;
}

static pid_t child(int (*body)(int), int id)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(body(id));
    return pid;
}

static int keep_inherited(int id)
{
    (void)id;
    return 0; /* exit detaches it: an inherited unmatched attach */
}

static int plain(int id)
{
    (void)id;
    return 0;
}

static int late(int id)
{
    return shmat(id, NULL, 0) == (void *)-1 ? 2 : 0; /* left attached */
}

static int forks(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *a = shmat(id, NULL, 0);
    pid_t p[3];

    if (id < 0 || a == (void *)-1)
        return 2;
    p[0] = child(keep_inherited, id);
    waitpid(p[0], NULL, 0);
    shmdt(a);
    p[1] = child(plain, id);
    waitpid(p[1], NULL, 0);
    p[2] = child(late, id);
    waitpid(p[2], NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    printf("inherit %d\nplain %d\nlate %d\n", (int)p[0], (int)p[1], (int)p[2]);
    return 0;
}

static int no_room(void)
{
    struct rlimit rl = {1, 1};

    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 2;
    return first_call();
}

static int fill(const char *dir)
{
    static char block[4096];
    char path[4096];
    int fd, r;

    snprintf(path, sizeof path, "%s/fill", dir);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        return 2;
    while (write(fd, block, sizeof block) > 0)
        ;
    while (write(fd, block, 1) > 0) /* the last bytes of a block */
        ;
    close(fd);
    r = first_call();
    unlink(path);
    return r;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";

    if (!strcmp(c, "errno"))
        return first_call();
    if (!strcmp(c, "forks"))
        return forks();
    if (!strcmp(c, "nofile"))
        return no_room();
    if (!strcmp(c, "fill") && argc > 2)
        return fill(argv[2]);
    return 2;
}
