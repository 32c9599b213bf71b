/*
 * test_cov3_registry.c - the image registry as the analysis reads it
 * (src/cli/lineage.c; the format: journal/registry.h): a process whose
 * journal could not be made, a fork child's START after its command line
 * is known, exit statuses out of range, a registry that is a symbolic
 * link or a directory, and the look-ups of the analysis when its index
 * of processes is not complete (src/cli/analysis.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis.h"
#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"
#include "journal/registry.h"

/* A registry being put together, record by record. */
struct reg {
    unsigned char buf[8 * SHMC_REG_MAX];
    size_t len;
};

static void reg_add(struct reg *g, enum shmc_reg_kind kind, int pid, int ppid,
                    uint64_t t, int64_t arg, char *const *list, const char *one)
{
    assert_true(g->len + SHMC_REG_MAX <= sizeof g->buf);
    g->len +=
        shmc_reg_build(g->buf + g->len, kind, pid, ppid, t, arg, list, one);
}

static void reg_save(struct analysis_fx *fx, const struct reg *g)
{
    put_bytes(fx->dir, SHMC_REGISTRY_NAME, g->buf, g->len);
}

/* A journal of the top program 100 that forked 101. */
static void top_forked(struct analysis_fx *fx)
{
    struct jfile j;

    jf_start(&j, 100, 1);
    ((struct shmc_jheader *)j.buf)->start_ns = 1;
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = 101));
    jf_save(&j, fx->dir, "100.0.shmj");
}

static int analyze(struct analysis_fx *fx)
{
    return analyze_dir(fx,
                       (struct cli_inputs){.top_pid = 100, .tree_known = 1});
}

/* 101 started traced, then its journal could not be made at its first
 * System V call: it is untraced, and the warning gives the registry's
 * errno. The NOJOURNAL of 100, whose journal was read, is not believed. */
static void test_no_journal(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};
    char *argv[] = {"child", "x", NULL};

    top_forked(fx);
    reg_add(&g, SHMC_REG_START, 101, 100, 5, SHMC_REG_FORKED, argv, NULL);
    reg_add(&g, SHMC_REG_NOJOURNAL, 101, 100, 6, EACCES, NULL, NULL);
    reg_add(&g, SHMC_REG_NOJOURNAL, 100, 1, 7, ENOSPC, NULL, NULL);
    reg_save(fx, &g);
    assert_int_equal(analyze(fx), 0);
    assert_true(find_process(&fx->run, 100)->traced);
    assert_false(find_process(&fx->run, 101)->traced);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0],
                        "pid 101 was not traced: its journal could not be "
                        "created in the log directory at its first System V "
                        "call: EACCES (Permission denied)");
}

/* An errno the C library has no name for. */
static void test_no_journal_unnamed(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};

    top_forked(fx);
    reg_add(&g, SHMC_REG_NOJOURNAL, 101, 100, 6, 9999, NULL, NULL);
    reg_save(fx, &g);
    assert_int_equal(analyze(fx), 0);
    assert_false(find_process(&fx->run, 101)->traced);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0],
                        "pid 101 was not traced: its journal could not be "
                        "created in the log directory at its first System V "
                        "call: ? (Unknown error 9999)");
}

/* A fork child's START keeps the command line an earlier START gave (it
 * runs what its parent ran); an exec's START replaces it. Exit statuses
 * out of 0..255 are no status; an EXIT older than the pid's latest event
 * does not end its image. */
static void test_starts_and_exits(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};
    char *first[] = {"first", "a", NULL}, *again[] = {"again", NULL};
    char *exec[] = {"/bin/new", "b", NULL};

    top_forked(fx);
    reg_add(&g, SHMC_REG_START, 101, 100, 5, SHMC_REG_EXECED, first, NULL);
    reg_add(&g, SHMC_REG_START, 101, 100, 6, SHMC_REG_FORKED, again, NULL);
    reg_add(&g, SHMC_REG_EXIT, 101, 100, 7, 256, NULL, NULL);
    reg_add(&g, SHMC_REG_START, 102, 100, 8, SHMC_REG_FORKED, again, NULL);
    reg_add(&g, SHMC_REG_START, 102, 100, 9, SHMC_REG_EXECED, exec, NULL);
    reg_add(&g, SHMC_REG_EXIT, 102, 100, 3, -1, NULL, NULL);
    reg_save(fx, &g);
    assert_int_equal(analyze(fx), 0);
    assert_true(find_process(&fx->run, 101)->traced);
    assert_argv(find_process(&fx->run, 101), ARGV("first", "a"));
    assert_int_not_equal(find_process(&fx->run, 101)->end, CLI_END_EXIT);
    assert_true(find_process(&fx->run, 102)->traced);
    assert_argv(find_process(&fx->run, 102), ARGV("/bin/new", "b"));
    assert_int_not_equal(find_process(&fx->run, 102)->end, CLI_END_EXIT);
}

/* A registry that is a symbolic link is not followed; one that is a
 * directory is no registry. Either is said, and the journals are still
 * read. */
static void test_not_a_registry(void **state)
{
    struct analysis_fx *fx = *state;
    char path[128], want[256];

    top_forked(fx);
    path_in(fx->dir, SHMC_REGISTRY_NAME, path, sizeof path);
    assert_int_equal(symlink("/dev/null", path), 0);
    assert_int_equal(analyze(fx), 0);
    snprintf(want, sizeof want, "%s: cannot read: %s", path, strerror(ELOOP));
    assert_string_equal(fx->run.warnings[0], want);
    cli_run_free(&fx->run);
    memset(&fx->run, 0, sizeof fx->run);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(analyze(fx), 0);
    snprintf(want, sizeof want, "%s: not a regular file, not an image registry",
             path);
    assert_string_equal(fx->run.warnings[0], want);
    assert_true(find_process(&fx->run, 100)->traced);
}

/* An analysis made by hand has no index of its processes: they are
 * searched for. */
static void test_find_without_index(void **state)
{
    struct cli_run run = {0};
    struct cli_inputs in = {0};
    struct analysis a = {.in = &in, .run = &run};
    struct cli_process procs[2] = {{.pid = 7}, {.pid = 9}};

    (void)state;
    run.procs = procs;
    run.nprocs = 2;
    assert_ptr_equal(cli_analysis_find_process(&a, 9), &procs[1]);
    assert_null(cli_analysis_find_process(&a, 8));
}

/* Such an analysis adds a process without an index to put it in: it is
 * found by searching, as the others. */
static void test_add_without_index(void **state)
{
    struct cli_run run = {0};
    struct cli_inputs in = {0};
    struct analysis a = {.in = &in, .run = &run};
    struct cli_process *p;

    (void)state;
    assert_non_null(run.procs = calloc(2, sizeof *run.procs));
    run.procs[0].pid = 7, run.procs[1].pid = 9;
    run.nprocs = 2;
    assert_non_null(p = cli_analysis_process(&a, 11));
    assert_int_equal(p->pid, 11);
    assert_int_equal(run.nprocs, 3);
    assert_int_equal(a.procidx.count, 0); /* not indexed */
    assert_ptr_equal(cli_analysis_find_process(&a, 11), &run.procs[2]);
    assert_ptr_equal(cli_analysis_process(&a, 9), &run.procs[1]);
    assert_int_equal(run.nprocs, 3);
    shmc_table_destroy(&a.procidx);
    free(run.procs);
}

/* A pid the CLI reaped twice (taken again): the first status is its. */
static void test_reaped_twice(void **state)
{
    static const struct cli_reaped reaped[] = {{5, 1}, {5, 2}};
    struct cli_run run = {0};
    struct cli_inputs in = {.reaped = reaped, .nreaped = 2};
    struct analysis a = {.in = &in, .run = &run};
    int status = -1;

    (void)state;
    assert_int_equal(cli_analysis_reaped(&a, 5, &status), 1);
    assert_int_equal(status, 1);
    assert_int_equal(cli_analysis_reaped(&a, 6, &status), 0);
    shmc_table_destroy(&a.reapidx);
}

/* An exec without a journal that returned leaves the image traced; one
 * that did not ends it: the process ran untraced after it. A SPAWN of no
 * child (-1) names nobody; one without a file name names a child without
 * a name. */
static void test_exec_and_spawn(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};
    char *argv[] = {"child", NULL};

    top_forked(fx);
    reg_add(&g, SHMC_REG_START, 101, 100, 5, SHMC_REG_FORKED, argv, NULL);
    reg_add(&g, SHMC_REG_EXEC, 101, 100, 6, 0, NULL, "/bin/none");
    reg_add(&g, SHMC_REG_EXEC_FAIL, 101, 100, 7, ENOENT, NULL, NULL);
    reg_add(&g, SHMC_REG_START, 102, 100, 8, SHMC_REG_FORKED, argv, NULL);
    reg_add(&g, SHMC_REG_EXEC, 102, 100, 9, 0, NULL, "");
    reg_add(&g, SHMC_REG_SPAWN, 101, 100, 10, -1, NULL, "/bin/x");
    reg_add(&g, SHMC_REG_SPAWN, 101, 100, 11, 103, NULL, NULL);
    reg_save(fx, &g);
    assert_int_equal(analyze(fx), 0);
    assert_true(find_process(&fx->run, 101)->traced);
    assert_null(find_process(&fx->run, 101)->exec_path);
    assert_string_equal(find_process(&fx->run, 102)->exec_path, "?");
    assert_null(find_process(&fx->run, 103)->name);
    assert_int_equal(fx->run.nprocs, 4); /* 100 to 103 */
}

/* An image the registry says began traced, whose messages say its
 * journal could not be made: untraced, and why is the messages'. */
static void test_start_then_messages(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};
    char *argv[] = {"child", NULL}, path[128];

    top_forked(fx);
    reg_add(&g, SHMC_REG_START, 101, 100, 5, SHMC_REG_FORKED, argv, NULL);
    reg_save(fx, &g);
    path_in(fx->dir, "101.messages", path, sizeof path);
    put_file(path,
             "shmcheck: pid 101: cannot create a journal in "
             "SHMCHECK_LOG_DIR: errno 28 (x)\n",
             0600);
    assert_int_equal(analyze(fx), 0);
    assert_false(find_process(&fx->run, 101)->traced);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0],
                        "pid 101 was not traced: its journal could not be "
                        "created in the log directory: ENOSPC (No space "
                        "left on device)");
}

/* 101's journaled image exited; the registry then says an image of 101
 * began (the pid went on) and 102's image exited later than its journal
 * says: its exit status is the registry's. */
static void test_after_journal_exit(void **state)
{
    struct analysis_fx *fx = *state;
    struct reg g = {0};
    struct jfile j;
    char *argv[] = {"again", NULL};

    top_forked(fx);
    for (int pid = 101; pid <= 102; pid++) {
        char name[32];
        jf_start(&j, pid, 100);
        ((struct shmc_jheader *)j.buf)->start_ns = 10;
        jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
        snprintf(name, sizeof name, "%d.0.shmj", pid);
        jf_save(&j, fx->dir, name);
    }
    reg_add(&g, SHMC_REG_START, 101, 100, 50, SHMC_REG_EXECED, argv, NULL);
    reg_add(&g, SHMC_REG_EXIT, 102, 100, 60, 4, NULL, NULL);
    reg_save(fx, &g);
    assert_int_equal(analyze(fx), 0);
    assert_true(find_process(&fx->run, 101)->traced);
    assert_int_equal(find_process(&fx->run, 102)->end, CLI_END_EXIT);
    assert_int_equal(find_process(&fx->run, 102)->value, 4);
    assert_int_equal(fx->run.nwarnings, 0);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_no_journal),
        T(test_no_journal_unnamed),
        T(test_starts_and_exits),
        T(test_not_a_registry),
        T(test_exec_and_spawn),
        T(test_start_then_messages),
        T(test_after_journal_exit),
        cmocka_unit_test(test_find_without_index),
        cmocka_unit_test(test_add_without_index),
        cmocka_unit_test(test_reaped_twice),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
