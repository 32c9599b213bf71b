/*
 * test_kernel_cleanup.c - --cleanup (cli_remove_leaked, src/cli/kernel.c)
 * on real segments of the test's private IPC namespace: only a leaked
 * segment proven to be the one the journal recorded (its shmid, its
 * creator pid, a creation time within seconds of the recorded shmget) is
 * removed; another creator (a reused pid), a creation time far from the
 * record, a segment only the kernel saw, one already gone and a finding
 * of another kind are left, as are a record without a time, one made
 * after the segment, and a segment already marked for removal; isolated,
 * every leaked one goes. A leak's group (findings.h) has every member
 * segment proven and removed, not only its first.
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

/* The journal's clock (CLOCK_MONOTONIC, ns) seconds from now. */
static uint64_t mono_ns(int seconds)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec + seconds) * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A finding of kind on shmid id, created by cpid at `when` as the
 * journal says (0 and by_kernel: no record, only the kernel saw it). */
static void leak(struct cli_run *run, enum cli_kind kind, int id, int cpid,
                 uint64_t when, int by_kernel)
{
    struct cli_finding *f = add_finding(run, kind, cpid);
    f->shmid = id;
    f->creator_pid = cpid;
    f->when = when;
    f->seen_by_kernel = by_kernel;
}

static void test_removes_only_the_proven(void **state)
{
    struct report_fx *fx = *state;
    int mine = segment(), reused = segment(), lint = segment();
    int gone = segment(), early = segment(), kernel = segment();
    assert_int_equal(shmctl(gone, IPC_RMID, NULL), 0);

    leak(&fx->run, CLI_LEAKED_SEGMENT, mine, getpid(), mono_ns(0), 0);
    /* The journal's creator had this pid; the kernel names ours. */
    leak(&fx->run, CLI_LEAKED_SEGMENT, reused, getpid() + 1, mono_ns(0), 0);
    leak(&fx->run, CLI_LINT, lint, getpid(), mono_ns(0), 0);
    leak(&fx->run, CLI_LEAKED_SEGMENT, gone, getpid(), mono_ns(0), 0);
    /* Recorded a minute before this segment was made: not this one. */
    leak(&fx->run, CLI_LEAKED_SEGMENT, early, getpid(), mono_ns(-60), 0);
    leak(&fx->run, CLI_LEAKED_SEGMENT, kernel, getpid(), 0, 1);

    struct cli_cleanup c = cli_remove_leaked(&fx->run, 0);
    assert_int_equal(c.removed, 1);
    assert_int_equal(c.unproven, 3);
    assert_false(exists(mine));
    int left[] = {reused, lint, early, kernel};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
        assert_true(exists(left[i]));
        assert_int_equal(shmctl(left[i], IPC_RMID, NULL), 0);
    }
}

/* In the tree's own IPC namespace (--isolate) every leaked segment is the
 * tree's: removed, proven or not. */
static void test_isolated_removes_every_leak(void **state)
{
    struct report_fx *fx = *state;
    int a = segment(), b = segment();

    leak(&fx->run, CLI_LEAKED_SEGMENT, a, getpid(), 0, 1);
    leak(&fx->run, CLI_LEAKED_SEGMENT, b, getpid() + 1, mono_ns(-60), 0);
    struct cli_cleanup c = cli_remove_leaked(&fx->run, 1);
    assert_int_equal(c.removed, 2);
    assert_int_equal(c.unproven, 0);
    assert_false(exists(a));
    assert_false(exists(b));
}

/* Not proven either: a record without a time, and one a minute after the
 * segment was made; a segment already marked for removal (still attached)
 * is neither removed again nor counted. */
static void test_more_unproven(void **state)
{
    struct report_fx *fx = *state;
    int untimed = segment(), later = segment(), marked = segment();
    void *at = shmat(marked, NULL, 0);

    assert_true(at != (void *)-1);
    assert_int_equal(shmctl(marked, IPC_RMID, NULL), 0);
    leak(&fx->run, CLI_LEAKED_SEGMENT, untimed, getpid(), 0, 0);
    leak(&fx->run, CLI_LEAKED_SEGMENT, later, getpid(), mono_ns(60), 0);
    leak(&fx->run, CLI_LEAKED_SEGMENT, marked, getpid(), mono_ns(0), 0);
    struct cli_cleanup c = cli_remove_leaked(&fx->run, 0);
    assert_int_equal(c.removed, 0);
    assert_int_equal(c.unproven, 2);
    assert_true(exists(marked));
    assert_int_equal(shmdt(at), 0);
    assert_false(exists(marked));
    assert_int_equal(shmctl(untimed, IPC_RMID, NULL), 0);
    assert_int_equal(shmctl(later, IPC_RMID, NULL), 0);
}

/* One finding of three segments made at one stack: each is judged by
 * its own creator and time; the proven ones go, the one another pid
 * created stays. */
static void test_group_removes_every_member(void **state)
{
    struct report_fx *fx = *state;
    int a = segment(), b = segment(), c = segment(), other = segment();
    struct cli_finding *f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, getpid());
    const struct cli_segment members[] = {
        {a, 0, 4096, getpid(), 0, mono_ns(0)},
        {b, 0, 4096, getpid(), 0, mono_ns(0)},
        {other, 0, 4096, getpid() + 1, 0, mono_ns(0)},
        {c, 0, 4096, getpid(), 0, mono_ns(0)},
    };
    assert_non_null(f->segments = malloc(sizeof members));
    memcpy(f->segments, members, sizeof members);
    f->nsegments = 4, f->count = 4;
    f->shmid = a, f->creator_pid = getpid(), f->when = members[0].when;

    struct cli_cleanup r = cli_remove_leaked(&fx->run, 0);
    assert_int_equal(r.removed, 3);
    assert_int_equal(r.unproven, 1);
    assert_false(exists(a));
    assert_false(exists(b));
    assert_false(exists(c));
    assert_true(exists(other));
    assert_int_equal(shmctl(other, IPC_RMID, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_removes_only_the_proven,
                                        report_setup, report_teardown),
        cmocka_unit_test_setup_teardown(test_isolated_removes_every_leak,
                                        report_setup, report_teardown),
        cmocka_unit_test_setup_teardown(test_more_unproven, report_setup,
                                        report_teardown),
        cmocka_unit_test_setup_teardown(test_group_removes_every_member,
                                        report_setup, report_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
