/*
 * test_cov_remap.c - remap_file_pages where the tracer has nothing to
 * record (src/trace/interpose.c): over memory far from every attachment,
 * refused by the kernel over an attachment (a protection other than 0),
 * and over an attachment after the final report. Each gives what it
 * gives bare, and no UNMAP record. And a fork that another thread makes
 * while the final report is being written: the child is not traced.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Both calls EINVAL, as bare; the attachment intact: shmdt works, the
 * journal has no UNMAP and the report no error. */
static void remap_refused_records_nothing(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "remap-refused", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "remap_file_pages(elsewhere) -1 22\n"
                                  "remap_file_pages(prot) -1 22\n"
                                  "shmdt 0 1234\nshmctl 0 1234\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 0);
    assert_null(strstr(traced.err, "ERROR"));
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].count[SHMC_J_UNMAP], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 1);
}

/* After the final report the call goes straight to the kernel: it
 * works as bare, and the journal, ended, has no UNMAP. */
static void remap_after_the_report_passes_through(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "remap-late", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    assert_exit(bare.status, 4);
    assert_string_equal(bare.out, "main done\nlate remap_file_pages 0 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 4);
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[0].count[SHMC_J_UNMAP], 0);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
}

/* In the child before exec: stderr a pipe whose read end is fd 3. */
static void stderr_to_pipe(const void *arg)
{
    int p[2];

    (void)arg;
    if (pipe(p) != 0 || p[1] == 3 || dup2(p[1], 2) != 2)
        _exit(120);
    close(p[1]);
    if (p[0] != 3 && (dup2(p[0], 3) != 3 || close(p[0]) != 0))
        _exit(120);
}

/* The report (a segment left, _exit) waits on a full stderr while
 * another thread forks: the fork passes straight through, the child gets
 * no journal and exits as it would bare; the root's status says errors. */
static void fork_during_the_report_not_traced(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct how h = {fx->dir, NULL, stderr_to_pipe, NULL};

    run(fx, &r, &h, (char *[]){SHMC_TRACED_PROG, "fork-in-report", NULL});
    assert_string_equal(r.out, "child 0\n");
    assert_exit(r.status, 23);
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].pid, r.pid);
    assert_int_equal(fx->j[0].count[SHMC_J_FORK], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(remap_refused_records_nothing),
        T(remap_after_the_report_passes_through),
        T(fork_during_the_report_not_traced),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
