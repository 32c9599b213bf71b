/*
 * test_procevents.c - the tree's processes from the kernel's process
 * events (src/cli/procevents.c): who is in the tree, with parents, names
 * after exec (from a thread too) and statuses; 2000 quick forks, all of
 * them; how start fails. Where the events cannot be had (not root, a
 * container) the tests skip, saying why.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "procevents.h"

#define BURST 2000

static int events; /* 1: they can be had here; 0: not, because */
static char why[256];

/* Once: can events be had here? (another failure: for the tests) */
static int probe(void **state)
{
    struct cli_procevents pe;

    (void)state;
    events = cli_procevents_start(&pe, getpid(), why, sizeof why) == 0 ||
             (errno != EPERM && errno != EPROTONOSUPPORT && errno != ETIMEDOUT);
    cli_procevents_free(&pe);
    return 0;
}

static int setup(void **state)
{
    static struct cli_procevents pe;

    memset(&pe, 0, sizeof pe);
    pe.fd = pe.stop[0] = pe.stop[1] = -1; /* free()-able unstarted */
    *state = &pe;
    if (!events)
        print_message("[  SKIP    ] %s\n", why);
    return 0;
}

static int teardown(void **state)
{
    cli_procevents_free(*state);
    return 0;
}

/* Skips where events cannot be had (as helper does). */
static void start(struct cli_procevents *pe, int root)
{
    char err[256];

    if (!events)
        skip();
    if (cli_procevents_start(pe, root, err, sizeof err) != 0)
        fail_msg("cli_procevents_start: %s", err);
}

/* The last entry of pid, or NULL. */
static const struct cli_seen *find(const struct cli_procevents *pe, int pid)
{
    size_t n;
    const struct cli_seen *s = cli_procevents_list(pe, &n);

    for (size_t i = n; i-- > 0;)
        if (s[i].pid == pid)
            return &s[i];
    return NULL;
}

static void reap(pid_t pid, int want)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, want);
}

/* Until pid ended, left a zombie: its /proc stays for its name. */
static void wait_zombie(pid_t pid)
{
    siginfo_t si;

    assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
}

/* A child forks a grandchild that ends with 3, reaps it and becomes
 * /bin/true: both are listed, in order, with the child's new name. */
static void test_child_and_grandchild(void **state)
{
    struct cli_procevents *pe = *state;
    int st;

    start(pe, getpid());
    pid_t child = fork();
    if (child == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(3);
        if (g < 0 || waitpid(g, &st, 0) != g || st != W_EXITCODE(3, 0))
            _exit(20);
        execl("/bin/true", "true", (char *)NULL);
        _exit(21);
    }
    wait_zombie(child);
    cli_procevents_stop(pe);
    reap(child, 0);

    const struct cli_seen *s = pe->seen;
    assert_int_equal(pe->n, 2);
    assert_int_equal(cli_procevents_lost(pe), 0);
    assert_int_equal(s[0].pid, child);
    assert_int_equal(s[0].ppid, getpid());
    assert_int_equal(s[0].status, 0);
    assert_string_equal(s[0].comm, "true");
    assert_int_equal(s[1].ppid, child);
    assert_int_equal(s[1].status, W_EXITCODE(3, 0));
}

static void *fork_from_thread(void *arg)
{
    if ((*(pid_t *)arg = fork()) == 0)
        _exit(BURST & 0x7f);
    return NULL;
}

/* A burst of short forks, the last from a thread (what a thread forks is
 * its process's child), all reaped before the stop; and one process still
 * there at the stop, which waits a moment for it, then lets it be. */
static void test_burst(void **state)
{
    struct cli_procevents *pe = *state;
    static pid_t pids[BURST + 1];
    pthread_t t;
    int p[2];

    start(pe, getpid());
    assert_int_equal(pipe(p), 0);
    pid_t alive = fork();
    if (alive == 0) /* until EOF */
        _exit(close(p[1]) | (int)read(p[0], &t, 1));
    for (int i = 0; i < BURST; i++)
        if ((pids[i] = fork()) == 0)
            _exit(i & 0x7f);
    assert_false(pthread_create(&t, NULL, fork_from_thread, &pids[BURST]));
    assert_int_equal(pthread_join(t, NULL), 0);
    for (int i = 0; i <= BURST; i++)
        reap(pids[i], W_EXITCODE(i & 0x7f, 0));
    cli_procevents_stop(pe);
    close(p[1]);
    close(p[0]);
    reap(alive, 0);

    assert_int_equal(cli_procevents_lost(pe), 0);
    assert_int_equal(pe->n, BURST + 2);
    assert_int_equal(find(pe, alive)->status, -1);
    for (int i = 0; i <= BURST; i++) {
        const struct cli_seen *s = find(pe, pids[i]);
        assert_non_null(s);
        assert_int_equal(s->ppid, getpid());
        assert_int_equal(s->status, W_EXITCODE(i & 0x7f, 0));
    }
}

#ifndef __SANITIZE_THREAD__ /* TSan: no thread in a child of threads */
static void *exec_false(void *arg)
{
    pthread_t t; /* first a thread that forks and ends before the leader */

    if (pthread_create(&t, NULL, fork_from_thread, arg) == 0)
        pthread_join(t, NULL);
    execl("/bin/false", "false", (char *)NULL);
    _exit(30);
}

/* A thread that is not the leader execs: the leader ends first (its EXIT
 * has the process's pid), the process goes on as the new program. */
static void test_exec_from_thread(void **state)
{
    struct cli_procevents *pe = *state;
    pthread_t t;
    pid_t g;

    start(pe, getpid());
    pid_t child = fork();
    if (child == 0) /* pause() until the exec, which never returns */
        _exit(pthread_create(&t, NULL, exec_false, &g) == 0 ? pause() : 31);
    wait_zombie(child);
    cli_procevents_stop(pe);
    reap(child, W_EXITCODE(1, 0));

    assert_int_equal(pe->n, 2); /* and what its thread forked */
    assert_int_equal(pe->seen[1].ppid, child);
    assert_int_equal(find(pe, child)->status, W_EXITCODE(1, 0));
    assert_string_equal(find(pe, child)->comm, "false");
}
#endif

/* A helper: for each byte on *fd it forks a child, which forks a
 * grandchild (ends with 5), and says the child's pid; ends at EOF. */
static pid_t helper(int *fd)
{
    int sv[2], st;
    char c;

    if (!events)
        skip();
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    close(sv[pid == 0]);
    *fd = sv[pid != 0];
    while (pid == 0 && read(*fd, &c, 1) == 1) {
        pid_t o = fork(), g = o == 0 ? fork() : -1;
        if (g == 0)
            _exit(5);
        if (o == 0)
            _exit(g < 0 || waitpid(g, &st, 0) != g || st != W_EXITCODE(5, 0));
        if (o < 0 || waitpid(o, &st, 0) != o || st != 0 ||
            write(*fd, &o, sizeof o) != (ssize_t)sizeof o)
            _exit(1);
    }
    if (pid == 0)
        _exit(0);
    return pid;
}

/* Asks the helper for a child; its pid. */
static pid_t helper_fork(int fd)
{
    pid_t pid = -1;

    assert_int_equal(write(fd, "g", 1), 1);
    assert_int_equal(read(fd, &pid, sizeof pid), (ssize_t)sizeof pid);
    return pid;
}

/* The tree of another root: its children and theirs are listed, not the
 * root itself nor its siblings (our other children). */
static void test_root_and_siblings(void **state)
{
    struct cli_procevents *pe = *state;
    int fd;
    pid_t root = helper(&fd);

    start(pe, root);
    pid_t sibling = fork();
    if (sibling == 0)
        _exit(0);
    reap(sibling, 0);
    pid_t o = helper_fork(fd);
    close(fd);
    reap(root, 0);
    cli_procevents_stop(pe);

    const struct cli_seen *s = pe->seen;
    assert_int_equal(pe->n, 2);
    assert_true(s[0].pid == o && s[0].ppid == root && s[0].status == 0);
    assert_true(s[1].ppid == o && s[1].status == W_EXITCODE(5, 0));
}

/* The next fork's pid is want, unless another process takes it first. */
static void next_pid(pid_t want)
{
    FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");

    assert_non_null(f);
    fprintf(f, "%d", (int)want - 1);
    assert_int_equal(fclose(f), 0);
}

/* What a process from before the start forks is outside, ours are in; a
 * pid of the tree that comes back in the tree is a second entry, one that
 * goes to a process outside is no longer the tree's, nor what it forks. */
static void test_outside_and_reused(void **state)
{
    struct cli_procevents *pe = *state;
    int fd, seen = 0;
    pid_t a, b = -1, o = -1, outside = helper(&fd);

    start(pe, getpid());
    if ((a = fork()) == 0)
        _exit(1);
    reap(a, W_EXITCODE(1, 0));
    for (int i = 0; i < 50 && b != a; i++, reap(b, W_EXITCODE(2, 0))) {
        next_pid(a);
        if ((b = fork()) == 0)
            _exit(2);
    }
    for (int i = 0; i < 50 && o != a; i++) {
        next_pid(a);
        o = helper_fork(fd);
    }
    close(fd);
    reap(outside, 0);
    cli_procevents_stop(pe);

    size_t n;
    const struct cli_seen *s = cli_procevents_list(pe, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(s[i].ppid, getpid()); /* not the outsider's */
        if (s[i].pid == a)
            assert_int_equal(s[i].status, W_EXITCODE(++seen, 0));
    }
    if (b != a || o != a)
        skip(); /* other processes took the pid each time */
    assert_int_equal(seen, 2);
}

/* How start fails: as nobody; in a network, in a PID namespace of its
 * own; out of descriptors before the socket, after it. */
static const struct {
    int errno_;
    const char *err;
} refusals[] = {
    {EPERM, "process events need root (CAP_NET_ADMIN)"},
    {EPROTONOSUPPORT, "process events unavailable: no netlink connector"},
    {ETIMEDOUT, "process events unavailable: the kernel did not answer"},
    {EMFILE, "process events: socket: Too many open files"},
    {EMFILE, "process events: pipe: Too many open files"},
};

/* Refusal how, in a child; 0 as expected, or when it cannot be made. */
static int refuse(int how)
{
    struct cli_procevents pe;
    char err[256];
    int fd = open("/dev/null", O_RDONLY), st;
    struct rlimit old, few;

    close(fd);
    getrlimit(RLIMIT_NOFILE, &old);
    few = (struct rlimit){(rlim_t)fd + (how == 4), old.rlim_max}; /* soft */
    if ((how == 0 && setresuid(65534, 65534, 0) != 0) ||
        (how == 1 && unshare(CLONE_NEWNET) != 0) ||
        (how == 2 && unshare(CLONE_NEWPID) != 0) ||
        (how >= 3 && setrlimit(RLIMIT_NOFILE, &few) != 0))
        return 0;                      /* not here */
    pid_t pid = how == 2 ? fork() : 0; /* the namespace is for children */
    if (pid != 0)
        return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st)
                                                            : 101;
    int r = cli_procevents_start(&pe, getpid(), err, sizeof err);
    int e = errno, n = (int)strlen(refusals[how].err);
    if (setresuid(0, 0, 0) != 0 || setrlimit(RLIMIT_NOFILE, &old) != 0)
        _exit(102); /* back to write the coverage counters */
    SHMC_COVERAGE_FLUSH();
    _exit(r != -1 || e != refusals[how].errno_ ||
          strncmp(err, refusals[how].err, (size_t)n) != 0);
}

static void test_refused(void **state)
{
    (void)state;
    if (getuid() != 0 || !events)
        skip(); /* nothing to drop, or nothing to refuse */
    for (int how = 0; how < (int)(sizeof refusals / sizeof *refusals); how++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(refuse(how));
        reap(pid, 0);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_child_and_grandchild),
        T(test_burst),
#ifndef __SANITIZE_THREAD__
        T(test_exec_from_thread),
#endif
        T(test_root_and_siblings),
        T(test_outside_and_reused),
        T(test_refused),
    };

    return cmocka_run_group_tests(tests, probe, NULL);
}
