/*
 * test_query.c - the stack query the library's leak check looks up in
 * the tracer (src/trace/query.c, SHMC_TRACE_QUERY_SYMBOL): found by name
 * in a traced program, it gives the stack of the shmget that created a
 * segment and of the shmat of a live attachment (an inherited one in a
 * forked child too), the innermost frame in the function that called,
 * at most as many frames as asked for, and keeps errno; nothing for what
 * is detached, removed, another process's creation (a vfork child's
 * question about its parent's too) or unknown; and the
 * symbol is not there without the tracer.
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

#include "harness.h"

/* What traced_prog query says (helpers/traced_query.c), each stack
 * found having frames frames. */
static void expect(const struct run *r, const char *frames)
{
    char want[1024];

    snprintf(want, sizeof want,
             "before: 0\n"
             "created: %s frame(s), in query_make, prog\n"
             "attached: %s frame(s), in query_attach, prog\n"
             "errno 1234\n"
             "inherited: %s frame(s), in query_attach, prog\n"
             "child's creation: 0 frame(s), in none\n"
             "vfork child: 0\n"
             "raw clone child: 0\n"
             "no buffer: 0\n"
             "never attached: 0 frame(s), in none\n"
             "detached: 0 frame(s), in none\n"
             "unknown: 0 frame(s), in none\n"
             "removed: 0 frame(s), in none\n",
             frames, frames, frames);
    assert_exit(r->status, 0);
    assert_string_equal(r->out, want);
}

static void stacks_point_into_the_caller(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    unsigned n = 0;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "query", "32", NULL},
               "SHMCHECK_REPORT=none");
    /* query_make, cmd_query, its wrapper, main and libc's start at least;
     * SHMCHECK_STACK_DEPTH's 8 at most. */
    assert_int_equal(sscanf(strstr(r.out, "created: "), "created: %u", &n), 1);
    assert_in_range(n, 4, 8);
    char frames[16];
    snprintf(frames, sizeof frames, "%u", n);
    expect(&r, frames);
}

/* No more frames than asked for (none for 0); with stacks off, the call
 * site alone. */
static void as_many_frames_as_asked(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "query", "2", NULL},
               "SHMCHECK_REPORT=none");
    expect(&r, "2");
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "query", "32", NULL},
               "SHMCHECK_REPORT=none SHMCHECK_STACKS=off");
    expect(&r, "1");
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "query", "0", NULL},
               "SHMCHECK_REPORT=none");
    assert_non_null(strstr(r.out, "created: 0 frame(s), in none\n"
                                  "attached: 0 frame(s), in none\n"));
}

static void not_there_untraced(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_bare(fx, &r, (char *[]){SHMC_TRACED_PROG, "query", "8", NULL});
    assert_exit(r.status, 0);
    assert_string_equal(r.out, "no query\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(stacks_point_into_the_caller),
        T(as_many_frames_as_asked),
        T(not_there_untraced),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
