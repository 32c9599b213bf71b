/*
 * signals.c - signals forwarded to the tree and the wait for every
 * descendant (contract: signals.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/procstat.h"
#include "signals.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void waited_for(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(set, forwarded[i]);
    sigaddset(set, SIGCHLD);
}

void cli_signals_block(sigset_t *old)
{
    sigset_t set;

    waited_for(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

int cli_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int r = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

static int pidfd_of(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* sig to the process fd refers to (pidfd), else, without pidfds (a kernel
 * before 5.3), to pid, which the caller knows is not reaped. */
static int send_to(int fd, pid_t pid, int sig)
{
    if (fd >= 0) /* LCOV_EXCL_BR_LINE: kernels here have pidfds */
        return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    return kill(pid, sig); /* LCOV_EXCL_LINE: without pidfds (before 5.3) */
}

/* sig to pid if it descends from us: its pidfd is opened first and the
 * parent chain checked after, so the process signalled is the one checked
 * or one already gone (ESRCH). 1 when sent. */
static int to_descendant(pid_t pid, int sig)
{
    int fd = pidfd_of(pid);

    /* LCOV_EXCL_BR_START: without pidfds, or the process just ended */
    if (fd < 0 && errno != ENOSYS)
        return 0; /* LCOV_EXCL_LINE: ended between readdir and pidfd_open */
    int sent = shmc_proc_descends((int)pid, (int)getpid()) &&
               send_to(fd, pid, sig) == 0;
    if (fd >= 0)
        close(fd);
    /* LCOV_EXCL_BR_STOP */
    return sent;
}

/* sig to every process that descends from us; how many got it. */
static int to_the_rest(int sig)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (d == NULL) /* LCOV_EXCL_BR_LINE: /proc is there (the CLI needs it) */
        return 0;  /* LCOV_EXCL_LINE */
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end == '\0' && pid > 1 && pid != getpid())
            n += to_descendant((pid_t)pid, sig);
    }
    closedir(d);
    return n;
}

struct tree_wait {
    pid_t top;
    int top_fd; /* its pidfd while it is not reaped, else -1 */
    int top_alive;
    int stops; /* SIGINT and SIGTERM received */
    struct cli_interrupt *intr;
};

/* A forwarded signal: to the program while it lives, else to the rest of
 * the tree; the second SIGINT or SIGTERM kills all that is left. */
static void forward(struct tree_wait *w, int sig)
{
    int stop = sig == SIGINT || sig == SIGTERM;
    siginfo_t si = {0};

    /* Ended but not reaped yet (its SIGCHLD is behind this signal): the
     * signal is for what it left running. LCOV_EXCL_START: a signal that
     * comes between the program's end and its reaping, an order no test
     * can set (a stop and continue makes sigwaitinfo fail, and the loop
     * reaps first) */
    if (w->top_alive &&
        waitid(P_PID, (id_t)w->top, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        si.si_pid == w->top)
        w->top_alive = 0;
    /* LCOV_EXCL_STOP */

    w->stops += stop;
    w->intr->sig = sig;
    w->intr->after_top |= !w->top_alive;
    if (stop && w->stops >= 2) {
        if (w->top_alive)
            send_to(w->top_fd, w->top, SIGKILL);
        to_the_rest(SIGKILL);
        w->intr->killed = 1;
        return;
    }
    if (w->top_alive)
        send_to(w->top_fd, w->top, sig);
    else
        to_the_rest(sig);
}

/* Appends (pid, status) to *list; 0, or -1 when memory ran out. */
static int record(struct cli_reaped **list, size_t *n, size_t *cap, pid_t pid,
                  int status)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        struct cli_reaped *l = realloc(*list, c * sizeof **list);
        if (l == NULL)
            return -1; /* keep reaping; this one goes unrecorded */
        *list = l;
        *cap = c;
    }
    (*list)[*n].pid = pid;
    (*list)[(*n)++].status = status;
    return 0;
}

size_t cli_signals_wait_tree(pid_t top, struct cli_reaped **list,
                             struct cli_interrupt *intr)
{
    struct tree_wait w = {top, pidfd_of(top), 1, 0, intr};
    size_t n = 0, cap = 0;
    sigset_t set;
    int status;
    pid_t pid;

    memset(intr, 0, sizeof *intr);
    waited_for(&set);
    *list = NULL;
    for (;;) {
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            (void)record(list, &n, &cap, pid, status);
            /* LCOV_EXCL_BR_START: top_alive is 0 here only after the race
             * in forward(); kernels here have pidfds */
            if (pid == top && w.top_alive) {
                w.top_alive = 0;
                if (w.top_fd >= 0)
                    close(w.top_fd);
                w.top_fd = -1;
            }
            /* LCOV_EXCL_BR_STOP */
        }
        if (pid < 0) /* ECHILD: every descendant has ended */
            break;
        /* A child that ends from here on leaves SIGCHLD pending: this
         * returns at once then. */
        int sig = sigwaitinfo(&set, NULL);
        if (sig > 0 && sig != SIGCHLD)
            forward(&w, sig);
    }
    if (w.top_fd >= 0)   /* LCOV_EXCL_BR_LINE: reaped before ECHILD */
        close(w.top_fd); /* LCOV_EXCL_LINE */
    return n;
}
