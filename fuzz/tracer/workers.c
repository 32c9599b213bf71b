/*
 * workers.c - fuzz_tracer's traced processes (tracer_worker, protocol.h):
 * the first one started with the tracer preloaded and every slot's pipes,
 * commands and answers, and the wait for one to end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

/* The engines' timers (libFuzzer's SIGALRM) interrupt blocking calls:
 * retry them rather than take EINTR for a dead worker. */
ssize_t full(int fd, void *buf, size_t len, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? write(fd, (char *)buf + done, len - done)
                            : read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return done ? (ssize_t)done : n;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

struct w_reply ask(struct world *w, int slot, const struct w_cmd *c)
{
    struct w_reply r;
    if (full(w->cmd[slot], (void *)c, sizeof *c, 1) != (ssize_t)sizeof *c ||
        full(w->reply[slot], &r, sizeof r, 0) != (ssize_t)sizeof r)
        fail(w, "a worker stopped answering");
    return r;
}

struct w_reply hello(struct world *w, int slot)
{
    struct w_reply r;
    if (full(w->reply[slot], &r, sizeof r, 0) != (ssize_t)sizeof r)
        fail(w, "a worker did not start");
    w->bogus[slot] = r.bogus;
    return r;
}

/* Slot 0's process, with every slot's pipes and the life pipe. */
int start(struct world *w, int *life)
{
    int in[W_SLOTS][2], out[W_SLOTS][2], lp[2];
    char env_pre[PATH_MAX + 16], env_log[PATH_MAX + 32];
    pid_t pid;

    if (pipe(lp) != 0)
        return -1;
    for (int s = 0; s < W_SLOTS; s++)
        if (pipe2(in[s], O_CLOEXEC) != 0 || pipe2(out[s], O_CLOEXEC) != 0)
            return -1;
    snprintf(env_pre, sizeof env_pre, "LD_PRELOAD=%s", tracer_path);
    snprintf(env_log, sizeof env_log, "SHMCHECK_LOG_DIR=%s", journal_dir);
    char *envp[] = {env_pre,
                    env_log,
                    "SHMCHECK_REPORT=none",
                    "SHMCHECK_EXITCODE=0",
                    "SHMCHECK_STACKS=off",
                    NULL};
    if ((pid = fork()) == 0) {
        /* Out of the way first, so that no dup2 below hits a pipe end
         * still to be moved; dup2 then clears O_CLOEXEC. */
        int high[2 * W_SLOTS + 1];
        high[2 * W_SLOTS] = fcntl(lp[1], F_DUPFD, 100);
        for (int s = 0; s < W_SLOTS; s++) {
            high[2 * s] = fcntl(in[s][0], F_DUPFD, 100);
            high[2 * s + 1] = fcntl(out[s][1], F_DUPFD, 100);
        }
        dup2(high[2 * W_SLOTS], W_LIFE);
        for (int s = 0; s < W_SLOTS; s++) {
            dup2(high[2 * s], W_FD + 2 * s);
            dup2(high[2 * s + 1], W_FD + 2 * s + 1);
        }
        execve(worker_path, (char *[]){worker_path, "0", NULL}, envp);
        _exit(127);
    }
    close(lp[1]);
    for (int s = 0; s < W_SLOTS; s++) {
        close(in[s][0]);
        close(out[s][1]);
        w->cmd[s] = in[s][1];
        w->reply[s] = out[s][0];
    }
    *life = lp[0];
    return pid;
}

/* Returns once process pid has ended: the answer to W_EXIT comes before
 * its exit, and the model takes an exit to detach everything at once. A
 * pidfd turns readable when the process is a zombie, after the kernel
 * released its memory and with it its attachments (an AFL++ run saw
 * IPC_STAT still find a segment an exiting child kept attached). */
void wait_gone(struct world *w, pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int n;

    if (fd < 0) {
        if (errno == ESRCH)
            return; /* already reaped */
        fail(w, "pidfd_open of an exiting worker failed");
    }
    while ((n = poll(&pf, 1, 5000)) < 0 && errno == EINTR)
        ;
    close(fd);
    if (n != 1)
        fail(w, "a worker did not end within 5 s of its exit");
}
