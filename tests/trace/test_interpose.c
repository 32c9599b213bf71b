/*
 * test_interpose.c - the interposed calls (src/trace/interpose.c): the
 * traced program sees the same results, errno and fds as without the
 * tracer; 8 threads and 20,000 live attachments are journaled exactly;
 * and the tracer makes no System V call of its own.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void threads_exact_counts(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "threads", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.err, ""); /* nothing to report */
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 80000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 80000);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMAT], 0);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
}

static void scale_segments_and_attachments(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "scale", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.err, "");
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 20000);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMCTL], 2000);
}

/* The tracer changes nothing the program sees: results, errno, fds. */
static void program_sees_no_difference(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    const char *cmds[] = {"results", "fds"};

    for (int i = 0; i < 2; i++) {
        char *argv[] = {SHMC_TRACED_PROG, (char *)cmds[i], NULL};
        run_bare(fx, &bare, argv);
        run_traced(fx, &traced, argv, "SHMCHECK_EXITCODE=0");
        assert_exit(bare.status, 0);
        assert_exit(traced.status, 0);
        assert_string_equal(bare.out, traced.out);
    }
    read_journals(fx);
    for (int i = 0; i < fx->nj; i++)
        assert_int_equal(fx->j[i].mode, 0600);
}

/* The tracer makes no System V call of its own: a program that makes none
 * shows none under strace, journal and all. */
static void tracer_makes_no_ipc_of_its_own(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char log[256];

    if (access("/usr/bin/strace", X_OK) != 0)
        skip();
    snprintf(log, sizeof log, "%s/strace.txt", fx->dir);
    char *argv[] = {
        "/usr/bin/strace", "-f", "-qq", "-e", "trace=ipc", "-o", log,
        "/bin/true",       NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);
    int fd = open(log, O_RDONLY);
    assert_true(fd >= 0);
    slurp(fd, r.out);
    unlink(log);

    assert_exit(r.status, 0);
    assert_true(fx->nj >= 1); /* true was traced */
    assert_null(strstr(r.out, "shm"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(threads_exact_counts),
        T(scale_segments_and_attachments),
        T(program_sees_no_difference),
        T(tracer_makes_no_ipc_of_its_own),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
