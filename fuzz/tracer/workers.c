/*
 * workers.c - fuzz_tracer's traced processes (tracer_worker, protocol.h):
 * the first one started with the tracer preloaded and every slot's pipes,
 * commands and answers, the wait for one to end, and the reaping of all
 * of them with their exit statuses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "journal/space.h" /* SHMC_JCAP_ENV */

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

/* The workers' environment, as the CLI gives its tree (src/cli/run.c),
 * with the journal cap and the fill of a capped run. */
struct env {
    char pre[PATH_MAX + 16], log[PATH_MAX + 32], cap[64], fill[64];
    char *v[12];
};

static void make_env(const struct world *w, struct env *e)
{
    int n = 0;

    snprintf(e->pre, sizeof e->pre, "LD_PRELOAD=%s", tracer_path);
    snprintf(e->log, sizeof e->log, "SHMCHECK_LOG_DIR=%s", journal_dir);
    e->v[n++] = e->pre;
    e->v[n++] = e->log;
    e->v[n++] = "SHMCHECK_REPORT=none";
    e->v[n++] = "SHMCHECK_EXITCODE=0";
    e->v[n++] = "SHMCHECK_STACKS=off";
    if (broker_env != NULL)
        e->v[n++] = (char *)broker_env;
    if (!orphan_clones)
        e->v[n++] = W_ADOPT_ENV "=1";
    if (w->on_error)
        e->v[n++] = "SHMCHECK_ON_ERROR=abort";
    if (w->errors_env != NULL)
        e->v[n++] = (char *)w->errors_env;
    if (w->cap != 0) {
        snprintf(e->cap, sizeof e->cap, "%s=%u", SHMC_JCAP_ENV, w->cap);
        snprintf(e->fill, sizeof e->fill, "%s=%u", W_FILL_ENV, w->fill);
        e->v[n++] = e->cap;
        e->v[n++] = e->fill;
    }
    e->v[n] = NULL;
}

/* Slot 0's process, with every slot's pipes and the life pipe. */
int start(struct world *w, int *life)
{
    int in[W_SLOTS][2], out[W_SLOTS][2], lp[2];
    static struct env env;
    pid_t pid;

    if (pipe(lp) != 0)
        return -1;
    for (int s = 0; s < W_SLOTS; s++)
        if (pipe2(in[s], O_CLOEXEC) != 0 || pipe2(out[s], O_CLOEXEC) != 0)
            return -1;
    make_env(w, &env);
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
        if (w->on_error) /* no core file for each abort */
            setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        execve(worker_path, (char *[]){worker_path, "0", NULL}, env.v);
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

/* Records the status of worker pid: 1 if it is the one predicted (exit
 * 0, or SIGABRT for one abort.c said aborts), -1 if not, 0 if pid was
 * not a worker still to reap. */
static int reaped(struct world *w, pid_t pid, int status)
{
    for (int s = 0; s < 64; s++)
        if (w->pid_of_serial[s] == pid && w->status_of_serial[s] == -1) {
            w->status_of_serial[s] = status;
            if (w->aborts_of_serial[s])
                return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? 1
                                                                          : -1;
            return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : -1;
        }
    return 0;
}

void reap_all(struct world *w)
{
    const struct timespec nap = {0, 200000}; /* 10 s in all at most */
    int left = 0, status, ok;
    pid_t pid;

    for (int s = 0; s < 64; s++) {
        w->status_of_serial[s] = -1;
        left += w->pid_of_serial[s] != 0;
    }
    /* No blocking wait: the sanitizer's llvm-symbolizer is a child too.
     * ECHILD: every descendant has been reaped. */
    for (long naps = 0; left > 0 && naps < 50000;) {
        if ((pid = waitpid(-1, &status, WNOHANG)) < 0 && errno != EINTR)
            break;
        if (pid > 0 && (ok = reaped(w, pid, status)) != 0) {
            left--;
            if (ok > 0)
                continue;
            note(w, "pid %d: wait status %#x\n", (int)pid, status);
            fail(w, "a worker did not end as predicted (exit 0, or SIGABRT)");
        }
        if (pid == 0 && nanosleep(&nap, NULL) == 0)
            naps++;
    }
    if (left > 0)
        fail(w, "a worker was never reaped");
}
