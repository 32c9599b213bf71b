/*
 * test_kernel_more.c - more of the segments the kernel still holds
 * (src/cli/kernel.c; the main cases are in test_kernel.c): an id the
 * tree created and removed, reused by a process not of the tree; in the
 * tree's own IPC namespace, a creator our PID namespace cannot see
 * (pid 0); and, without the run's start time (--replay), a segment of an
 * unknown creator, which is neither a leak nor a warning.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>

#include <cmocka.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"

/* The top program 600 created shmid 35 and removed it. */
static void tree(struct analysis_fx *fx)
{
    struct jfile j;

    jf_start(&j, 600, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 35,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {35, IPC_RMID}));
    jf_save(&j, fx->dir, "600.0.shmj");
}

static const struct cli_reaped reaped[] = {{600, 0}};

/* The kernel's shmid 35, made during the run by 999, is not the one the
 * tree removed: a stranger's, a warning and no leak. */
static void test_removed_id_reused(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg k[] = {{0, 35, 0600, 8192, 999, 999, 0, 2000}};

    tree(fx);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.kernel = k,
                                                         .nkernel = 1,
                                                         .reaped = reaped,
                                                         .nreaped = 1,
                                                         .top_pid = 600,
                                                         .start_time = 1000}),
                     0);
    assert_string_equal(fx->text, "");
    assert_int_equal(fx->run.nprocs, 1); /* 999 is not of the tree */
    assert_int_equal(fx->run.nwarnings, 2);
    assert_string_equal(fx->run.warnings[0],
                        "shmid 35 (key 0x00000000, 8192 bytes) was created "
                        "during the run by pid 999, which is not known to be "
                        "of the tree: if it was (an untraced process its own "
                        "parent reaped), it leaked this segment");
    assert_non_null(strstr(fx->run.warnings[1], "--isolate"));
}

/* Isolated: a segment whose creator we cannot see (pid 0) is a leak of
 * the tree, and pid 0 no process of it. */
static void test_isolated_pid_zero(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg k[] = {{0x11, 9, 0600, 64, 0, 0, 0, 10}};

    tree(fx);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.kernel = k,
                                                         .nkernel = 1,
                                                         .reaped = reaped,
                                                         .nreaped = 1,
                                                         .top_pid = 600,
                                                         .start_time = 1000,
                                                         .isolated = 1}),
                     0);
    assert_string_equal(fx->text,
                        "leak pid=0 shmid=9 key=0x11 size=64 by=kernel n=0\n");
    assert_int_equal(fx->run.nprocs, 1);
    assert_int_equal(fx->run.nwarnings, 0);
}

/* Without the run's start time nothing says the segment is the run's:
 * neither a leak nor a warning. */
static void test_no_start_time(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg k[] = {{0, 8, 0600, 100, 999, 999, 0, 2000}};

    tree(fx);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.kernel = k, .nkernel = 1}), 0);
    assert_string_equal(fx->text, "");
    assert_int_equal(fx->run.nprocs, 1);
    assert_int_equal(fx->run.nwarnings, 0);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_removed_id_reused),
        T(test_isolated_pid_zero),
        T(test_no_start_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
