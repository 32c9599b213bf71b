/*
 * test_logdir_more.c - the tracer library the CLI is given (src/cli/
 * logdir.c; the command line's view is in test_logdir.py): a path that
 * resolves is taken only if we may read it.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "logdir.h"

/* As nobody: the readable library is found, the unreadable one not.
 * Exit status: 0, or what failed. */
static int as_nobody(const char *dir)
{
    char path[PATH_MAX + 32], out[PATH_MAX], err[512];

    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/readable.so", dir);
    if (cli_find_tracer(path, out, err, sizeof err) != 0 ||
        strcmp(out, path) != 0)
        return 2;
    snprintf(path, sizeof path, "%s/secret.so", dir);
    if (cli_find_tracer(path, out, err, sizeof err) != -1)
        return 3;
    return 0;
}

static void test_unreadable_tracer(void **state)
{
    char dir[64], path[PATH_MAX + 32], real[PATH_MAX], out[PATH_MAX];
    char err[512];
    int status;

    (void)state;
    if (getuid() != 0)
        skip(); /* nobody to become */
    mk_dir(dir, sizeof dir);
    assert_non_null(realpath(dir, real));
    assert_int_equal(chmod(real, 0755), 0);
    path_in(real, "readable.so", path, sizeof path);
    put_file(path, "x", 0644);
    path_in(real, "secret.so", path, sizeof path);
    put_file(path, "x", 0000);
    /* We, root, may read it anyway. */
    assert_int_equal(cli_find_tracer(path, out, err, sizeof err), 0);
    assert_string_equal(out, path);
    pid_t pid = fork();
    if (pid == 0) {
        int code = as_nobody(real);
        SHMC_COVERAGE_FLUSH();
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    rm_dir(dir);
    assert_int_equal(status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreadable_tracer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
