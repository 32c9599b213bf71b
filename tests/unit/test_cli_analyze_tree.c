/*
 * test_cli_analyze_tree.c - cli_analyze judging the whole tree: the
 * kernel's view of what is left (marked segments, segments seen only by
 * the kernel, other processes' and older ones, a reused id), segments
 * never removed, findings in report order; every file in the directory
 * that is not a journal (empty, garbage, damaged, a symlink, a directory,
 * a FIFO) a warning that does not stop the analysis, a missing directory
 * too; and cli_kernel_segments reading /proc/sysvipc/shm's format.
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
#include "cli_fixtures.h"
#include "journal/format.h"
#include "shmcheck.h"

/* --- the kernel's view ------------------------------------------------ */

/* Leaked: what the tree created and the kernel still has unmarked (even
 * if older than the run: the journal says the tree made it), and what
 * only the kernel knows of when a process of the tree created it during
 * the run. Not leaked: marked segments, an older or an outsider's
 * segment, an id the tree created that an outsider's segment reuses.
 * never_removed: created, not removed by the tree, not leaked. */
static void test_kernel_view(void **state)
{
    struct analysis_fx *fx = *state;
    const uint64_t pcs[] = {0x401100};
    const struct cli_kseg k[] = {
        {0, 31, 0600, 4096, 600, 600, 0, 2000},
        {0x77, 32, 0600, 100, 600, 600, 1, 500},
        {0, 33, 01600, 4096, 600, 600, 1, 2000},
        {0, 36, 0600, 8192, 999, 999, 0, 2000},
        {0, 40, 0600, 10, 600, 600, 0, 2000},
        {0, 41, 0600, 20, 601, 601, 0, 500},
        {0, 42, 0600, 30, 601, 601, 0, 1500},
        {0, 43, 0600, 40, 12345, 12345, 0, 2000},
    };
    const struct cli_reaped reaped[] = {{600, 0}, {601, 0}};
    struct jfile j;
    jf_start(&j, 600, 1);
    jf_add(&j, REC(.type = SHMC_J_MODULE, .a = {0x400000, 0x401000, 0x402000},
                   .payload = "/bin/k", .plen = 7));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 31,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600, 1}, .nframes = 1,
                   .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 32,
                   .a = {0x77, 100, IPC_CREAT | IPC_EXCL | 0600, 1}));
    for (int id = 33; id <= 36; id++)
        jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = id,
                       .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600, 1},
                       .nframes = id == 34, .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {35, IPC_RMID}));
    jf_save(&j, fx->dir, "600.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){.kernel = k,
                                                 .nkernel = 8,
                                                 .reaped = reaped,
                                                 .nreaped = 2,
                                                 .top_pid = 600,
                                                 .start_time = 1000});

    assert_int_equal(rc, 0);
    assert_string_equal(
        fx->text, "leak pid=600 shmid=31 key=0 size=4096 by=tracer n=1\n"
                  "leak pid=600 shmid=32 key=0x77 size=100 by=tracer n=0\n"
                  "leak pid=600 shmid=40 key=0 size=10 by=kernel n=0\n"
                  "leak pid=601 shmid=42 key=0 size=30 by=kernel n=0\n"
                  "lint pid=600 never_removed shmid=33\n"
                  "lint pid=600 never_removed shmid=34\n"
                  "lint pid=600 never_removed shmid=36\n");
    const struct cli_finding *f = fx->run.findings;
    assert_int_equal(f[0].creator_pid, 600);
    assert_string_equal(f[0].stack.f[0].module, "/bin/k");
    assert_int_equal(f[0].stack.f[0].offset, 0x1100);
    assert_int_equal(f[5].stack.n, 1);
    assert_non_null(strstr(f[4].message, "IPC_RMID"));
    assert_int_equal(fx->run.summary.leaked_segments, 4);
    assert_int_equal(fx->run.summary.leaked_bytes, 4096 + 100 + 10 + 30);
    assert_int_equal(fx->run.summary.lints, 3);
}

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
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x9000, .a = {2}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x8000, .a = {2}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7000, .a = {1}));
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

/* --- files that are not journals ---------------------------------------- */

static void put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void at(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
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
    put(fx->dir, "1.0.shmj", "", 0);
    put(fx->dir, "2.0.shmj", text, sizeof text);
    at(fx->dir, "3.0.shmj", path, sizeof path);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    at(fx->dir, "4.0.shmj", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    at(fx->dir, "5.0.shmj", path, sizeof path);
    assert_int_equal(mkfifo(path, 0600), 0);
    jf_start(&j, 6, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x1, -1, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x2, -1, 0}));
    jf_save_part(&j, fx->dir, "6.0.shmj", j.len - 8);
    jf_start(&j, 7, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x3, -1, 0}));
    jf_save(&j, fx->dir, "7.0.shmj");
    put(fx->dir, ".shmj", "x", 1);
    put(fx->dir, "notes.txt", "x", 1);

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, "detach pid=6 shmid=-1 addr=0x1 err=22\n"
                                  "detach pid=7 shmid=-1 addr=0x3 err=22\n");
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

/* --- /proc/sysvipc/shm ---------------------------------------------------- */

static void test_kernel_segments(void **state)
{
    struct analysis_fx *fx = *state;
    char path[256], text[8192];
    struct cli_kseg *k = NULL;
    size_t n = 0;
    n += (size_t)snprintf(
        text + n, sizeof text - n,
        "       key      shmid perms                  size  cpid  lpid "
        "nattch   uid   gid  cuid  cgid      atime      dtime      ctime "
        "                  rss                  swap\n");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(
            text + n, sizeof text - n,
            "%10d %10d %5o %21llu %5d %5d %5lu %5u %5u %5u %5u %10d %10d "
            "%10ld %21u %21u\n",
            i == 0 ? -559038737 : i, 100 + i, i == 1 ? 01666 : 0600,
            i == 2 ? 18446744073709551615ull : 4096ull * i, 1000 + i, 2000,
            (unsigned long)i, 0u, 0u, 0u, 0u, 0, 0, 1700000000L + i, 0u, 0u);
    n += (size_t)snprintf(text + n, sizeof text - n, "garbage line\n");
    at(fx->dir, "shm", path, sizeof path);
    put(fx->dir, "shm", text, n);

    long got = cli_kernel_segments(path, &k);
    errno = 0;
    struct cli_kseg *none = NULL;
    long missing = cli_kernel_segments("/nonexistent/shm", &none);
    int missing_errno = errno;
    struct cli_kseg *real = NULL;
    long here = cli_kernel_segments(NULL, &real);
    long lines = -1; /* the kernel's own count: its lines but the header */
    FILE *proc = fopen("/proc/sysvipc/shm", "r");
    assert_non_null(proc);
    for (int c; (c = getc(proc)) != EOF;)
        lines += c == '\n';
    fclose(proc);

    assert_int_equal(got, 20);
    assert_int_equal(k[0].key, (int32_t)0xdeadbeef);
    assert_int_equal(k[0].shmid, 100);
    assert_int_equal(k[1].mode, 01666);
    assert_true(k[2].size == UINT64_MAX);
    assert_int_equal(k[19].size, 4096 * 19);
    assert_int_equal(k[19].cpid, 1019);
    assert_int_equal(k[19].lpid, 2000);
    assert_int_equal(k[19].nattch, 19);
    assert_int_equal(k[19].ctime, 1700000019L);
    assert_int_equal(missing, -1);
    assert_int_equal(missing_errno, ENOENT);
    assert_null(none);
    assert_int_equal(here, lines);
    free(k);
    free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kernel_view, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_report_order, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_segments, analysis_setup,
                                        analysis_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
