/*
 * channel.c - fuzz_sequence's requests, run in this process (process 0)
 * or sent to a worker through its socket with a 5 s poll for the reply
 * and the worker's pidfd (a hang or a death aborts); and the process
 * events: exits, forks, the end of an input, reaping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "harness.h"

#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

int open_pidfd(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Waits up to TIMEOUT_MS for fd to be readable; 0, or -1 if pidfd (the
 * process) ended first or the time ran out (then *hung is set). */
static int wait_fd(int fd, int pidfd, int *hung)
{
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN},
                            {.fd = pidfd, .events = POLLIN}};
    int n;

    while ((n = poll(fds, pidfd >= 0 ? 2 : 1, TIMEOUT_MS)) < 0 &&
           errno == EINTR)
        ;
    *hung = n == 0;
    return fds[0].revents & POLLIN ? 0 : -1;
}

/* Sends q to process p (not this one) with a fresh sequence number. */
static void post(struct ctx *c, int p, struct req *q)
{
    const struct slot *s = &c->slot[p];

    q->seq = ++workers.seq;
    if (send(s->fd, q, sizeof *q, MSG_NOSIGNAL) != (ssize_t)sizeof *q)
        die(c, "cannot send to process %d (pid %d): %s", p, (int)s->pid,
            strerror(errno));
}

/* Waits for process p's reply to request seq. */
static void collect(struct ctx *c, int p, uint32_t seq, struct rep *r)
{
    const struct slot *s = &c->slot[p];
    int hung;

    if (wait_fd(s->fd, s->pidfd, &hung) != 0)
        die(c, "process %d (pid %d) %s", p, (int)s->pid,
            hung ? "did not answer within 5 s (hang)" : "died");
    if (recv(s->fd, r, sizeof *r, 0) != (ssize_t)sizeof *r || r->seq != seq)
        die(c, "process %d (pid %d) answered out of turn", p, (int)s->pid);
}

/* Runs q in process p: here for process 0, else through its channel. */
void ask(struct ctx *c, int p, struct req *q, struct rep *r)
{
    c->slot[p].dirty = 1;
    if (c->slot[p].kind == S_SELF) {
        run_req(&c->self, q, r);
        return;
    }
    post(c, p, q);
    collect(c, p, q->seq, r);
}

/* Reaps the ended children that are ours (exited orphans come back
 * here: we are their subreaper); block: wait for the oldest as well. */
void reap(int block)
{
    int kept = 0;

    for (int i = 0; i < workers.nreap; i++)
        if (waitpid(workers.reap[i], NULL, block && i == 0 ? 0 : WNOHANG) == 0)
            workers.reap[kept++] = workers.reap[i];
    workers.nreap = kept;
}

/* Slot k's forked child is ending: forget it, reap it later. */
static void forget_child(struct ctx *c, int k)
{
    struct slot *s = &c->slot[k];

    if (workers.nreap == (int)(sizeof workers.reap / sizeof workers.reap[0]))
        reap(1);
    workers.reap[workers.nreap++] = s->pid;
    close(s->pidfd);
    *s = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
}

/* Process p exits now. A forked child exits for real and is waited for
 * (its pidfd is readable once the kernel detached everything); this
 * process and a persistent worker detach everything, as exit does. */
void end_process(struct ctx *c, int p)
{
    struct slot *s = &c->slot[p];
    struct req q = {.kind = s->kind == S_FORKED ? R_EXIT : R_RESET};
    struct rep r;
    int hung;

    if (s->kind == S_FORKED) {
        post(c, p, &q);
        if (wait_fd(s->pidfd, -1, &hung) != 0)
            die(c, "process %d (pid %d) did not exit within 5 s", p,
                (int)s->pid);
        forget_child(c, p);
        reap(0);
        return;
    }
    if (s->dirty)
        ask(c, p, &q, &r);
    s->dirty = 0;
    if (s->kind == S_PERSIST)
        *s = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
}

/* The end of the input: every live process detaches everything, all at
 * once (forked children then _exit without being waited for). */
void end_all(struct ctx *c)
{
    uint32_t seq[MODEL_PROCS] = {0};
    struct req q;
    struct rep r;

    for (int p = 0; p < MODEL_PROCS; p++) {
        const struct slot *s = &c->slot[p];
        if (!c->m.proc[p].alive || !s->dirty)
            continue;
        q = (struct req){.kind = s->kind == S_FORKED ? R_END : R_RESET};
        if (s->kind == S_SELF)
            run_req(&c->self, &q, &r);
        else
            post(c, p, &q);
        seq[p] = q.seq;
    }
    for (int p = 0; p < MODEL_PROCS; p++) {
        if (seq[p] != 0)
            collect(c, p, seq[p], &r);
        if (c->slot[p].kind == S_FORKED)
            forget_child(c, p);
        c->slot[p].dirty = 0;
    }
}

/* Worker p forks; the child becomes process k. */
void do_fork(struct ctx *c, int p, int k, int serial, struct rep *r)
{
    struct req q = {.kind = R_FORK, .arg = k};
    struct slot *s = &c->slot[k];

    ask(c, p, &q, r);
    if (r->err != 0 || r->pid <= 0)
        die(c, "fork in process %d failed: %s", p, strerror(r->err_no));
    *s = (struct slot){.kind = S_FORKED,
                       .pid = r->pid,
                       .fd = workers.fork[k][0],
                       .pidfd = open_pidfd(r->pid),
                       .dirty = 1};
    if (s->pidfd < 0)
        die(c, "forked child %d (pid %d) is already gone", k, (int)r->pid);
    c->serial_pid[serial] = r->pid;
    guard_note_pid(r->pid); /* what it makes goes if we crash */
}

#ifdef __clang__
#pragma clang attribute pop
#endif
