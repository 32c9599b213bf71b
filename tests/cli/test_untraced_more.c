/*
 * test_untraced_more.c - more of the processes of the tree that wrote no
 * journal (src/cli/untraced.c; the main cases are in test_untraced.c):
 * the top program's journal found after another's, a journal whose
 * parent is the CLI, the names the process events give (kept, or empty),
 * an errno without a name, an exec whose image says why it has no
 * journal, the tree's parent in a replay (the earliest root, whose parent
 * may be an untraced process) and the reasons when the log directory
 * cannot be looked at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis.h"
#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"
#include "untraced.h"

#define UNKNOWN                                                          \
    "no journal: a static or foreign binary, the preload removed, or a " \
    "process that shares its parent's memory (CLONE_VM)"
#define NO_JOURNAL "cannot create a journal in SHMCHECK_LOG_DIR: errno "

/* A journal of pid (parent ppid) that started at start_ns, with at most
 * one record r. */
static void journal(struct analysis_fx *fx, int pid, int ppid,
                    uint64_t start_ns, const struct jspec *r)
{
    struct jfile j;
    char name[64];

    jf_start(&j, pid, ppid);
    ((struct shmc_jheader *)j.buf)->start_ns = start_ns;
    if (r != NULL)
        jf_add(&j, r);
    snprintf(name, sizeof name, "%d.0.shmj", pid);
    jf_save(&j, fx->dir, name);
}

/* <pid>.messages saying that the journal could not be created, errno
 * err. */
static void no_journal(struct analysis_fx *fx, int pid, int err)
{
    char name[64], path[128], text[256];

    snprintf(name, sizeof name, "%d.messages", pid);
    path_in(fx->dir, name, path, sizeof path);
    snprintf(text, sizeof text, "shmcheck: pid %d: " NO_JOURNAL "%d (x)\n", pid,
             err);
    put_file(path, text, 0600);
}

/* The top program 100 (parent 1) is not the first journal in name order:
 * 50, its child, is. 60's parent is the CLI itself, which is not of the
 * tree. */
static void test_top_not_first(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, 100, 1, 1, NULL);
    journal(fx, 50, 100, 2, NULL);
    journal(fx, 60, (int)getpid(), 3, NULL);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.top_pid = 100}), 0);
    assert_int_equal(fx->run.nprocs, 3); /* 50, 60, 100: not 1 nor us */
    assert_true(find_process(&fx->run, 50)->traced);
    assert_true(find_process(&fx->run, 60)->traced);
    assert_true(find_process(&fx->run, 100)->traced);
    assert_int_equal(fx->run.nwarnings, 0);
}

/* The process events name processes: a name a SPAWN gave is kept, an
 * empty comm gives none, pid 0 is no process. */
static void test_seen_names(void **state)
{
    struct analysis_fx *fx = *state;
    static const struct cli_seen seen[] = {{102, 100, -1, "static"},
                                           {107, 100, W_EXITCODE(3, 0), ""},
                                           {0, 100, -1, "zero"}};

    journal(fx, 100, 1, 1,
            REC(.type = SHMC_J_SPAWN, .result = 102, .payload = "/bin/st",
                .plen = 8));
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.top_pid = 100,
                                                         .seen = seen,
                                                         .nseen = 3,
                                                         .tree_known = 1}),
                     0);
    assert_int_equal(fx->run.nprocs, 3); /* 100, 102, 107 */
    assert_string_equal(find_process(&fx->run, 102)->name, "/bin/st");
    assert_null(find_process(&fx->run, 107)->name);
    assert_int_equal(find_process(&fx->run, 107)->end, CLI_END_EXIT);
    assert_int_equal(find_process(&fx->run, 107)->value, 3);
    assert_int_equal(fx->run.nwarnings, 2);
    assert_string_equal(fx->run.warnings[0],
                        "pid 102 (/bin/st) was not traced: " UNKNOWN);
    assert_string_equal(fx->run.warnings[1],
                        "pid 107 was not traced: " UNKNOWN);
}

/* An errno the C library has no name for. */
static void test_errno_without_name(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, 100, 1, 1, REC(.type = SHMC_J_FORK, .result = 101));
    no_journal(fx, 101, 9999);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.top_pid = 100, .tree_known = 1}),
        0);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0],
                        "pid 101 was not traced: its journal could not be "
                        "created in the log directory: ? (Unknown error "
                        "9999)");
}

/* After an exec, the new image's tracer said why it has no journal. */
static void test_exec_with_reason(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, 300, 299, 1,
            REC(.type = SHMC_J_EXEC, .payload = "/bin/b", .plen = 7));
    no_journal(fx, 300, EACCES);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.top_pid = 300, .tree_known = 1}),
        0);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0],
                        "pid 300 was not traced after its exec of /bin/b: "
                        "its journal could not be created in the log "
                        "directory: EACCES (Permission denied)");
}

/* --replay: the tree's parent is that of the root journal that started
 * first, even when it comes later in name order; the other root's parent
 * is a process of the tree. */
static void test_earliest_root(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, 500, 8, 9, NULL);
    journal(fx, 600, 9, 4, NULL);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_int_equal(fx->run.nprocs, 3); /* 8, 500, 600: not 9 */
    assert_false(find_process(&fx->run, 8)->traced);
}

/* A journal whose parent is an untraced process of the tree (here one the
 * reaped list has) is a root too: the earliest root, 10, names the tree's
 * parent, 9; 20's parent 19 is of the tree. */
static void test_root_under_untraced(void **state)
{
    struct analysis_fx *fx = *state;
    static const struct cli_reaped reaped[] = {{9, 0}};

    journal(fx, 10, 9, 5, NULL);
    journal(fx, 20, 19, 7, NULL);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.reaped = reaped, .nreaped = 1}),
        0);
    assert_int_equal(fx->run.nprocs, 4); /* 9, 10, 19, 20 */
    assert_false(find_process(&fx->run, 19)->traced);
    assert_int_equal(find_process(&fx->run, 20)->ppid, 19);
}

/* Called directly: without a log directory, or with one that cannot be
 * looked at, the reason is the unknown one. */
static void test_no_log_dir(void **state)
{
    const char *dirs[] = {NULL, "/nonexistent/shmcheck-logs"};

    (void)state;
    for (size_t i = 0; i < NELEM(dirs); i++) {
        struct cli_inputs in = {.log_dir = dirs[i], .top_pid = 1};
        struct cli_run run = {0};
        struct analysis a = {.in = &in, .run = &run};
        in.tree_known = 1;
        assert_non_null(cli_analysis_process(&a, 42));
        cli_untraced_report(&a);
        assert_int_equal(run.nwarnings, 1);
        assert_string_equal(run.warnings[0], "pid 42 was not traced: " UNKNOWN);
        assert_string_equal(run.procs[0].reason, UNKNOWN);
        cli_run_free(&run);
    }
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_top_not_first),
        T(test_seen_names),
        T(test_errno_without_name),
        T(test_exec_with_reason),
        T(test_earliest_root),
        T(test_root_under_untraced),
        cmocka_unit_test(test_no_log_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
