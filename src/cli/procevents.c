/*
 * procevents.c - the tree's processes from the kernel's process events
 * (API, contract and what is kept: procevents.h).
 */
#define _GNU_SOURCE
#include "procevents.h"
#include "procsock.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ACK_WAIT_MS 250 /* for the kernel's answer to the subscribe   */
#define DRAIN_MS 200    /* at stop, at most                           */
#define QUIET_MS 50     /* at stop, nothing for us for that long      */
#define BATCH 256       /* datagrams read between two looks around    */
#define BUSY 24         /* datagrams within WINDOW_MS: a busy system  */
#define WINDOW_MS 20    /* ...then they gather for HOLD_MS            */
#define HOLD_MS 8
#define STILL_BUSY 4   /* datagrams a hold gathered: still busy      */
#define NOT_OURS (-1L) /* by_pid: the pid went to a process outside  */
#define THE_ROOT (-2L) /* what index_of says of the root             */
#define KEY(pid) ((uint64_t)(unsigned)(pid)) /* in by_pid */
static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* /proc/<pid>/comm into comm (16 bytes); unchanged if the pid is gone. */
static void read_comm(int pid, char *comm)
{
    char buf[32];
    snprintf(buf, sizeof buf, "/proc/%d/comm", pid);
    /* LCOV_EXCL_BR_START: gone only by timing */
    int fd = open(buf, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (buf[0] != '\0') {
        /* LCOV_EXCL_BR_STOP */
        memset(comm, 0, 16);
        memcpy(comm, buf, strnlen(buf, 15));
    }
}

/* The entry of pid while it is in the tree, THE_ROOT, or NOT_OURS. */
static long index_of(const struct cli_procevents *pe, int pid)
{
    if (pid == pe->root)
        return THE_ROOT;
    const long *i = shmc_table_get(&pe->by_pid, KEY(pid));
    return i != NULL ? *i : NOT_OURS;
}

/* A process of the tree forked pid; parent is its entry or THE_ROOT. */
static void add(struct cli_procevents *pe, int pid, int ppid, long parent)
{
    int existed;

    if (pe->n == pe->cap) {
        size_t cap = pe->cap != 0 ? 2 * pe->cap : 64;
        struct cli_seen *s = realloc(pe->seen, cap * sizeof *s);
        if (s != NULL) { /* LCOV_EXCL_BR_LINE: only out of memory */
            pe->seen = s;
            pe->cap = cap;
        }
    }
    long *slot = NULL;
    if (pe->n < pe->cap) /* LCOV_EXCL_BR_LINE: only out of memory */
        slot = shmc_table_put(&pe->by_pid, KEY(pid), &existed);
    if (slot == NULL) { /* LCOV_EXCL_BR_LINE: only out of memory */
        pe->lost++;     /* LCOV_EXCL_LINE */
        return;         /* LCOV_EXCL_LINE */
    }
    /* Its pid came back: the entry before ended, seen ending or not. */
    pe->alive -= existed && *slot >= 0 &&      /* LCOV_EXCL_BR_LINE: lost */
                 pe->seen[*slot].status == -1; /* LCOV_EXCL_BR_LINE */
    struct cli_seen *s = &pe->seen[pe->n];
    *s = (struct cli_seen){.pid = pid, .ppid = ppid, .status = -1};
    if (parent >= 0) /* the forking thread's name, else read */
        memcpy(s->comm, pe->seen[parent].comm, sizeof s->comm);
    else
        read_comm(pid, s->comm);
    *slot = (long)pe->n++;
    pe->alive++;
}

/* Each on_*: 1 when the event concerns the tree, else 0. */
static int on_fork(struct cli_procevents *pe, const struct proc_event *ev)
{
    int child = ev->event_data.fork.child_tgid;
    int parent = ev->event_data.fork.parent_tgid;

    if (ev->event_data.fork.child_pid != child)
        return 0; /* a thread */
    long p = index_of(pe, parent);
    if (p != NOT_OURS) {
        add(pe, child, parent, p);
        return 1;
    }
    long *slot = shmc_table_get(&pe->by_pid, KEY(child));
    if (slot == NULL || *slot == NOT_OURS) /* LCOV_EXCL_BR_LINE: twice */
        return 0;
    pe->alive -= pe->seen[*slot].status == -1; /* a pid of ours went out */
    *slot = NOT_OURS;
    return 1;
}

static int on_exec(struct cli_procevents *pe, const struct proc_event *ev)
{
    long i = index_of(pe, ev->event_data.exec.process_tgid);

    if (i < 0)
        return 0;
    struct cli_seen *s = &pe->seen[i];
    memset(s->comm, 0, sizeof s->comm); /* the name before exec is wrong */
    read_comm(s->pid, s->comm);
    /* A thread that is not the leader execs: the old leader ended first
     * (its EXIT came with the process's pid), the process goes on. */
    pe->alive += s->status != -1;
    s->status = -1;
    return 1;
}

/* The status is the leader's, or when the leader ended first
 * (pthread_exit) that of the last of the threads to end. */
static int on_end(struct cli_procevents *pe, const struct proc_event *ev)
{
    long i = index_of(pe, ev->event_data.exit.process_tgid);

    if (i < 0)
        return 0;
    struct cli_seen *s = &pe->seen[i];
    int leader = ev->event_data.exit.process_pid == s->pid;
    if (leader || s->status != -1) { /* else a thread, the leader there */
        pe->alive -= leader & (s->status == -1);
        s->status = (int)ev->event_data.exit.exit_code;
    }
    return 1;
}

/* One message; on_*'s answer, or 2 when it is the kernel's answer to our
 * subscription (its error in *ack_err). */
static int on_event(struct cli_procevents *pe, const struct cn_msg *cn,
                    int *ack_err)
{
    struct proc_event ev = {0};

    memcpy(&ev, cn->data,
           cn->len < sizeof ev ? cn->len : sizeof ev); /* aligned */
    switch (ev.what) {
    case PROC_EVENT_NONE: /* an answer, ours if ack is ours + 1 (not seq:
                             the kernel sets it) */
        *ack_err = (int)ev.event_data.ack.err;
        return 2 * (cn->ack == pe->ack + 1);
    case PROC_EVENT_FORK:
        return on_fork(pe, &ev);
    case PROC_EVENT_EXEC:
        return on_exec(pe, &ev);
    case PROC_EVENT_EXIT:
        return on_end(pe, &ev);
    default:
        return 0;
    }
}

/* Reads one datagram without waiting: on_event's answer for it, -1 when
 * nothing is queued, -2 on a hard error. */
static int read_one(struct cli_procevents *pe, int *ack_err)
{
    union cli_procsock_buf b;
    const struct cn_msg *cn = NULL;
    int overflow, r = cli_procsock_recv(pe->fd, &b, &cn, &overflow);

    pe->lost += overflow;
    pe->datagrams += r >= 0 && !overflow; /* LCOV_EXCL_BR_LINE: ENOBUFS */
    return r == 1 ? on_event(pe, cn, ack_err) : r;
}

/* Reads what is queued, at most BATCH datagrams (the system may fork
 * faster than we read; *empty: all was read): how many concerned the
 * tree, or -1 on a hard error. */
static int drain(struct cli_procevents *pe, int *empty)
{
    int ack_err, r = 0, relevant = 0;

    /* LCOV_EXCL_BR_START: a full batch (a busy system), a hard error */
    for (int i = 0; i < BATCH && (r = read_one(pe, &ack_err)) >= 0; i++)
        relevant += r > 0;
    *empty = r == -1;
    return r == -2 ? -1 : relevant;
    /* LCOV_EXCL_BR_STOP */
}

static void final_drain(struct cli_procevents *pe)
{
    long start = now_ms(), quiet = start;
    struct pollfd p = {pe->fd, POLLIN, 0};

    for (;;) {
        int empty, r = drain(pe, &empty);
        long t = now_ms();
        quiet = r != 0 ? t : quiet;
        long wait = QUIET_MS - (t - quiet), left = DRAIN_MS - (t - start);
        /* LCOV_EXCL_BR_START: each way out is tested, not every mix */
        int done = r < 0 || (empty && pe->alive == 0) || wait <= 0 || left <= 0;
        wait = wait < left ? wait : left;
        /* LCOV_EXCL_BR_STOP */
        if (done)
            return;
        (void)poll(&p, 1, (int)wait);
    }
}

/* Reads the events as they come, one wake-up each while they are few.
 * When they come fast (a shell loop starting thousands of programs: three
 * events each, and the kernel sends those of every process of the
 * machine), a wake-up for each costs the tree more than anything else
 * shmcheck does (an interrupt to another processor, a switch): once BUSY
 * datagrams came within WINDOW_MS, the thread lets them gather for
 * HOLD_MS (the receive buffer holds tens of thousands) and reads them in
 * one go, and again while each hold gathers STILL_BUSY or more. What that
 * costs: the name of a process of the tree that execs and ends within a hold is
 * not read from /proc (the registry or a journal names it when the process that
 * exec'd was traced). The stop pipe ends a hold at once. */
static void *loop(void *arg)
{
    struct cli_procevents *pe = arg;
    struct pollfd p[2] = {{pe->fd, POLLIN, 0}, {pe->stop[0], POLLIN, 0}};
    long window = now_ms(), t;
    unsigned long first = 0, before; /* pe->datagrams: window, drain */
    int empty, busy = 0;

    for (;;) {
        if (poll(p, 2, -1) < 0) /* LCOV_EXCL_BR_LINE: EINTR only */
            continue;           /* LCOV_EXCL_LINE */
        if (p[1].revents != 0)
            break;
        before = pe->datagrams;
        if (p[0].revents != 0 && drain(pe, &empty) < 0) /* LCOV_EXCL_BR_LINE */
            p[0].fd = -1; /* LCOV_EXCL_LINE: broken, never: wait for stop */
        if (busy)         /* still, while a hold gathers a few */
            busy = pe->datagrams - before >= STILL_BUSY;
        else if ((t = now_ms()) - window >= WINDOW_MS) {
            window = t; /* a new window, this drain its first */
            first = before;
            busy = pe->datagrams - first >= BUSY;
        } else
            busy = pe->datagrams - first >= BUSY;
        if (busy) { /* the stop pipe's byte stays for the poll above */
            pe->holds++;
            (void)poll(&p[1], 1, HOLD_MS);
        }
    }
    if (p[0].fd >= 0) /* LCOV_EXCL_BR_LINE: not when broken, never */
        final_drain(pe);
    return NULL;
}

/* Subscribes and waits for the kernel's answer, keeping the events that
 * come first; 0, or -1 with errno (ETIMEDOUT: no answer). */
static int subscribe(struct cli_procevents *pe)
{
    long start = now_ms();
    struct pollfd p = {pe->fd, POLLIN, 0};
    int ack_err = 0, r;

    if (cli_procsock_send(pe->fd, pe->ack, 1) != 0)
        return -1;
    for (;;) {
        while ((r = read_one(pe, &ack_err)) >= 0)
            if (r == 2) /* LCOV_EXCL_BR_START: the kernel refuses the bind
                           first; a hard error, never */
                return (errno = ack_err) == 0 ? 0 : -1;
        long left = ACK_WAIT_MS - (now_ms() - start);
        if (r == -2 || (left <= 0 && (errno = ETIMEDOUT)))
            return -1; /* LCOV_EXCL_BR_STOP */
        (void)poll(&p, 1, (int)left);
    }
}

int cli_procevents_start(struct cli_procevents *pe, int root_pid, char *err,
                         size_t errlen)
{
    const char *what = "socket";
    int listening = 0;

    memset(pe, 0, sizeof *pe);
    pe->fd = pe->stop[0] = pe->stop[1] = -1;
    pe->root = root_pid;
    pe->ack = (uint32_t)getpid() * 2654435761u ^ (uint32_t)now_ms();
    shmc_table_init(&pe->by_pid, sizeof(long));
    if ((pe->fd = cli_procsock_open()) >= 0 &&
        (what = "subscribe", subscribe(pe)) == 0 && (listening = 1) &&
        (what = "pipe", pipe2(pe->stop, O_CLOEXEC)) == 0 &&
        (what = "thread", /* LCOV_EXCL_BR_START: only without memory */
         errno = cli_thread_start(&pe->thread, loop, pe)) == 0) {
        /* LCOV_EXCL_BR_STOP */
        pe->running = 1;
        return 0;
    }
    int e = cli_procsock_describe(err, errlen, what, errno);
    if (!listening) { /* nothing to undo: free must not unsubscribe */
        close(pe->fd);
        pe->fd = -1;
    }
    cli_procevents_free(pe);
    errno = e;
    return -1;
}

void cli_procevents_stop(struct cli_procevents *pe)
{
    if (pe->running) {
        ssize_t w = write(pe->stop[1], "", 1); /* an empty pipe takes it */
        (void)w;
        pthread_join(pe->thread, NULL);
        pe->running = 0;
    }
    if (pe->fd >= 0) {
        (void)cli_procsock_send(pe->fd, pe->ack, 0);
        close(pe->fd);
    }
    if (pe->stop[0] >= 0) {
        close(pe->stop[0]);
        close(pe->stop[1]);
    }
    pe->fd = pe->stop[0] = pe->stop[1] = -1;
}

void cli_procevents_free(struct cli_procevents *pe)
{
    cli_procevents_stop(pe);
    free(pe->seen);
    pe->seen = NULL;
    pe->n = pe->cap = 0;
    shmc_table_destroy(&pe->by_pid);
}
