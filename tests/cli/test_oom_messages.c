/*
 * test_oom_messages.c - when memory runs out (the injector: oom.h) while
 * the tracer's messages are read (cli_log_dir_messages) or an UNMAP's
 * detach_without_shmdt lint is given (cli_lint_unmap): -1, or the
 * warnings / findings as they are with memory to spare; nothing leaks.
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

#include "analyze.h"
#include "findings.h"
#include "fixtures.h"
#include "logdir.h"
#include "oom.h"

static int setup(void **state)
{
    return analysis_setup(state);
}

static int teardown(void **state)
{
    return analysis_teardown(state);
}

/* Two files of messages: where an allocation fails, -1 (never a warning
 * in a wrong order or twice) or, where the failure only kept a file from
 * being listed or read, 0 with fewer warnings; at the end, all three. */
static void test_messages(void **state)
{
    struct analysis_fx *fx = *state;
    static const char *const want[] = {"tracer: one", "tracer: two",
                                       "tracer: three"};
    char path[256];
    long n, failures = 0;
    need_faults();
    path_in(fx->dir, "1.messages", path, sizeof path);
    put_file(path, "one\ntwo\none\n", 0600);
    path_in(fx->dir, "2.messages", path, sizeof path);
    put_file(path, "three\n", 0600);

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_run run = {0};
        long live = live_allocations();
        arm(n);
        int rc = cli_log_dir_messages(fx->dir, &run);
        int failed = disarm();
        assert_true(rc == 0 || rc == -1);
        assert_true(rc == 0 || failed);
        assert_true(run.nwarnings <= 3);
        for (size_t i = 0, k = 0; i < run.nwarnings; i++, k++) {
            while (k < 3 && strcmp(run.warnings[i], want[k]) != 0)
                k++; /* a file skipped: its lines missing, none other */
            assert_true(k < 3);
        }
        if (!failed) {
            assert_int_equal(rc, 0);
            assert_int_equal(run.nwarnings, 3);
        }
        failures += rc != 0;
        cli_run_free(&run);
        assert_leaked(n, live);
        if (!failed)
            break;
    }
    assert_true(n > 3 && n < MAX_STEPS);
    assert_true(failures >= 3); /* asprintf and realloc, in both files */
}

/* The lint's message copied into the run: -1, or the lint with it. */
static void test_unmap_lint(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    long n, failures = 0;
    need_faults();
    jf_start(&j, 900, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}));
    jf_add(&j, REC(.type = SHMC_J_UNMAP,
                   .a = {0x10000, 5, SHMC_JUNMAP_MUNMAP, SHMC_JLEFT_NONE}));
    jf_save(&j, fx->dir, "900.0.shmj");
    struct cli_inputs in = {0};
    in.log_dir = fx->dir;

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_run run = {0};
        long live = live_allocations();
        arm(n);
        int rc = cli_analyze(&in, &run);
        int failed = disarm();
        if (rc == 0) {
            assert_int_equal(run.nfindings, 1);
            assert_string_equal(run.findings[0].rule, "detach_without_shmdt");
            assert_string_equal(run.findings[0].message,
                                "munmap took away the attachment at 0x10000 "
                                "without shmdt: the kernel detached it");
        } else {
            assert_int_equal(rc, -1);
            assert_true(failed);
        }
        failures += rc != 0;
        cli_run_free(&run);
        assert_leaked(n, live);
        if (!failed)
            break;
    }
    assert_true(n > 1 && n < MAX_STEPS);
    assert_true(failures > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_lint, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
