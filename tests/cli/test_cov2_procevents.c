/*
 * test_cov2_procevents.c - the kernel's process events (src/cli/
 * procevents.c): a thread that ends while its leader runs on does not
 * end the process; the status listed is the leader's. Skipped where
 * events cannot be had (not root, no netlink connector).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "procevents.h"

static void *quit(void *arg)
{
    return arg; /* the thread ends: an EXIT event with its own tid */
}

#ifndef __SANITIZE_THREAD__ /* TSan: no thread in a child of threads */
static void test_thread_ends_first(void **state)
{
    struct cli_procevents pe;
    char err[256];
    int st;

    (void)state;
    if (cli_procevents_start(&pe, getpid(), err, sizeof err) != 0) {
        if (errno == EPERM || errno == EPROTONOSUPPORT || errno == ETIMEDOUT)
            skip();
        fail_msg("cli_procevents_start: %s", err);
    }
    pid_t child = fork();
    if (child == 0) {
        /* A fresh image makes the thread: a fork child of this process,
         * taken while the events' thread may hold the allocator's lock
         * (under ASan its own), could wait on that lock forever. */
        SHMC_COVERAGE_FLUSH();
        execl("/proc/self/exe", "test_cov2_procevents", "--thread",
              (char *)NULL);
        _exit(99);
    }
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_int_equal(st, W_EXITCODE(3, 0));
    cli_procevents_stop(&pe);

    size_t n;
    const struct cli_seen *s = cli_procevents_list(&pe, &n);
    assert_int_equal(n, 1); /* the process, not its thread */
    assert_int_equal(s[0].pid, child);
    assert_int_equal(s[0].status, W_EXITCODE(3, 0));
    assert_false(cli_procevents_lost(&pe));
    cli_procevents_free(&pe);
}
#endif

/* test_thread_ends_first's child, after its exec: a thread that ends
 * before the process does, which exits 3. */
static _Noreturn void thread_then_exit(void)
{
    pthread_t t;
    int ok =
        pthread_create(&t, NULL, quit, NULL) == 0 && pthread_join(t, NULL) == 0;

    SHMC_COVERAGE_FLUSH();
    _exit(ok ? 3 : 99); /* not exit: LeakSanitizer's check at exit runs
                           in a process of its own, a second child */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--thread") == 0)
        thread_then_exit();
    const struct CMUnitTest tests[] = {
#ifndef __SANITIZE_THREAD__
        cmocka_unit_test(test_thread_ends_first),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
