/*
 * test_oom_cov2.c - the analysis when memory runs out where the run's
 * after-exit judgement is noted (replay.c's note_exit) and where the
 * untraced program the CLI started is named (untraced.c's top_name):
 * each allocation in turn fails, and cli_analyze either says so (-1) or
 * gives the whole run, never a run that silently lacks something (the
 * failures: oom.h's injector).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "fixtures.h"
#include "oom.h"
#include "journal/format.h"
#include "report.h"

/* Pid 100 exited at boot (time 0) and the kernel has a segment pid 100
 * made now: another process's. The program the CLI started, pid 200,
 * was not traced: named after its command. */
static void test_oom_after_exit_and_top_name(void **state)
{
    static char *cmd[] = {"/usr/bin/some-prog", NULL};
    struct analysis_fx *fx = *state;
    struct cli_kseg k = {.key = 0x1234,
                         .shmid = 9,
                         .mode = 0600,
                         .size = 4096,
                         .cpid = 100,
                         .lpid = 100,
                         .ctime = (long)time(NULL)};
    static const struct cli_reaped reaped[] = {{200, 0}};
    struct cli_inputs in = {.log_dir = fx->dir,
                            .kernel = &k,
                            .nkernel = 1,
                            .reaped = reaped,
                            .nreaped = 1,
                            .top_pid = 200};
    struct cli_run ref = {.command = cmd};
    struct jfile j;
    long n, failures = 0;

    need_faults();
    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
    jf_save(&j, fx->dir, "100.0.shmj");
    assert_int_equal(cli_analyze(&in, &ref), 0);
    assert_string_equal(find_process(&ref, 200)->name, "some-prog");
    assert_int_equal(ref.nfindings, 0); /* the segment is not the tree's */
    char *want = as_json(&ref);
    cli_run_free(&ref);

    for (n = 0; n < 100000; n++) {
        struct cli_run run = {.command = cmd};
        arm(n);
        int rc = cli_analyze(&in, &run);
        int failed = disarm();
        char *got = rc == 0 ? as_json(&run) : NULL;
        cli_run_free(&run);
        if (got != NULL && strcmp(got, want) != 0)
            fail_msg("allocation %ld failed, yet the run is complete:\n%s", n,
                     got);
        free(got);
        failures += rc != 0;
        assert_true(rc == 0 || failed);
        if (!failed)
            break;
    }
    assert_true(n > 0 && failures > 0);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oom_after_exit_and_top_name,
                                        analysis_setup, analysis_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
