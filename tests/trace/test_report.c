/*
 * test_report.c - the report at the end of a process image
 * (src/trace/report.c): findings grouped by call site and capped, each
 * kind of invalid detach saying why, segments other processes handle not
 * reported as leaks, where the report goes (stderr as the program started
 * with it, report files, nowhere), long lines cut and paths escaped.
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

/* Like the sanitizers' reports: grouped by call site, capped. */
static void report_groups_and_caps(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "many", NULL};

    run_traced(fx, &r, argv, NULL);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 30);
    assert_non_null(strstr(r.err, "... and 10 more leaked segments"));
    assert_int_equal(count_lines(r.err, "WARNING: unmatched attach: 40 "), 1);
    assert_non_null(strstr(r.err, "SUMMARY: shmcheck: 40 leaked segment(s) "
                                  "(163840 bytes), 40 unmatched"));
}

/* 35 call sites with unmatched attaches and 70 failed calls: 30 blocks
 * of each, the rest counted; the summary has every one. */
static void report_caps_call_sites_and_failed_calls(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "sites", NULL}, NULL);

    assert_exit(r.status, 0); /* warnings only */
    assert_int_equal(
        count_lines(r.err, "WARNING: unmatched attach: 1 attachment(s)"), 30);
    assert_non_null(
        strstr(r.err, "... and 5 more call sites with unmatched attaches\n"));
    assert_int_equal(
        count_lines(r.err, "WARNING: failed call: shmat(shmid -1, addr 0x0"),
        64);
    assert_non_null(
        strstr(r.err, "... and 6 more failed calls or invalid detaches\n"));
    assert_non_null(strstr(r.err, "35 unmatched attach(es), 0 inherited "
                                  "unmatched, 0 invalid detach(es), 70 "
                                  "failed call(s)"));
}

/* Each kind of invalid detach says what it is; the program's results are
 * unchanged. */
static void invalid_detaches_say_why(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "detaches", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);

    assert_string_equal(bare.out, "-1 -1 0 -1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: invalid detach"), 3);
    assert_non_null(strstr(traced.err, "not page-aligned"));
    assert_non_null(
        strstr(traced.err, "not the start of an attachment of this process"));
    assert_non_null(strstr(traced.err, "double detach: shmid"));
    assert_non_null(strstr(traced.err, " 3 invalid detach(es)"));
}

/* Segments this process created are not its leaks when another process
 * removed one, marked one for removal, or still has one attached: the
 * report at exec says nothing of them. */
static void segments_others_handle_are_not_leaks(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "others", NULL}, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "reaped 0 0\n");
    assert_null(strstr(r.err, "leaked segment:"));
    assert_non_null(strstr(r.err, "still attached at exec"));
    assert_non_null(strstr(r.err, "0 leaked segment(s) (0 bytes), 1 "
                                  "unmatched attach(es), 0 inherited"));
    assert_false(segment_left_by(r.pid));
}

static void close_stderr(const void *arg)
{
    (void)arg;
    close(2);
}

static void stderr_to(const void *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 2) != 2)
        _exit(126);
}

static void stderr_to_closed_pipe(const void *arg)
{
    int p[2];

    (void)arg;
    if (pipe(p) != 0 || dup2(p[1], 2) != 2)
        _exit(126);
    close(p[0]);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

/* The report goes to the stderr the program started with, and nowhere
 * when it is gone: closed at start, replaced by the program (a daemon's
 * log file is not ours to write), full, or a pipe nobody reads (which
 * must not kill the program with SIGPIPE, warnings included). The exit
 * status still says errors were found. */
static void report_without_a_usable_stderr(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *leave[] = {SHMC_TRACED_PROG, "leave", "exit", NULL};
    char file[128];
    struct stat st;
    const struct how closed = {fx->dir, NULL, close_stderr, NULL};
    const struct how full = {fx->dir, NULL, stderr_to, "/dev/full"};
    const struct how broken = {fx->dir, "SHMCHECK_BOGUS=1",
                               stderr_to_closed_pipe, NULL};

    snprintf(file, sizeof file, "%s/daemon.log", fx->dir);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "redirect", file, NULL},
               NULL);
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_size, 0);

    run(fx, &r, &closed, leave);
    assert_exit(r.status, 23);
    run(fx, &r, &full, leave);
    assert_exit(r.status, 23);
    run(fx, &r, &broken, leave);
    assert_exit(r.status, 23);
    assert_string_equal(r.out, "ready\n");
}

/* Creates the report names traced_prog would use for this pid, 0..999. */
static void take_report_names(const void *dir)
{
    char path[256];

    for (int n = 0; n < 1000; n++) {
        snprintf(path, sizeof path, "%s/%d.%d.exit.report", (const char *)dir,
                 (int)getpid(), n);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            _exit(126);
        close(fd);
    }
}

/* The first report file of pid's that is not empty, into out. */
static int read_report(const struct fx *fx, int pid, char *out, size_t len)
{
    char path[256];

    for (int n = 0; n < 1000; n++) {
        snprintf(path, sizeof path, "%s/%d.%d.exit.report", fx->dir, pid, n);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 0;
        ssize_t got = read(fd, out, len - 1);
        close(fd);
        if (got > 0) {
            out[got] = '\0';
            return 1;
        }
    }
    return 0;
}

/* SHMCHECK_REPORT=logdir writes <pid>.<n>.<how>.report with the first
 * free n; when 1000 are taken, or the directory is missing, the report
 * goes nowhere; SHMCHECK_REPORT=none writes none. The exit status is the
 * same in every case. */
static void report_files_and_none(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char report[OUT_MAX];
    char *leave[] = {SHMC_TRACED_PROG, "leave", "exit", NULL};
    const struct how taken = {fx->dir, "SHMCHECK_REPORT=logdir",
                              take_report_names, fx->dir};

    run_traced(fx, &r, leave, "SHMCHECK_REPORT=logdir");
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_true(read_report(fx, r.pid, report, sizeof report));
    assert_non_null(strstr(report, "SUMMARY: shmcheck: 1 leaked segment(s)"));

    run(fx, &r, &taken, leave);
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_false(read_report(fx, r.pid, report, sizeof report));

    run_traced(fx, &r, leave,
               "SHMCHECK_REPORT=logdir SHMCHECK_LOG_DIR=/nonexistent/shmc");
    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "\n"), 1); /* the journal warning */
    assert_non_null(strstr(r.err, "cannot create a journal"));

    run_traced(fx, &r, leave, "SHMCHECK_REPORT=none");
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
}

/* A report line longer than the line buffer (a program deep in the file
 * system) is cut at 511 bytes, not dropped. */
static void long_lines_are_cut(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char dir[PATH_MAX], exe[PATH_MAX + 16], cp[2 * PATH_MAX], start[401];
    size_t len = (size_t)snprintf(dir, sizeof dir, "%s", fx->dir);

    for (int level = 0; level < 3; level++) {
        len += (size_t)snprintf(dir + len, sizeof dir - len, "/%0200d", level);
        assert_int_equal(mkdir(dir, 0700), 0);
    }
    snprintf(exe, sizeof exe, "%s/traced_prog", dir);
    snprintf(cp, sizeof cp, "cp %s %s", SHMC_TRACED_PROG, exe);
    assert_int_equal(system(cp), 0);

    run_traced(fx, &r, (char *[]){exe, "leave", "exit", NULL}, NULL);

    assert_exit(r.status, 23);
    assert_true(strlen(exe) > 600);
    assert_true(strcspn(r.err, "\n") >= 511);
    snprintf(start, sizeof start, "%.400s", exe);
    assert_non_null(strstr(r.err, start));
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

/* A program whose path holds a newline, a fake report line and a
 * terminal escape: the report escapes it, so no line is forged and no
 * control byte but the newlines that end lines reaches stderr. */
static void paths_are_escaped(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char exe[PATH_MAX], cp[2 * PATH_MAX + 16];

    snprintf(exe, sizeof exe, "%s/tp\n==0== SUMMARY: fake\x1b[2J", fx->dir);
    snprintf(cp, sizeof cp, "cp %s '%s'", SHMC_TRACED_PROG, exe);
    assert_int_equal(system(cp), 0);

    run_traced(fx, &r, (char *[]){exe, "leave", "exit", NULL}, NULL);

    assert_exit(r.status, 23);
    assert_non_null(strstr(r.err, "/tp\\n==0== SUMMARY: fake\\x1b[2J"));
    assert_null(strstr(r.err, "\n==0== "));
    for (const char *p = r.err; *p != '\0'; p++)
        if ((unsigned char)*p < ' ' && *p != '\n')
            fail_msg("control byte 0x%02x in the report", (unsigned char)*p);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(report_groups_and_caps),
        T(report_caps_call_sites_and_failed_calls),
        T(invalid_detaches_say_why),
        T(segments_others_handle_are_not_leaks),
        T(report_without_a_usable_stderr),
        T(report_files_and_none),
        T(long_lines_are_cut),
        T(paths_are_escaped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
