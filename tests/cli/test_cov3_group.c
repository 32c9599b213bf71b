/*
 * test_cov3_group.c - more of the grouping of findings (src/cli/group.c;
 * the main cases are in test_group.c): the keys that keep findings apart
 * when one side has no module or no rule, or only the kernel saw a leak,
 * and the first and last occurrence of a group when some occurrences have
 * no known time (an unknown time comes after every known one).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "findings.h"
#include "group.h"
#include "group_fx.h"

/* An invalid detach by pid at when (0: unknown), at one frame. */
static void detach(struct fx *fx, int pid, uint64_t when)
{
    struct cli_finding *f;

    assert_int_equal(cli_group_fold(&fx->g, &fx->run), 0);
    f = cli_group_new(&fx->g, &fx->run, &fx->cap, CLI_INVALID_DETACH, pid, 0);
    assert_non_null(f);
    f->when = when;
    f->err = EINVAL;
    f->stack.n = 1;
    f->stack.f[0] = (struct cli_frame){0x10, "/bin/p", 0x10, NULL, NULL, 0};
}

static void test_keys_one_side(void **state)
{
    struct cli_finding a, b;
    char same[] = "/lib/a.so";

    (void)state;
    memset(&a, 0, sizeof a);
    a.kind = CLI_LEAKED_SEGMENT;
    a.stack.n = 2;
    a.stack.f[0] = (struct cli_frame){0x10, "/lib/a.so", 0x10, 0, 0, 0};
    a.stack.f[1] = (struct cli_frame){0x99, NULL, 0, 0, 0, 0};
    b = a, b.seen_by_kernel = 1; /* not a leak the tracer saw */
    assert_false(cli_group_same(&a, &b));
    b = a, b.stack.f[0].module = NULL; /* a module against none */
    assert_false(cli_group_same(&a, &b));
    assert_false(cli_group_same(&b, &a));
    b = a, b.stack.f[0].module = same; /* equal, not the same pointer */
    assert_true(cli_group_same(&a, &b));
    b = a, b.stack.f[1].module = "/lib/c.so"; /* none against a module */
    assert_false(cli_group_same(&a, &b));
    a.kind = b.kind = CLI_LINT;
    b = a, b.rule = "r"; /* a rule against none */
    assert_false(cli_group_same(&a, &b));
    assert_false(cli_group_same(&b, &a));
    a.kind = b.kind = CLI_FAILED_CALL;
    b = a, a.call = "shmget", b.call = "shmat";
    assert_false(cli_group_same(&a, &b));
}

/* Unknown times first: the first and the last occurrence are the known
 * ones; their pids come with them. */
static void test_unknown_time_first(void **state)
{
    struct fx *fx = *state;
    const struct cli_finding *f;

    detach(fx, 5, 0);
    detach(fx, 6, 300);
    detach(fx, 7, 0);
    assert_int_equal(cli_group_finish(&fx->g, &fx->run), 0);
    assert_int_equal(fx->run.nfindings, 1);
    f = &fx->run.findings[0];
    assert_int_equal(f->count, 3);
    assert_int_equal(f->first.when, 300);
    assert_int_equal(f->first.pid, 6);
    assert_int_equal(f->pid, 6);
    assert_int_equal(f->last.when, 300);
    assert_int_equal(f->last.pid, 6);
}

/* Known times first, then unknown ones: the same. */
static void test_unknown_time_last(void **state)
{
    struct fx *fx = *state;
    const struct cli_finding *f;

    detach(fx, 6, 300);
    detach(fx, 8, 100);
    detach(fx, 5, 0);
    assert_int_equal(cli_group_finish(&fx->g, &fx->run), 0);
    assert_int_equal(fx->run.nfindings, 1);
    f = &fx->run.findings[0];
    assert_int_equal(f->count, 3);
    assert_int_equal(f->first.when, 100);
    assert_int_equal(f->first.pid, 8);
    assert_int_equal(f->last.when, 300);
    assert_int_equal(f->last.pid, 6);
    assert_int_equal(f->npids, 3);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_one_side),
        T(test_unknown_time_first),
        T(test_unknown_time_last),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
