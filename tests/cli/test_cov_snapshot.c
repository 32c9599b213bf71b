/*
 * test_cov_snapshot.c - the kernel snapshot of --log-dir
 * (src/cli/snapshot.c) on its edges: saved from the kernel's own table
 * or a copy of it, not saved (and nothing left) when the table cannot be
 * opened or read, when it cannot all be written (a file size limit) or
 * when a snapshot is already there; refused on load
 * (EPROTO) when it is a directory, empty, or its first line holds an
 * isolated other than 0 or 1 or a negative start.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "snapshot.h"

static char dir[] = "/tmp/shmc-snapXXXXXX";
static char snap[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(snap, sizeof snap, "%s/" CLI_SNAPSHOT_NAME, dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[64];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void write_snap(const char *text)
{
    FILE *f = fopen(snap, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* What load says of the snapshot now there: its count, errno in *err. */
static long load(int *iso, long *start, int *err)
{
    struct cli_kseg *k = NULL;
    long n;

    errno = 0;
    n = cli_snapshot_load(dir, &k, iso, start);
    *err = errno;
    free(k);
    return n;
}

static void test_save(void **state)
{
    int iso = -1, e;
    long start = -1;

    (void)state;
    /* The kernel's table, then a second save that must not replace it. */
    assert_int_equal(cli_snapshot_save(dir, NULL, 1, 77), 0);
    assert_int_equal(load(&iso, &start, &e), 0); /* a private namespace */
    assert_int_equal(iso, 1);
    assert_int_equal(start, 77);
    errno = 0;
    assert_int_equal(cli_snapshot_save(dir, "/proc/sysvipc/shm", 0, 5), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(load(&iso, &start, &e), 0);
    assert_int_equal(start, 77);
    assert_int_equal(unlink(snap), 0);
    /* A table that is not there, one that cannot be read: no file. */
    errno = 0;
    assert_int_equal(cli_snapshot_save(dir, "/nonexistent/shm", 0, 5), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(access(snap, F_OK), -1);
    errno = 0;
    assert_int_equal(cli_snapshot_save(dir, "/", 0, 5), -1);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(access(snap, F_OK), -1);
}

static void test_load_refused(void **state)
{
    int iso = -1, e;
    long start = -1;

    (void)state;
    assert_int_equal(load(&iso, &start, &e), -1);
    assert_int_equal(e, ENOENT);
    assert_int_equal(mkdir(snap, 0700), 0);
    assert_int_equal(load(&iso, &start, &e), -1);
    assert_int_equal(e, EPROTO);
    assert_int_equal(rmdir(snap), 0);
    const char *bad[] = {
        "",
        "# shmcheck kernel snapshot 1 isolated=2 start=5\n",
        "# shmcheck kernel snapshot 1 isolated=-1 start=5\n",
        "# shmcheck kernel snapshot 1 isolated=0 start=-5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_snap(bad[i]);
        assert_int_equal(load(&iso, &start, &e), -1);
        assert_int_equal(e, EPROTO);
    }
    assert_int_equal(iso, -1); /* untouched */
    assert_int_equal(start, -1);
    write_snap("# shmcheck kernel snapshot 1 isolated=0 start=0\n");
    assert_int_equal(load(&iso, &start, &e), 0);
    assert_int_equal(iso, 0);
    assert_int_equal(start, 0);
    assert_int_equal(unlink(snap), 0);
}

/* A file size limit that lets the first line through, not the table's
 * header after it: the write falls short, the snapshot is not kept. In a
 * child, where the limit (and SIGXFSZ ignored) cannot harm the rest; a
 * soft limit, lifted again before the child's coverage counts are written. */
static void test_write_cut_short(void **state)
{
    int status;
    pid_t pid;

    (void)state;
    assert_true((pid = fork()) >= 0);
    if (pid == 0) {
        struct rlimit old, lim;
        int r = 2;
        signal(SIGXFSZ, SIG_IGN);
        if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
            lim = (struct rlimit){60, old.rlim_max};
            if (setrlimit(RLIMIT_FSIZE, &lim) == 0)
                r = cli_snapshot_save(dir, "/proc/sysvipc/shm", 0, 5);
            /* The limit would cut the coverage counts written next. */
            setrlimit(RLIMIT_FSIZE, &old);
        }
        SHMC_COVERAGE_FLUSH();
        _exit(r == -1 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(access(snap, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save),
        cmocka_unit_test(test_load_refused),
        cmocka_unit_test(test_write_cut_short),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
