/*
 * worker_main.c - tracer_worker, a traced process for fuzz_tracer: it runs with
 * libshmcheck-trace.so preloaded and makes the raw System V calls its
 * driver asks for, one command at a time (protocol.h). Forked children
 * (fork, or a raw clone, which runs no atfork handler) serve another slot;
 * exec starts this program again, traced again. W_SETUID drops root to
 * nobody for good; segments are made with mode 0666, so that such a
 * process may still get, attach and stat all of them.
 *
 *     tracer_worker SLOT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protocol.h"

static int slot;
static int64_t bogus; /* a reserved page: never an attachment start */
static long fill;     /* ftok calls before each hello (W_FILL_ENV) */
static int adopt;     /* W_ADOPT_ENV: a clone child's ftok call    */

static int fd_in(void)
{
    return W_FD + 2 * slot;
}
static int fd_out(void)
{
    return W_FD + 2 * slot + 1;
}

static void answer(int64_t ret, int err)
{
    struct w_reply r = {ret, err, (int32_t)getpid(), bogus};
    if (write(fd_out(), &r, sizeof r) != (ssize_t)sizeof r)
        _exit(3);
}

/* The first answer of a new image or child, after its fill. */
static void hello(void)
{
    void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    for (long i = 0; i < fill; i++)
        (void)ftok("/", 1);
    bogus = p == MAP_FAILED ? 4096 : (int64_t)(uintptr_t)p;
    answer(0, 0);
}

static void serve(const struct w_cmd *c, char *self)
{
    struct shmid_ds ds;
    char arg[16];
    int64_t r;
    pid_t pid;

    errno = 0;
    switch (c->op) {
    case W_GET:
        r = shmget(c->key, (size_t)c->size, c->flags | 0666);
        break;
    case W_AT:
        r = (int64_t)(intptr_t)shmat((int)c->arg, NULL, 0);
        break;
    case W_DT:
        r = shmdt((void *)(uintptr_t)c->arg);
        break;
    case W_RMID:
        r = shmctl((int)c->arg, IPC_RMID, NULL);
        break;
    case W_STAT:
        r = shmctl((int)c->arg, IPC_STAT, &ds);
        break;
    case W_FORK:
    case W_CLONE:
        pid = c->op == W_FORK
                  ? fork()
                  : (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
        if (pid == 0) {
            slot = c->slot;
            if (c->op == W_CLONE && adopt)
                (void)ftok("/", 1);
            hello();
            return;
        }
        r = pid;
        break;
    case W_SETUID:
        r = setgroups(0, NULL) == 0 && setgid(W_NOBODY) == 0 &&
                    setuid(W_NOBODY) == 0
                ? 0
                : -1;
        break;
    case W_EXIT:
        answer(0, 0);
        exit(0);
    case W_EXEC:
        snprintf(arg, sizeof arg, "%d", slot);
        execl(self, self, arg, (char *)NULL);
        r = -1;
        break;
    default:
        r = -1;
        errno = EINVAL;
        break;
    }
    answer(r, r == -1 ? errno : 0);
}

int main(int argc, char **argv)
{
    struct w_cmd c;

    if (argc != 2)
        return 2;
    slot = atoi(argv[1]);
    fill = getenv(W_FILL_ENV) ? atol(getenv(W_FILL_ENV)) : 0;
    adopt = getenv(W_ADOPT_ENV) != NULL;
    hello();
    while (read(fd_in(), &c, sizeof c) == (ssize_t)sizeof c)
        serve(&c, argv[0]);
    return 0;
}
