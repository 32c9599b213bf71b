/*
 * test_replay_more.c - records the tracer should not write but a damaged
 * or foreign journal may hold (src/cli/replay.c): a child pid beyond what
 * a pid can be is no process, and an exec of an empty path is an exec of
 * "?".
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"

static void test_child_not_a_pid(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;

    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = (int64_t)INT32_MAX + 1));
    jf_add(&j, REC(.type = SHMC_J_SPAWN, .result = INT64_MAX,
                   .payload = "/bin/x", .plen = 7));
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = 0));
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = INT32_MAX));
    jf_save(&j, fx->dir, "100.0.shmj");
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.top_pid = 100, .tree_known = 1}),
        0);
    assert_int_equal(fx->run.nprocs, 2); /* 100 and the largest pid */
    assert_int_equal(fx->run.procs[1].pid, INT32_MAX);
    assert_false(fx->run.procs[1].traced);
}

static void test_exec_without_path(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;

    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_EXEC));
    jf_save(&j, fx->dir, "100.0.shmj");
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.top_pid = 100, .tree_known = 1}),
        0);
    assert_int_equal(fx->run.nprocs, 1);
    assert_string_equal(fx->run.procs[0].exec_path, "?");
    assert_int_equal(fx->run.nwarnings, 1);
    assert_non_null(
        strstr(fx->run.warnings[0],
               "pid 100 was not traced after its exec of ?: no journal"));
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_child_not_a_pid),
        T(test_exec_without_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
