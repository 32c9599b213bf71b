/*
 * test_start.c - the tracer's start (src/trace/start.c, env.c): calls made
 * before its constructor start it, with the settings the process started
 * with; malformed settings are warned about once; it starts without
 * /proc; atfork handlers are traced when they can be; and errno at main
 * is 0.
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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A call made before any constructor ran (from .preinit_array, before
 * libc set environ) starts the tracer from inside its interposer, with
 * the settings the process started with: it is journaled and reported,
 * and errno is as without the tracer. */
static void call_before_the_constructor_starts_the_tracer(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "early", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "early 1 1234 1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    assert_int_equal(count_lines(traced.err, "WARNING: unmatched attach"), 1);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].rec[0].type, SHMC_J_START);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 1);
}

static void malformed_setting_warns_once(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "clean", NULL};
    char want[64];

    run_traced(fx, &r, argv, "SHMCHECK_STACK_DEPTH=abc SHMCHECK_BOGUS=1");

    assert_exit(r.status, 0);
    assert_int_equal(count_lines(r.err, "SHMCHECK_STACK_DEPTH='abc'"), 1);
    assert_int_equal(count_lines(r.err, "SHMCHECK_BOGUS"), 1);
    snprintf(want, sizeof want, "shmcheck: pid %d: SHMCHECK_STACK_DEPTH=",
             (int)r.pid); /* standalone: on stderr, naming the process */
    assert_int_equal(count_lines(r.err, want), 1);
    assert_non_null(strstr(r.out, "clean "));
}

/* No report and no log directory: the tracer's messages still reach
 * stderr, naming the process; no report follows. */
static void message_without_report_or_log_dir(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "clean", NULL};
    char want[64];

    run_traced(fx, &r, argv,
               "SHMCHECK_LOG_DIR= SHMCHECK_REPORT=none SHMCHECK_BOGUS=1");
    assert_exit(r.status, 0);
    snprintf(want, sizeof want,
             "shmcheck: pid %d: unknown setting SHMCHECK_BOGUS", (int)r.pid);
    assert_int_equal(count_lines(r.err, want), 1);
    assert_null(strstr(r.err, "SUMMARY"));
    assert_non_null(strstr(r.out, "clean "));
    read_journals(fx);
    assert_int_equal(fx->nj, 0);
}

static void hide_proc(const void *arg)
{
    (void)arg;
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", "/proc", "tmpfs", 0, NULL) != 0)
        _exit(125);
}

/* Without /proc (a sandbox that hides it): the tracer starts all the
 * same; it cannot know the program's path, command line or main stack,
 * so the journal starts with an empty path and a stack has the call site
 * only; the leak is reported and the exit status says so. Needs a mount
 * namespace (root). */
static void without_the_proc_file_system(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct how h = {fx->dir, NULL, hide_proc, NULL};

    run(fx, &r, &h, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL});
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 125)
        skip();
    read_journals(fx);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_int_equal(fx->nj, 1);
    const struct rec *start = rec_of(&fx->j[0], SHMC_J_START, 0);
    assert_int_equal(start->payload_len, 1); /* "" and no arguments */
    assert_int_equal(rec_of(&fx->j[0], SHMC_J_SHMGET, 0)->nframes, 1);
}

/* The program's atfork handlers: those registered after the tracer's are
 * traced (a child that detaches in one has nothing left attached; the
 * tracer once missed that shmdt and reported the attachment); those
 * registered before run while the tracer holds its lock and pass their
 * calls through, without a deadlock. */
static void atfork_handlers_are_traced_when_they_can_be(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *early[] = {SHMC_TRACED_PROG, "early-atfork", NULL};
    int child;

    run_traced(fx, &traced, (char *[]){SHMC_TRACED_PROG, "atfork", NULL}, NULL);
    read_journals(fx);
    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, "atfork child 0\n");
    assert_null(strstr(traced.err, "inherited"));
    assert_int_equal(fx->nj, 2);
    child = fx->j[0].pid == traced.pid ? fx->j[1].pid : fx->j[0].pid;
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_INHERIT], 1);
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_SHMDT], 1);
    assert_int_equal(journal_of(fx, child, 0)->failed[SHMC_J_SHMDT], 0);

    reset(fx);
    run_bare(fx, &bare, early);
    run_traced(fx, &traced, early, NULL);
    read_journals(fx);
    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "early 1 1234 1\natfork 0 0 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_int_equal(fx->nj, 2);
    const struct journal *parent = journal_of(fx, traced.pid, 0);
    assert_non_null(parent);
    assert_int_equal(parent->count[SHMC_J_SHMGET], 1); /* before main */
    assert_int_equal(parent->count[SHMC_J_FORK], 1);
    child = fx->j[0].pid == traced.pid ? fx->j[1].pid : fx->j[0].pid;
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_SHMGET], 0);
}

/* The tracer's start changes no errno: main starts with 0 even when the
 * journal cannot be created (warned about once). */
static void errno_at_main_is_zero(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "errno", NULL};
    char want[64];

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, "SHMCHECK_LOG_DIR=/nonexistent/shmc-logs");

    assert_string_equal(bare.out, "errno 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 0);
    assert_int_equal(count_lines(traced.err, "cannot create a journal"), 1);
    snprintf(want, sizeof want, "shmcheck: pid %d: cannot create",
             (int)traced.pid);
    assert_int_equal(count_lines(traced.err, want), 1);
    assert_int_equal(count_lines(traced.err, "errno 2 (ENOENT)"), 1);
}

/* An exec from .preinit_array, before the tracer started: the first
 * image made no call to trace and leaves no journal; the new image is
 * traced from its start, its environment passed as the program gave it. */
static void exec_before_the_tracer_started(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "early-exec", NULL}, NULL);
    read_journals(fx);
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "clean "));
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].pid, r.pid);
    assert_int_equal(fx->j[0].count[SHMC_J_EXEC], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 1);
}

/* A raw clone child made by an atfork handler that runs while the tracer
 * holds its lock (registered before the tracer's): the child's calls and
 * its _exit pass through, with no journal and no deadlock; the same
 * results as bare. */
static void clone_made_under_the_tracer_lock(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "early-atclone", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);
    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "early 1 1234 1\natfork 0 -2 1\n");
    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, bare.out);
    assert_int_equal(fx->nj, 2); /* this process and its fork child */
}

/* Names of n unknown settings (n <= 26, each name 10 to 64 characters)
 * whose lengths add up to total, then one more, as "NAME=1 ..." into
 * out; 0 if there are none such. */
static int unknown_names(char *out, size_t len, int n, int total)
{
    size_t used = 0;

    if (n > 26 || total < 10 * n || total > 64 * n)
        return 0;
    for (int i = 0; i < n; i++) {
        int name = total / (n - i); /* spread evenly */
        total -= name;
        used += (size_t)snprintf(
            out + used, len - used, "SHMCHECK_%c%.*s=1 ", 'A' + i, name - 10,
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxx");
    }
    snprintf(out + used, len - used, "SHMCHECK_ZZZZZZZZZZ=1"); /* cut */
    return 1;
}

/* Warnings longer than the tracer's buffer for them (2047 bytes) are cut
 * where it ends: when that is within "shmcheck: " of a line, the piece
 * left is written as it is, without the pid. */
static void warnings_cut_at_the_end_of_their_buffer(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "clean", NULL};
    char pid[32], extra[1024];
    int base, n;

    /* The length of a warning line but for the name, and the pid. */
    run_traced(fx, &r, argv, "SHMCHECK_AAAAAAAAAA=1");
    snprintf(pid, sizeof pid, "pid %d: ", (int)r.pid);
    base = (int)(strchr(r.err, '\n') + 1 - r.err) - (int)strlen(pid) - 19;
    for (n = 1; n <= 26; n++) /* n lines, then "shmch" */
        if (unknown_names(extra, sizeof extra, n, 2042 - n * base))
            break;
    if (n > 26)
        skip();
    run_traced(fx, &r, argv, extra);
    snprintf(pid, sizeof pid, "pid %d: ", (int)r.pid);
    assert_exit(r.status, 0);
    assert_int_equal(count_lines(r.err, "unknown setting SHMCHECK_"), n);
    assert_int_equal(count_lines(r.err, ": pid "), n);
    assert_int_equal(strlen(r.err), 2047 + (size_t)n * strlen(pid));
    assert_string_equal(strrchr(r.err, '\n'), "\nshmch");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(call_before_the_constructor_starts_the_tracer),
        T(malformed_setting_warns_once),
        T(message_without_report_or_log_dir),
        T(without_the_proc_file_system),
        T(atfork_handlers_are_traced_when_they_can_be),
        T(errno_at_main_is_zero),
        T(exec_before_the_tracer_started),
        T(clone_made_under_the_tracer_lock),
        T(warnings_cut_at_the_end_of_their_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
