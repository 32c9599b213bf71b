/*
 * test_untraced.c - the processes of the tree that wrote no journal
 * (src/cli/untraced.c, issue 11): every source that names one (a FORK or
 * SPAWN record, a journal's parent, the reaped list, the process events),
 * the tree's own parent left out, the reason given (the tracer's
 * <pid>.messages, else the unknown one), the warnings and when the
 * advice to use --isolate is given; an exec no journal followed; and in
 * an isolated run, every segment left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"

#define UNKNOWN                                                          \
    "no journal: a static or foreign binary, the preload removed, or a " \
    "process that shares its parent's memory (CLONE_VM)"
#define ADVICE                                                               \
    "processes of the tree that wrote no journal, that no journal names "    \
    "and that their own parent reaped cannot be known without the kernel's " \
    "process events (they need root): the segments such processes left "     \
    "are not reported; run with --isolate to have every segment left in "    \
    "the tree's own IPC namespace reported"

/* The top program 100 (its parent 1 is the CLI) forked 101, which could
 * not create its journal, and spawned 102, a static program; 103 has a
 * journal whose parent 104 has none; the CLI reaped 105; the process
 * events saw 106. */
static void tree(struct analysis_fx *fx)
{
    struct jfile j;
    char path[128];

    jf_start(&j, 100, 1);
    jf_argv(&j, 1, ARGV("/bin/top", "top"));
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = 101));
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = -1, .err = EAGAIN));
    jf_add(&j, REC(.type = SHMC_J_SPAWN, .result = 102,
                   .payload = "/bin/static", .plen = 12));
    jf_save(&j, fx->dir, "100.0.shmj");
    jf_start(&j, 103, 104);
    jf_save(&j, fx->dir, "103.0.shmj");
    path_in(fx->dir, "101.messages", path, sizeof path);
    put_file(path,
             "shmcheck: pid 101: SHMCHECK_STACKS='x': ignored\n"
             "shmcheck: pid 101: cannot create a journal in "
             "SHMCHECK_LOG_DIR: errno 28 (ENOSPC); tracing without one\n",
             0600);
}

static const struct cli_reaped reaped[] = {{100, 0}, {105, W_EXITCODE(5, 0)}};
static const struct cli_seen seen[] = {{106, 100, W_EXITCODE(7, 0), "static"},
                                       {101, 100, -1, "top"}};

static void test_every_source(void **state)
{
    struct analysis_fx *fx = *state;
    tree(fx);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.reaped = reaped,
                                                         .nreaped = 2,
                                                         .top_pid = 100,
                                                         .seen = seen,
                                                         .nseen = 2}),
                     0);
    const int pids[] = {100, 101, 102, 103, 104, 105, 106};
    assert_int_equal(fx->run.nprocs, NELEM(pids)); /* not 1, the CLI */
    for (size_t i = 0; i < NELEM(pids); i++)
        assert_int_equal(fx->run.procs[i].pid, pids[i]);
    const struct cli_process *p = fx->run.procs;
    assert_true(p[0].traced && p[3].traced);
    assert_false(p[1].traced || p[2].traced || p[4].traced || p[5].traced ||
                 p[6].traced);
    assert_int_equal(p[1].ppid, 100);
    assert_string_equal(p[1].name, "top"); /* the kernel's comm */
    assert_string_equal(p[1].reason,
                        "its journal could not be created in the log "
                        "directory: ENOSPC (No space left on device)");
    assert_string_equal(p[2].name, "/bin/static");
    assert_string_equal(p[2].reason, UNKNOWN);
    assert_int_equal(p[4].ppid, -1);
    assert_null(p[4].name);
    assert_int_equal(p[5].end, CLI_END_EXIT);
    assert_int_equal(p[5].value, 5);
    assert_int_equal(p[6].ppid, 100);
    assert_int_equal(p[6].end, CLI_END_EXIT);
    assert_int_equal(p[6].value, 7);

    const char *want[] = {
        "pid 101 (top) was not traced: its journal could not be created in "
        "the log directory: ENOSPC (No space left on device)",
        "pid 102 (/bin/static) was not traced: " UNKNOWN,
        "pid 104 was not traced: " UNKNOWN,
        "pid 105 was not traced: " UNKNOWN,
        "pid 106 (static) was not traced: " UNKNOWN,
        ADVICE};
    assert_int_equal(fx->run.nwarnings, NELEM(want));
    for (size_t i = 0; i < NELEM(want); i++)
        assert_string_equal(fx->run.warnings[i], want[i]);
}

/* With the whole tree known, or in its own IPC namespace, no advice. */
static void test_no_advice(void **state)
{
    struct analysis_fx *fx = *state;
    tree(fx);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.reaped = reaped,
                                                         .nreaped = 2,
                                                         .top_pid = 100,
                                                         .tree_known = 1}),
                     0);
    assert_int_equal(fx->run.nwarnings, 4);
    assert_null(strstr(fx->run.warnings[3], "--isolate"));
    cli_run_free(&fx->run);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.top_pid = 100, .isolated = 1}), 0);
    assert_int_equal(fx->run.nwarnings, 3); /* 101, 102, 104 */
    assert_string_equal(fx->run.warnings[2],
                        "pid 104 was not traced: " UNKNOWN);
}

/* --replay: the tree's parent is that of the journal that started first
 * among those whose parent has none; another such parent is listed. An
 * exec that no journal followed is warned about; the process is traced. */
static void test_replay_root_and_exec(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 200, 9);
    ((struct shmc_jheader *)j.buf)->start_ns = 5;
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/bin/a", .plen = 7));
    jf_save(&j, fx->dir, "200.0.shmj");
    jf_start(&j, 200, 9);
    ((struct shmc_jheader *)j.buf)->start_ns = 6;
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/bin/b", .plen = 7));
    jf_add(&j, REC(.type = SHMC_J_EXEC_FAIL, .err = ENOENT));
    jf_save(&j, fx->dir, "200.1.shmj");
    jf_start(&j, 300, 299);
    ((struct shmc_jheader *)j.buf)->start_ns = 7;
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/bin/suid", .plen = 10));
    jf_save(&j, fx->dir, "300.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_int_equal(fx->run.nprocs, 3); /* 200, 299, 300; not 9 */
    assert_true(find_process(&fx->run, 200)->traced);
    assert_null(find_process(&fx->run, 200)->exec_path);
    assert_false(find_process(&fx->run, 299)->traced);
    assert_true(find_process(&fx->run, 300)->traced);
    assert_string_equal(find_process(&fx->run, 300)->exec_path, "/bin/suid");
    assert_int_equal(fx->run.nwarnings, 3);
    assert_string_equal(fx->run.warnings[0],
                        "pid 299 was not traced: " UNKNOWN);
    assert_string_equal(fx->run.warnings[1],
                        "pid 300 was not traced after its exec of /bin/suid: "
                        "no journal: a static, setuid or foreign program, or "
                        "the preload removed");
    assert_string_equal(fx->run.warnings[2], ADVICE);
}

/* Isolated: every segment left is a leak, whoever made it, even before
 * the run's start; its unknown creator becomes an untraced process. Not
 * isolated: an unknown creator's segment made during the run is a
 * warning, an older one nothing. */
static void test_isolated_segments(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg k[] = {
        {0, 7, 0600, 4096, 777, 777, 0, 10},
        {0, 8, 0600, 100, 778, 778, 0, 2000},
        {0, 9, 01600, 4096, 779, 779, 0, 2000},
    };
    struct cli_inputs in = {
        .kernel = k, .nkernel = 3, .top_pid = 50, .start_time = 1000};
    struct jfile j;
    jf_start(&j, 50, 1);
    jf_save(&j, fx->dir, "50.0.shmj");

    in.isolated = 1;
    assert_int_equal(analyze_dir(fx, in), 0);
    /* no stack for either: one leak of both segments */
    assert_string_equal(fx->text, "leak pid=777 shmid=7 key=0 size=4096 "
                                  "by=kernel n=0 x2 pids=777,778 shmids=7,8\n");
    assert_int_equal(fx->run.summary.leaked_segments, 2);
    assert_int_equal(fx->run.summary.leaked_bytes, 4096 + 100);
    assert_int_equal(fx->run.nprocs, 3);
    assert_string_equal(find_process(&fx->run, 777)->reason, UNKNOWN);
    assert_int_equal(fx->run.nwarnings, 2);
    cli_run_free(&fx->run);

    in.isolated = 0;
    assert_int_equal(analyze_dir(fx, in), 0);
    assert_string_equal(fx->text, "");
    assert_int_equal(fx->run.nprocs, 1);
    assert_int_equal(fx->run.nwarnings, 2);
    assert_string_equal(fx->run.warnings[0],
                        "shmid 8 (key 0x00000000, 100 bytes) was created "
                        "during the run by pid 778, which is not known to be "
                        "of the tree: if it was (an untraced process its own "
                        "parent reaped), it leaked this segment");
    assert_string_equal(fx->run.warnings[1], ADVICE);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_source),
        T(test_no_advice),
        T(test_replay_root_and_exec),
        T(test_isolated_segments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
