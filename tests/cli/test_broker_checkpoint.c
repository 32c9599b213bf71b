/*
 * test_broker_checkpoint.c - the journal broker's checkpoint operations
 * (src/cli/broker.c: SHMC_BROKER_CKPT and SHMC_BROKER_CKPT_DONE): a
 * descendant, whatever its credentials, gets a new <pid>.<n>.shmj.ckpt
 * (a stale one removed first) and has it renamed over its journal, which
 * comes back; no .ckpt is left; another pid's checkpoint is refused, and
 * a rename without a .ckpt fails with ENOENT.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "fixtures.h"
#include "journal/compiler.h"

/* As nobody when we are root: credentials do not matter. Exit status 0,
 * or which step failed. */
static int checkpoint_steps(struct broker_fx *fx)
{
    const struct shmc_broker *a = &fx->b.addr;
    uint32_t image = 0;
    char got[8] = {0};
    int fd;

    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        return 10;
    if ((fd = shmc_broker_open(a, SHMC_BROKER_CREATE, getpid(), &image)) < 0 ||
        image != 0 || write(fd, "old", 3) != 3)
        return 11;
    close(fd);
    /* A first .ckpt, then another one in its place (a stale one). */
    for (int i = 0; i < 2; i++) {
        if ((fd = shmc_broker_open(a, SHMC_BROKER_CKPT, getpid(), &image)) <
                0 ||
            write(fd, i ? "new" : "xxxxx", i ? 3 : 5) != (i ? 3 : 5))
            return 12 + i;
        close(fd);
    }
    if ((fd = shmc_broker_open(a, SHMC_BROKER_CKPT_DONE, getpid(), &image)) <
            0 ||
        pread(fd, got, sizeof got, 0) != 3 || strcmp(got, "new") != 0)
        return 14;
    close(fd);
    if (shmc_broker_open(a, SHMC_BROKER_CKPT_DONE, getpid(), &image) >= 0 ||
        errno != ENOENT)
        return 15;
    if (shmc_broker_open(a, SHMC_BROKER_CKPT, getppid(), &image) >= 0 ||
        errno != EPERM)
        return 16;
    return 0;
}

static void test_checkpoint_through_broker(void **state)
{
    struct broker_fx *fx = *state;
    char path[128];
    struct stat st;
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int code = checkpoint_steps(fx);
        SHMC_COVERAGE_FLUSH(); /* _exit writes no coverage counters */
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(find_files(fx->dir, ".ckpt", NULL, 0), 0);
    assert_int_equal(find_files(fx->dir, ".shmj", path, sizeof path), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoint_through_broker,
                                        broker_setup, broker_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
