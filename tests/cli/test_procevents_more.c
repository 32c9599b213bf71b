/*
 * test_procevents_more.c - the kernel's process events (src/cli/
 * procevents.c; the main cases are in test_procevents.c): an exec by a
 * process outside the tree is none of its business, and two listeners
 * at once (the kernel tells every listener of each one's subscription)
 * each see their own tree; a burst of processes ending at once, whose
 * events the thread lets gather, is seen whole, and the stop ends a
 * hold. Skipped where events cannot be had (not root,
 * no netlink connector).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "procevents.h"

/* Starts pe on root; skips the test where events cannot be had. */
static void start(struct cli_procevents *pe, int root)
{
    char err[256];

    if (cli_procevents_start(pe, root, err, sizeof err) == 0)
        return;
    if (errno == EPERM || errno == EPROTONOSUPPORT || errno == ETIMEDOUT)
        skip();
    fail_msg("cli_procevents_start: %s", err);
}

static const struct cli_seen *find(const struct cli_procevents *pe, int pid)
{
    size_t n;
    const struct cli_seen *s = cli_procevents_list(pe, &n);

    for (size_t i = 0; i < n; i++)
        if (s[i].pid == pid)
            return &s[i];
    return NULL;
}

/* A child that waits for EOF on *hold, then has a child of its own
 * that ends with code, reaps it and ends. */
static pid_t waiter(int *hold, int code)
{
    int p[2];
    char c;

    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int status = -1;
        close(p[1]);
        if (read(p[0], &c, 1) == 0 && fork() == 0)
            _exit(code);
        _exit(wait(&status) > 0 && status == W_EXITCODE(code, 0) ? 0 : 99);
    }
    close(p[0]);
    *hold = p[1];
    return pid;
}

static void reap(pid_t pid, int want)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, want);
}

/* The tree is a child of ours, root; we, outside it, fork and exec
 * /bin/true: neither is listed. */
static void test_exec_outside(void **state)
{
    struct cli_procevents pe;
    int hold;
    pid_t root = waiter(&hold, 4), other;

    (void)state;
    start(&pe, root);
    if ((other = fork()) == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    reap(other, 0);
    close(hold);
    reap(root, 0);
    cli_procevents_stop(&pe);
    assert_null(find(&pe, other));
    assert_null(find(&pe, root)); /* the root itself is not listed */
    cli_procevents_free(&pe);
}

/* Whether pe lists a child of ppid that ended with code. */
static int has_child(const struct cli_procevents *pe, int ppid, int code)
{
    size_t n;
    const struct cli_seen *s = cli_procevents_list(pe, &n);

    for (size_t i = 0; i < n; i++)
        if (s[i].ppid == ppid && s[i].status == W_EXITCODE(code, 0))
            return 1;
    return 0;
}

/* Two listeners, each with its tree (a child of ours each): each lists
 * its own tree's child, not the other's. */
static void test_two_listeners(void **state)
{
    struct cli_procevents a, b;
    int ha, hb;
    pid_t ra = waiter(&ha, 6), rb = waiter(&hb, 7);

    (void)state;
    start(&a, ra);
    start(&b, rb); /* a hears b's subscription answered too */
    pid_t ca = fork();
    if (ca == 0)
        _exit(5);
    reap(ca, W_EXITCODE(5, 0));
    close(ha);
    close(hb);
    reap(ra, 0);
    reap(rb, 0);
    cli_procevents_stop(&b);
    cli_procevents_stop(&a);
    assert_null(find(&a, ca)); /* our child: of neither tree */
    assert_null(find(&b, ca));
    assert_true(has_child(&a, ra, 6));
    assert_false(has_child(&a, rb, 7));
    assert_true(has_child(&b, rb, 7));
    assert_false(has_child(&b, ra, 6));
    assert_false(cli_procevents_lost(&a));
    assert_false(cli_procevents_lost(&b));
    cli_procevents_free(&a);
    cli_procevents_free(&b);
}

/* Many children that end at once, when a pipe they wait on closes: far
 * more than BUSY events within WINDOW_MS (procevents.c), so the thread
 * lets them gather; every child is still listed with its status, nothing
 * is lost, and the stop, in a hold or not, ends it. */
static void test_burst_gathered(void **state)
{
    struct cli_procevents pe;
    enum { N = 300 };
    static pid_t pids[N];
    int p[2];
    char c;

    (void)state;
    assert_int_equal(pipe(p), 0);
    start(&pe, getpid());
    for (int i = 0; i < N; i++)
        if ((pids[i] = fork()) == 0) {
            close(p[1]);
            _exit(read(p[0], &c, 1) == 0 ? i & 0x7f : 99);
        }
    close(p[0]);
    close(p[1]); /* every child ends now */
    for (int i = 0; i < N; i++)
        reap(pids[i], W_EXITCODE(i & 0x7f, 0));
    cli_procevents_stop(&pe);

    assert_true(pe.holds > 0);
    assert_false(cli_procevents_lost(&pe));
    for (int i = 0; i < N; i++) {
        const struct cli_seen *s = find(&pe, pids[i]);
        assert_non_null(s);
        assert_int_equal(s->status, W_EXITCODE(i & 0x7f, 0));
    }
    cli_procevents_free(&pe);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_outside),
        cmocka_unit_test(test_two_listeners),
        cmocka_unit_test(test_burst_gathered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
