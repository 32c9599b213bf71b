/*
 * test_procstat.c - shmc_proc_stat (src/journal/procstat.c): our own
 * state and parent, a zombie child's 'Z', a gone pid refused, and a
 * command name holding ") Z 1 " that must not fool the parser.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/procstat.h"

static void test_self(void **state)
{
    char st = 0;
    int ppid = 0;

    (void)state;
    assert_int_equal(shmc_proc_stat(getpid(), &st, &ppid), 0);
    assert_int_equal(st, 'R');
    assert_int_equal(ppid, getppid());
}

static void test_zombie_then_gone(void **state)
{
    int p[2], status, ppid = 0;
    char st = 0, c;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        /* A name that looks like the fields that follow it. */
        prctl(PR_SET_NAME, (unsigned long)"x) Z 1 (", 0, 0, 0);
        close(p[0]);
        _exit(write(p[1], "n", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    assert_int_equal(read(p[0], &c, 1), 0); /* EOF: it is exiting */
    close(p[0]);
    /* Until the kernel has made it a zombie; then it stays one. */
    while (shmc_proc_stat(pid, &st, &ppid) == 0 && st != 'Z')
        sched_yield();
    assert_int_equal(st, 'Z');
    assert_int_equal(ppid, getpid());
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(shmc_proc_stat(pid, &st, &ppid), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_zombie_then_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
