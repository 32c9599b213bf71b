/*
 * test_kernel_cleanup.c - --cleanup (cli_remove_leaked, src/cli/kernel.c)
 * on real segments of the test's private IPC namespace: only a leaked
 * segment the kernel says this tree made (its creator pid, created not
 * before the run's start) is removed; another creator, one created before
 * the start, one already gone and a finding of another kind are left.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "findings.h"
#include "fixtures.h"
#include "kernel.h"

static int segment(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    assert_true(id >= 0);
    return id;
}

static int exists(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0;
}

static void leak(struct cli_run *run, enum cli_kind kind, int id, int cpid)
{
    struct cli_finding *f = add_finding(run, kind, cpid);
    f->shmid = id;
    f->creator_pid = cpid;
}

static void test_removes_only_the_tree_s(void **state)
{
    struct report_fx *fx = *state;
    int mine = segment(), other = segment(), lint = segment();
    int gone = segment();
    assert_int_equal(shmctl(gone, IPC_RMID, NULL), 0);
    long start = (long)time(NULL);

    leak(&fx->run, CLI_LEAKED_SEGMENT, mine, getpid());
    leak(&fx->run, CLI_LEAKED_SEGMENT, other, getpid() + 1);
    leak(&fx->run, CLI_LINT, lint, getpid());
    leak(&fx->run, CLI_LEAKED_SEGMENT, gone, getpid());

    assert_int_equal(cli_remove_leaked(&fx->run, start), 1);
    assert_false(exists(mine));
    assert_true(exists(other));
    assert_true(exists(lint));
    assert_int_equal(shmctl(other, IPC_RMID, NULL), 0);
    assert_int_equal(shmctl(lint, IPC_RMID, NULL), 0);
}

/* Created before the run started (a segment with the same id from an
 * earlier run, say): left. */
static void test_created_before_start(void **state)
{
    struct report_fx *fx = *state;
    int old = segment();
    leak(&fx->run, CLI_LEAKED_SEGMENT, old, getpid());

    assert_int_equal(cli_remove_leaked(&fx->run, (long)time(NULL) + 3600), 0);
    assert_true(exists(old));
    assert_int_equal(shmctl(old, IPC_RMID, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_removes_only_the_tree_s,
                                        report_setup, report_teardown),
        cmocka_unit_test_setup_teardown(test_created_before_start, report_setup,
                                        report_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
