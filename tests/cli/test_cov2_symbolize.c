/*
 * test_cov2_symbolize.c - a symbolizer that never answers while signals
 * keep interrupting the wait for its reply (src/cli/symbolize.c): the
 * wait is resumed until the reply's deadline, then the symbolizer is
 * taken as hung, not as unreadable; and stopping a symbolizer whose
 * child was already reaped returns at once (no kill of a pid that may
 * be another's now).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "fixtures.h"
#include "symbolize.h"

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
    (void)sig;
    ticks++;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_interrupted_until_deadline(void **state)
{
    char dir[64], prog[96];
    struct cli_run run = {0};
    struct cli_frame f = {.pc = 0x10, .module = "/lib/a.so", .offset = 0x10};
    struct sigaction sa = {.sa_handler = tick}, old;
    /* Far more often than the poll's millisecond: the wait is nearly
     * always ended by a signal, the deadline seen after it. */
    struct itimerval every = {{0, 200}, {0, 200}}, off = {{0, 0}, {0, 0}};
    int st;

    (void)state;
    mk_dir(dir, sizeof dir);
    snprintf(prog, sizeof prog, "%s/mute", dir);
    put_file(prog, "#!/bin/sh\nexec cat >/dev/null\n", 0700); /* to EOF */
    unsetenv("SHMCHECK_SYMBOLIZER");
    struct cli_symbolizer *s = cli_symbolizer_start(prog, NULL, 0);
    assert_non_null(s);
    cli_symbolizer_set_timeouts(s, 30, 1000);
    sigemptyset(&sa.sa_mask); /* no SA_RESTART: poll returns EINTR */
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);

    int rc = cli_symbolize_frame(s, &run, &f);

    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(rc, -1);
    assert_true(ticks > 0);
    assert_null(f.function);
    assert_non_null(cli_symbolizer_failure(s));
    assert_contains(cli_symbolizer_failure(s),
                    "did not answer in time (30 ms a reply, 1000 in all)");

    /* Its input closed, the child ends; we reap it ourselves. */
    assert_true(waitpid(-1, &st, 0) > 0);
    assert_int_equal(st, 0);
    double t0 = now_s();
    cli_symbolizer_stop(s); /* ECHILD: nothing to wait for, nothing to kill */
    assert_true(now_s() - t0 < 1.0);
    cli_run_free(&run);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupted_until_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
