/*
 * test_degraded.c - the tracer where something it uses is missing or
 * full: /proc hidden when a raw clone child is adopted (src/trace/
 * start.c), no unwinder for full stacks (stack.c), a log directory that
 * cannot take its messages, a stderr replaced by a file on another
 * device (report.c), an environment too full for every setting to be
 * passed on at exec (env.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* In a mount namespace of its own (root only; else exit 125), path
 * hidden under what: a tmpfs over a directory, /dev/null over a file. */
static void hide(const void *arg)
{
    const char *path = arg;
    int dir = strcmp(path, "/proc") == 0;

    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        (dir ? mount("none", path, "tmpfs", 0, NULL)
             : mount("/dev/null", path, NULL, MS_BIND, NULL)) != 0)
        _exit(125);
}

static void skip_if_hidden_fails(const struct run *r)
{
    if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 125)
        skip();
}

/* Without /proc the tracer cannot read a process's state, but kcmp still
 * tells a raw clone child's own raw clone child from a vfork child: it is
 * adopted, its parent the clone child, as with /proc. */
static void clone_of_clone_without_proc(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct how h = {fx->dir, NULL, hide, "/proc"};
    int kid;

    run(fx, &r, &h, (char *[]){SHMC_TRACED_PROG, "rawnest", "clone", NULL});
    skip_if_hidden_fails(&r);
    assert_exit(r.status, 0);
    assert_int_equal(sscanf(r.out, "rawnest clone status 8 pid %d", &kid), 1);
    read_journals(fx);
    assert_int_equal(fx->nj, 3);
    for (int i = 0; i < fx->nj; i++)
        if (fx->j[i].pid != r.pid && fx->j[i].pid != kid) {
            assert_int_equal(fx->j[i].ppid, kid);
            assert_int_equal(fx->j[i].count[SHMC_J_SHMGET], 1);
            assert_int_equal(fx->j[i].count[SHMC_J_EXEC_FAIL], 1);
        }
}

/* Full stacks where the unwinder (libgcc_s) cannot be loaded: backtrace
 * finds no frame, the calls are journaled with none and the leak is
 * still reported. */
static void full_stacks_without_the_unwinder(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static const char *const libs[] = {
        "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1", "/lib64/libgcc_s.so.1",
        "/usr/lib64/libgcc_s.so.1", "/lib/libgcc_s.so.1"};
    const char *lib = NULL;

    for (size_t i = 0; i < NELEM(libs) && lib == NULL; i++)
        if (access(libs[i], F_OK) == 0)
            lib = libs[i];
    if (lib == NULL)
        skip();
    const struct how h = {fx->dir, "SHMCHECK_STACKS=full", hide, lib};
    run(fx, &r, &h, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL});
    skip_if_hidden_fails(&r);
    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(rec_of(&fx->j[0], SHMC_J_SHMGET, 0)->nframes, 0);
}

/* No report and a log directory that cannot take the messages file: the
 * tracer's message goes to stderr, naming the process. */
static void messages_when_the_log_dir_is_missing(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char want[64];

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "clean", NULL},
               "SHMCHECK_REPORT=none SHMCHECK_LOG_DIR=/nonexistent/shmc");
    assert_exit(r.status, 0);
    snprintf(want, sizeof want, "shmcheck: pid %d: cannot create a journal",
             (int)r.pid);
    assert_int_equal(count_lines(r.err, want), 1);
    assert_null(strstr(r.err, "SUMMARY"));
}

/* The program replaced its stderr by a file on another device (here
 * /dev/shm): not the stderr it started with, so the report is not
 * written there; the exit status still says errors were found. */
static void stderr_replaced_by_a_file_elsewhere(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char file[] = "/dev/shm/shmc-trace-log-XXXXXX";
    struct stat st, tmp;
    int fd = mkstemp(file);

    if (fd < 0 || fstat(fd, &st) != 0 || stat(fx->dir, &tmp) != 0 ||
        st.st_dev == tmp.st_dev) {
        if (fd >= 0)
            unlink(file);
        skip();
    }
    close(fd);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "redirect", file, NULL},
               NULL);
    assert_int_equal(stat(file, &st), 0);
    unlink(file);
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_int_equal(st.st_size, 0);
}

/* An exec with an environment of 1000 entries: LD_PRELOAD and the root's
 * identity (SHMCHECK__ROOT) are added, and of the settings the process
 * started with (SHMCHECK_LOG_DIR, then 30 more) only as many as the copy
 * holds (1023 entries) follow. */
static void exec_with_a_nearly_full_environment(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char extra[1024], want[256];
    size_t len = 0;

    for (int i = 0; i < 30; i++)
        len += (size_t)snprintf(extra + len, sizeof extra - len,
                                "SHMCHECK_X%02d=1 ", i);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "exec-env", "most", NULL},
               extra);
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "count 1023\n"));
    snprintf(want, sizeof want, "got SHMCHECK_LOG_DIR=%s\n", fx->dir);
    assert_non_null(strstr(r.out, want));
    assert_non_null(strstr(r.out, "got SHMCHECK_X19=1\n"));
    assert_null(strstr(r.out, "got SHMCHECK_X20=1\n"));
    snprintf(want, sizeof want, "got LD_PRELOAD=%s\n", SHMC_TRACE_SO);
    assert_non_null(strstr(r.out, want));
}

static void stderr_to_closed_pipe(const void *arg)
{
    int p[2];

    (void)arg;
    if (pipe(p) != 0 || dup2(p[1], 2) != 2)
        _exit(126);
    close(p[0]);
    close(p[1]);
}

/* A SIGPIPE the program blocked and left pending is its own: the report
 * at exec that meets a pipe nobody reads takes back only the SIGPIPE its
 * own write raised, so the new image still finds it pending. */
static void pending_sigpipe_survives_the_report(void **state)
{
    struct fx *fx = *state;
    static struct run bare, r;
    char *argv[] = {SHMC_TRACED_PROG, "pipepending", NULL};
    const struct how b = {NULL, NULL, stderr_to_closed_pipe, NULL};
    const struct how t = {fx->dir, NULL, stderr_to_closed_pipe, NULL};

    run(fx, &bare, &b, argv);
    run(fx, &r, &t, argv);
    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "pending 1\n");
    assert_exit(r.status, 0);
    assert_string_equal(r.out, bare.out);
    read_journals(fx);
    assert_int_equal(fx->nj, 2);
    assert_int_equal(fx->j[0].count[SHMC_J_EXEC], 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(clone_of_clone_without_proc),
        T(full_stacks_without_the_unwinder),
        T(messages_when_the_log_dir_is_missing),
        T(stderr_replaced_by_a_file_elsewhere),
        T(exec_with_a_nearly_full_environment),
        T(pending_sigpipe_survives_the_report),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
