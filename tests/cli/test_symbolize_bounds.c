/*
 * test_symbolize_bounds.c - a symbolizer that fails or hangs
 * (src/cli/symbolize.c): one that exits at once, one that reads its
 * queries and never answers, and bounds already spent each end the
 * symbolization with -1 in bounded time, and cli_symbolizer_failure says
 * which symbolizer and what it did; one that answers has no failure.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixtures.h"
#include "findings.h"
#include "symbolize.h"

struct fixture {
    char dir[64], prog[96];
    struct cli_symbolizer *s;
    struct cli_run run;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    mk_dir(fx->dir, sizeof fx->dir);
    snprintf(fx->prog, sizeof fx->prog, "%s/sym", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    cli_symbolizer_stop(fx->s);
    cli_run_free(&fx->run);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

/* Starts the script body as the symbolizer. */
static void start(struct fixture *fx, const char *body)
{
    char err[256] = "", script[512];

    snprintf(script, sizeof script, "#!/bin/sh\n%s", body);
    put_file(fx->prog, script, 0700);
    fx->s = cli_symbolizer_start(fx->prog, err, sizeof err);
    if (fx->s == NULL)
        fail_msg("%s", err);
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Asks one frame; wants -1, the frame unchanged, and failure "<prog> why". */
static void ask_fails(struct fixture *fx, const char *why)
{
    struct cli_frame f = {.pc = 0x10, .module = "/lib/a.so", .offset = 0x10};
    char want[256];

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), -1);
    assert_null(f.function);
    assert_null(f.file);
    snprintf(want, sizeof want, "symbolizer %s %s", fx->prog, why);
    assert_non_null(cli_symbolizer_failure(fx->s));
    assert_string_equal(cli_symbolizer_failure(fx->s), want);
    /* Every later query fails at once, and the failure stays the first. */
    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), -1);
    assert_string_equal(cli_symbolizer_failure(fx->s), want);
}

static void test_exits_at_once(void **state)
{
    struct fixture *fx = *state;

    start(fx, "exit 1\n");
    ask_fails(fx, "stopped answering (it exited or closed its output)");
}

/* Reads every query and answers none: the reply bound ends the wait. */
static void test_never_answers(void **state)
{
    struct fixture *fx = *state;
    struct timespec t0;

    start(fx, "while IFS= read -r q; do :; done\n");
    cli_symbolizer_set_timeouts(fx->s, 300, 60000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ask_fails(fx, "did not answer in time (300 ms a reply, 60000 in all)");
    long ms = elapsed_ms(&t0);
    assert_true(ms >= 290 && ms < 5000);
}

/* The bound on all replies, once spent, ends every query at once, even
 * with a symbolizer that would answer. */
static void test_total_bound(void **state)
{
    struct fixture *fx = *state;

    start(fx, "while IFS= read -r q; do printf 'f\\nf.c:1:1\\n\\n'; done\n");
    cli_symbolizer_set_timeouts(fx->s, 10000, 0);
    ask_fails(fx, "did not answer in time (10000 ms a reply, 0 in all)");
}

/* A symbolizer that answers: no failure, before or after. */
static void test_answers(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = {.pc = 0x10, .module = "/lib/a.so", .offset = 0x10};

    start(fx, "while IFS= read -r q; do printf 'fn\\nf.c:7:1\\n\\n'; done\n");
    assert_null(cli_symbolizer_failure(fx->s));
    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);
    assert_string_equal(f.function, "fn");
    assert_int_equal(f.line, 7);
    assert_null(cli_symbolizer_failure(fx->s));
    assert_null(cli_symbolizer_failure(NULL));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_exits_at_once),
        T(test_never_answers),
        T(test_total_bound),
        T(test_answers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
