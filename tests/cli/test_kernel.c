/*
 * test_kernel.c - the kernel's view (src/cli/kernel.c): what the tree left
 * judged against the journals (marked segments, segments seen only by the
 * kernel, other processes' and older ones, a reused id, segments never
 * removed), and cli_kernel_segments reading /proc/sysvipc/shm's format.
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

static void kernel_view_processes(struct analysis_fx *fx);

/* Leaked: what the tree created and the kernel still has unmarked (even
 * if older than the run: the journal says the tree made it), and what
 * only the kernel knows of when a process of the tree created it during
 * the run; an id a journal created that the kernel says an unknown pid
 * made during the run is the tree's too (a CLONE_VM child shares its
 * parent's journal), and that pid becomes an untraced process. Not
 * leaked: marked segments, an older or an outsider's segment (one made
 * during the run is warned about). never_removed: created, not removed
 * by the tree, not leaked. */
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
                  /* the leaks only the kernel saw have no stack (nor
                   * time): one group of every segment, the first by pid */
                  "leak pid=600 shmid=40 key=0 size=10 by=kernel n=0 x3 "
                  "pids=600,601,999 shmids=36,40,42\n"
                  "lint pid=600 never_removed shmid=33\n"
                  "lint pid=600 never_removed shmid=34\n");
    const struct cli_finding *f = fx->run.findings;
    assert_int_equal(f[0].creator_pid, 600);
    assert_string_equal(f[0].stack.f[0].module, "/bin/k");
    assert_int_equal(f[0].stack.f[0].offset, 0x1100);
    assert_int_equal(f[4].stack.n, 1);
    assert_non_null(strstr(f[3].message, "IPC_RMID"));
    assert_int_equal(fx->run.summary.leaked_segments, 5);
    assert_int_equal(fx->run.summary.leaked_bytes, 4096 + 100 + 10 + 30 + 8192);
    assert_int_equal(fx->run.summary.lints, 2);
    kernel_view_processes(fx);
}

/* The processes and warnings of test_kernel_view (untraced.h). */
static void kernel_view_processes(struct analysis_fx *fx)
{
    const struct cli_process *p = find_process(&fx->run, 999);
    assert_non_null(p);
    assert_false(p->traced);
    assert_non_null(strstr(p->reason, "CLONE_VM"));
    assert_int_equal(fx->run.nwarnings, 4);
    assert_string_equal(fx->run.warnings[0],
                        "shmid 43 (key 0x00000000, 40 bytes) was created "
                        "during the run by pid 12345, which is not known to "
                        "be of the tree: if it was (an untraced process its "
                        "own parent reaped), it leaked this segment");
    assert_non_null(strstr(fx->run.warnings[1], "pid 601 was not traced"));
    assert_non_null(strstr(fx->run.warnings[2], "pid 999 was not traced"));
    assert_non_null(strstr(fx->run.warnings[3], "--isolate"));
}

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
    path_in(fx->dir, "shm", path, sizeof path);
    put_bytes(fx->dir, "shm", text, n);

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
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_kernel_view),
        T(test_kernel_segments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
