/*
 * test_analyze.c - the whole analysis (src/cli/analyze.c): findings in
 * report order; every file in the log directory that is not a journal
 * (empty, garbage, damaged, a symlink, a directory, a FIFO) a warning
 * that does not stop the analysis, and a missing directory too. One
 * image's journal: test_replay.c; calls and lints: test_lints.c; the
 * kernel's view: test_kernel.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"
#include "shmcheck.h"

/* Errors first (leaks, invalid detaches), then unmatched attachments,
 * failed calls and lints; within a kind by pid, shmid and address;
 * processes by pid. */
static void test_report_order(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg k[] = {{0, 2, 0600, 1, 700, 700, 0, 0}};
    struct jfile j;
    jf_start(&j, 702, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 3,
                   .a = {0x5, 1, IPC_CREAT | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {3, IPC_RMID}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x9000, .a = {2}, AT(1)));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x8000, .a = {2}, AT(2)));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7000, .a = {1}, AT(3)));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x1, 2, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .err = EACCES, .a = {2}));
    jf_save(&j, fx->dir, "702.0.shmj");
    jf_start(&j, 700, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 2,
                   .a = {0, 1, IPC_CREAT | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x1, -1, 0}));
    jf_save(&j, fx->dir, "700.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){.kernel = k, .nkernel = 1});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text,
                        "leak pid=700 shmid=2 key=0 size=1 by=tracer n=0\n"
                        "detach pid=700 shmid=-1 addr=0x1 err=22\n"
                        "detach pid=702 shmid=2 addr=0x1 err=22\n"
                        "unmatched pid=702 shmid=1 addr=0x7000 end=exit\n"
                        "unmatched pid=702 shmid=2 addr=0x8000 end=exit\n"
                        "unmatched pid=702 shmid=2 addr=0x9000 end=exit\n"
                        "failed pid=702 shmat shmid=2 err=13\n"
                        "lint pid=702 create_without_excl shmid=3\n");
    assert_int_equal(fx->run.nprocs, 2);
    assert_int_equal(fx->run.procs[0].pid, 700);
    assert_int_equal(fx->run.procs[1].pid, 702);
}

/* Each is a warning naming the file; the good journal is still read,
 * the damaged one up to its damage; other names are not looked at. */
static void test_bad_files(void **state)
{
    struct analysis_fx *fx = *state;
    char path[256], want[2048];
    struct jfile j;
    char text[72];
    memset(text, 'x', sizeof text);
    put_bytes(fx->dir, "1.0.shmj", "", 0);
    put_bytes(fx->dir, "2.0.shmj", text, sizeof text);
    path_in(fx->dir, "3.0.shmj", path, sizeof path);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    path_in(fx->dir, "4.0.shmj", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    path_in(fx->dir, "5.0.shmj", path, sizeof path);
    assert_int_equal(mkfifo(path, 0600), 0);
    jf_start(&j, 6, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x1, -1, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x2, -1, 0}));
    jf_save_part(&j, fx->dir, "6.0.shmj", j.len - 8);
    jf_start(&j, 7, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x3, -1, 0}));
    jf_save(&j, fx->dir, "7.0.shmj");
    put_bytes(fx->dir, ".shmj", "x", 1);
    put_bytes(fx->dir, "notes.txt", "x", 1);

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    /* One stack (none), one message: one finding of both journals. */
    assert_string_equal(fx->text,
                        "detach pid=6 shmid=-1 addr=0x1 err=22 x2 pids=6,7\n");
    snprintf(want, sizeof want,
             "%s/1.0.shmj: empty, not a shmcheck journal\n"
             "%s/2.0.shmj: not a shmcheck journal (bad magic or version)\n"
             "%s/3.0.shmj: cannot read: %s\n"
             "%s/4.0.shmj: not a regular file, not a shmcheck journal\n"
             "%s/5.0.shmj: not a regular file, not a shmcheck journal\n"
             "%s/6.0.shmj: damaged at byte %zu: read up to the last whole "
             "record\n",
             fx->dir, fx->dir, fx->dir, strerror(ELOOP), fx->dir, fx->dir,
             fx->dir, (size_t)64 + shmc_jrec_size(0, 0));
    char got[2048] = "";
    assert_int_equal(fx->run.nwarnings, 6);
    for (size_t i = 0; i < fx->run.nwarnings; i++) {
        strcat(got, fx->run.warnings[i]);
        strcat(got, "\n");
    }
    assert_null(fx->run.warnings[6]);
    assert_string_equal(got, want);
    assert_int_equal(fx->run.nprocs, 2);
}

/* A log directory that is not there is a warning, not an error. */
static void test_missing_dir(void **state)
{
    struct analysis_fx *fx = *state;
    char want[256];
    struct cli_inputs in = {.log_dir = "/nonexistent/shmc-logs"};

    int rc = cli_analyze(&in, &fx->run);

    snprintf(want, sizeof want,
             "/nonexistent/shmc-logs: cannot list "
             "journals: %s",
             strerror(ENOENT));
    assert_int_equal(rc, 0);
    assert_int_equal(fx->run.nwarnings, 1);
    assert_string_equal(fx->run.warnings[0], want);
    assert_int_equal(fx->run.nfindings, 0);
    assert_int_equal(fx->run.nprocs, 0);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_report_order),
        T(test_bad_files),
        T(test_missing_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
