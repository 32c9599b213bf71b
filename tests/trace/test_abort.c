/*
 * test_abort.c - SHMCHECK_ON_ERROR=abort (src/trace/finish.c, process.c,
 * report.c): a process image that ends (exit, return from main, _exit,
 * _Exit; not exec) with an error finding removes the segments its report
 * counted as leaked and dies of SIGABRT, every process of the tree alike
 * (a fork server's children); one without errors ends as it asked.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>

#include "harness.h"

#define ABORT "SHMCHECK_ON_ERROR=abort"

/* No core file for the SIGABRT the tests expect. */
static void no_core(const void *arg)
{
    const struct rlimit none = {0, 0};

    (void)arg;
    setrlimit(RLIMIT_CORE, &none);
}

/* traced_prog abort-leak how, traced with the settings extra. */
static void leak(struct fx *fx, struct run *r, const char *how,
                 const char *extra)
{
    const struct how h = {fx->dir, extra, no_core, NULL};

    run(fx, r, &h,
        (char *[]){SHMC_TRACED_PROG, "abort-leak", (char *)how, NULL});
}

static void assert_aborted(int status)
{
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* The id the program printed ("segment N"), and whether it still exists. */
static int segment_exists(const struct run *r)
{
    struct shmid_ds ds;
    int id = -1;

    assert_int_equal(sscanf(r->out, "segment %d", &id), 1);
    return shmctl(id, IPC_STAT, &ds) == 0;
}

/* exit() and a return from main: the report, then the leak removed, the
 * program's buffered output flushed (it asked to exit), then SIGABRT; a
 * SIGABRT handler that returns does not save it. */
static void a_leak_at_exit_aborts(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exit", "return", "handler"};

    for (size_t i = 0; i < NELEM(hows); i++) {
        leak(fx, &r, hows[i], ABORT);
        assert_aborted(r.status);
        assert_non_null(strstr(r.err, "ERROR: leaked segment: shmid"));
        assert_non_null(strstr(r.out, "buffered\n"));
        assert_int_equal(!strcmp(hows[i], "handler"),
                         strstr(r.out, "handler\n") != NULL);
        assert_false(segment_exists(&r));
        assert_false(segment_left_by(r.pid));
    }
}

/* _exit and _Exit: the same, but stdio is not flushed, as _exit does not. */
static void a_leak_at__exit_aborts(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"_exit", "_Exit"};

    for (size_t i = 0; i < NELEM(hows); i++) {
        leak(fx, &r, hows[i], ABORT);
        assert_aborted(r.status);
        assert_non_null(strstr(r.err, "at _exit:"));
        assert_null(strstr(r.out, "buffered"));
        assert_false(segment_exists(&r));
    }
}

/* Nothing reported, and still the leak removed and SIGABRT. */
static void without_a_report(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    leak(fx, &r, "exit", ABORT " SHMCHECK_REPORT=none");
    assert_aborted(r.status);
    assert_string_equal(r.err, "");
    assert_false(segment_exists(&r));
}

/* No error, no abort: a clean run keeps its status; a finding that is not
 * an error kind (SHMCHECK_ERRORS) and a segment marked for removal (no
 * finding at all) end as the program asked. */
static void no_error_no_abort(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    leak(fx, &r, "clean", ABORT);
    assert_exit(r.status, 7);
    assert_string_equal(r.err, "");

    leak(fx, &r, "exit", ABORT " SHMCHECK_ERRORS=invalid_detach");
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.err, "WARNING: leaked segment:"));
    assert_true(segment_exists(&r)); /* not an error: left as it was */

    leak(fx, &r, "rmid", ABORT);
    assert_exit(r.status, 0);
    assert_null(strstr(r.err, "leaked segment:"));
    assert_non_null(strstr(r.err, "WARNING: unmatched attach"));
}

/* An exec is not an end: the image reports its leak, and the new image,
 * clean, exits as it asked; the segment is left (nothing aborted). */
static void exec_does_not_abort(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    leak(fx, &r, "exec", ABORT);
    assert_exit(r.status, 7);
    assert_non_null(strstr(r.err, "ERROR: leaked segment:"));
    assert_non_null(strstr(r.err, "at exec:"));
    assert_true(segment_exists(&r));
}

/* The shape of AFL++'s fork server: every child that leaks dies of
 * SIGABRT with its segment gone, whether it exits or _exits; the parent
 * goes on and exits 0, without findings of its own. */
static void fork_server_children_abort(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct how h = {fx->dir, ABORT, no_core, NULL};
    char *args[][3] = {{SHMC_TRACED_PROG, "abort-forks", "5"},
                       {SHMC_TRACED_PROG, "abort-forks", "3:_exit"}};
    const char *want[] = {"aborted 5 of 5, 5 gone\n",
                          "aborted 3 of 3, 3 gone\n"};

    for (size_t i = 0; i < NELEM(args); i++) {
        run(fx, &r, &h, (char *[]){args[i][0], args[i][1], args[i][2], NULL});
        assert_exit(r.status, 0);
        assert_string_equal(r.out, want[i]);
        assert_false(segment_left_by(r.pid));
    }
}

/* A malformed value warns and keeps exit: the root exits with
 * SHMCHECK_EXITCODE's status, its segment left. */
static void malformed_value_keeps_exit(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    leak(fx, &r, "exit", "SHMCHECK_ON_ERROR=crash");
    assert_exit(r.status, 23);
    assert_non_null(strstr(r.err, ": SHMCHECK_ON_ERROR='crash': unknown "
                                  "word; allowed: exit, abort; using "
                                  "exit\n"));
    assert_true(segment_exists(&r));
    assert_non_null(strstr(r.out, "buffered\n"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(a_leak_at_exit_aborts),      T(a_leak_at__exit_aborts),
        T(without_a_report),           T(no_error_no_abort),
        T(exec_does_not_abort),        T(fork_server_children_abort),
        T(malformed_value_keeps_exit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
