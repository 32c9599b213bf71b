/*
 * test_oom_untraced.c - out of memory (the injector: oom.h) while the
 * analysis places the processes that wrote no journal (src/cli/
 * untraced.c) and a segment whose creator shares a journal's memory
 * (src/cli/kernel.c): at every N, one allocation failing or every one
 * from the N-th on, the analysis fails (-1) or gives exactly the run it
 * gives with memory to spare, and nothing leaks.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/wait.h>

#include "analyze.h"
#include "fixtures.h"
#include "oom.h"

static char dir[64];

/* The top program 100 forked 101 and spawned 102 (a name to copy); the
 * process events saw 101 and 103 (their comm, a name to copy); the
 * kernel has shmid 5, which the journal made and pid 104 is said to have
 * created (a reason to copy); none of 101-104 has a journal. */
static const struct cli_seen seen[] = {{101, 100, -1, "top"},
                                       {103, 100, W_EXITCODE(1, 0), "other"}};
static const struct cli_kseg kernel[] = {{0, 5, 0600, 4096, 104, 104, 0, 100}};

static int setup(void **state)
{
    struct jfile j;

    (void)state;
    mk_dir(dir, sizeof dir);
    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = 101));
    jf_add(&j, REC(.type = SHMC_J_SPAWN, .result = 102,
                   .payload = "/bin/static", .plen = 12));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 5,
                   .a = {0, 4096, IPC_CREAT | 0600, 1}));
    jf_save(&j, dir, "100.0.shmj");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_dir(dir);
    return 0;
}

static void analyze_failing(int persistent)
{
    const struct cli_inputs in = {.log_dir = dir,
                                  .kernel = kernel,
                                  .nkernel = 1,
                                  .top_pid = 100,
                                  .start_time = 50,
                                  .seen = seen,
                                  .nseen = 2};
    struct cli_run ref = {0};
    long n, failures = 0;

    assert_int_equal(cli_analyze(&in, &ref), 0);
    assert_int_equal(ref.nprocs, 5); /* 100 to 104 */
    assert_string_equal(ref.procs[2].name, "/bin/static");
    assert_string_equal(ref.procs[3].name, "other");
    assert_non_null(strstr(ref.procs[4].reason, "CLONE_VM"));
    char *want = as_json(&ref);
    cli_run_free(&ref);

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_run run = {0};
        long live = live_allocations();
        arm_mode(n, persistent);
        int rc = cli_analyze(&in, &run);
        int failed = disarm();
        char *got = rc == 0 ? as_json(&run) : NULL;
        cli_run_free(&run);
        if (got != NULL && strcmp(got, want) != 0)
            fail_msg("allocation %ld failed, yet the run is complete:\n%s", n,
                     got);
        free(got);
        assert_leaked(n, live);
        failures += rc != 0;
        if (!failed)
            break;
    }
    free(want);
    assert_true(n > 10 && n < MAX_STEPS);
    assert_true(failures > 10);
}

static void test_analyze(void **state)
{
    (void)state;
    need_faults();
    analyze_failing(0);
}

static void test_analyze_persistent(void **state)
{
    (void)state;
    need_faults();
    analyze_failing(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_analyze_persistent),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
