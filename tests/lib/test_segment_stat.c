/*
 * test_segment_stat.c - shmc_segment_stat and shmc_segment_remove:
 * success, NULL and invalid handles (refused without a system call), a
 * segment that is gone, a caller without permission, and every errno
 * IPC_STAT or IPC_RMID can give, injected through mock.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <grp.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define KEY ((key_t)0x5e600011)

struct fx {
    struct shmc_segment seg;  /* made by setup, removed by teardown */
    struct shmc_seginfo info; /* out-parameter of the stat faults   */
    void *addr;               /* a raw attachment of seg, or NULL   */
    struct child child;       /* the running child, if any          */
    int in_use;               /* segments in the namespace before   */
};

/* shmctl's EINVAL: the id names no segment. */
static const struct fault ctl_faults[] = {FAULTS(SHMC_E_REMOVED)};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    if (shmc_segment_create(KEY, 8192, 0640, &fx.seg) != SHMC_OK)
        return -1;
    mock_reset();
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    child_reap(&fx->child);
    mock_reset();
    if (fx->addr != NULL)
        shmdt(fx->addr);
    (void)shmc_segment_remove(&fx->seg);
    return fixture_end(fx->in_use);
}

/* Handles that were never filled by the library, or were damaged. */
static void invalid_handles(const struct shmc_segment *good,
                            struct shmc_segment bad[4])
{
    memset(&bad[0], 0, sizeof bad[0]);
    fill_sentinel(bad[1]);
    bad[2] = *good;
    bad[2].id = -1;
    bad[3] = *good;
    bad[3].magic ^= 1;
}

/* --- stat -------------------------------------------------------------- */

static void test_stat_attached(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    fx->addr = shmat(fx->seg.id, NULL, 0);
    assert_true(fx->addr != (void *)-1);

    enum shmc_err err = shmc_segment_stat(&fx->seg, &info);

    assert_err(err, SHMC_OK);
    assert_int_equal(info.size, 8192);
    assert_int_equal(info.nattch, 1);
    assert_int_equal(info.mode, 0640);
    assert_int_equal(info.creator_pid, getpid());
    assert_int_equal(info.last_pid, getpid());
    assert_int_equal(info.uid, geteuid());
    assert_int_equal(info.cuid, geteuid());
    assert_int_equal(info.marked_for_removal, 0);
    assert_true(info.atime != 0);
    assert_true(info.ctime != 0);
}

static void test_stat_marked_for_removal(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    fx->addr = shmat(fx->seg.id, NULL, 0);
    assert_true(fx->addr != (void *)-1);
    assert_int_equal(shmctl(fx->seg.id, IPC_RMID, NULL), 0);

    enum shmc_err err = shmc_segment_stat(&fx->seg, &info);

    assert_err(err, SHMC_OK);
    assert_int_equal(info.marked_for_removal, 1);
    assert_int_equal(info.nattch, 1);
    assert_int_equal(info.mode, 0640); /* SHM_DEST is not a mode bit */
}

static void test_stat_null_arguments(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    fill_sentinel(info);
    errno = 0;

    enum shmc_err no_seg = shmc_segment_stat(NULL, &info);
    int no_seg_errno = errno;
    errno = 0;
    enum shmc_err no_out = shmc_segment_stat(&fx->seg, NULL);
    int no_out_errno = errno;

    assert_err(no_seg, SHMC_E_NULL);
    assert_int_equal(no_seg_errno, EINVAL);
    assert_err(no_out, SHMC_E_NULL);
    assert_int_equal(no_out_errno, EINVAL);
    assert_untouched(info);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_stat_invalid_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_segment bad[4];
    struct shmc_seginfo info;
    invalid_handles(&fx->seg, bad);

    for (size_t i = 0; i < COUNT(bad); i++) {
        fill_sentinel(info);
        errno = 0;

        enum shmc_err err = shmc_segment_stat(&bad[i], &info);
        int saved = errno;

        assert_err(err, SHMC_E_HANDLE_INVALID);
        assert_int_equal(saved, EINVAL);
        assert_untouched(info);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_stat_removed_segment(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    assert_err(shmc_segment_remove(&fx->seg), SHMC_OK);
    fill_sentinel(info);

    enum shmc_err err = shmc_segment_stat(&fx->seg, &info);
    int saved = errno;

    assert_err(err, SHMC_E_REMOVED);
    assert_int_equal(saved, EINVAL);
    assert_untouched(info);
}

static enum shmc_err stat_seg(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->info);
    return shmc_segment_stat(&fx->seg, &fx->info);
}

static void info_untouched(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->info);
}

static void test_stat_kernel_faults(void **state)
{
    inject_faults(MOCK_shmctl, 0, ctl_faults, COUNT(ctl_faults), stat_seg,
                  info_untouched, *state);
}

/* --- remove ------------------------------------------------------------ */

static void test_remove_unattached(void **state)
{
    struct fx *fx = *state;
    struct shmc_segment reopened;

    enum shmc_err err = shmc_segment_remove(&fx->seg);

    assert_err(err, SHMC_OK);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
    assert_err(shmc_segment_open(KEY, 0, 0, &reopened), SHMC_E_NOT_FOUND);
}

static void test_remove_attached_marks_it(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    fx->addr = shmat(fx->seg.id, NULL, 0);
    assert_true(fx->addr != (void *)-1);

    enum shmc_err err = shmc_segment_remove(&fx->seg);

    assert_err(err, SHMC_OK);
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_OK);
    assert_int_equal(info.marked_for_removal, 1);
    assert_int_equal(shmdt(fx->addr), 0); /* the last detach destroys it */
    fx->addr = NULL;
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_E_REMOVED);
}

static void test_remove_null_and_invalid_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_segment bad[4];
    invalid_handles(&fx->seg, bad);
    errno = 0;

    enum shmc_err null_err = shmc_segment_remove(NULL);
    int null_errno = errno;
    enum shmc_err bad_err[COUNT(bad)];
    int bad_errno[COUNT(bad)];
    for (size_t i = 0; i < COUNT(bad); i++) {
        errno = 0;
        bad_err[i] = shmc_segment_remove(&bad[i]);
        bad_errno[i] = errno;
    }

    assert_err(null_err, SHMC_E_NULL);
    assert_int_equal(null_errno, EINVAL);
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_err(bad_err[i], SHMC_E_HANDLE_INVALID);
        assert_int_equal(bad_errno[i], EINVAL);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static void test_remove_twice(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_remove(&fx->seg), SHMC_OK);

    enum shmc_err err = shmc_segment_remove(&fx->seg);
    int saved = errno;

    assert_err(err, SHMC_E_REMOVED);
    assert_int_equal(saved, EINVAL);
}

static enum shmc_err remove_seg(void *arg)
{
    struct fx *fx = arg;
    return shmc_segment_remove(&fx->seg);
}

static void not_marked(void *arg)
{
    struct fx *fx = arg;
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

static void test_remove_kernel_faults(void **state)
{
    struct fx *fx = *state;

    inject_faults(MOCK_shmctl, 0, ctl_faults, COUNT(ctl_faults), remove_seg,
                  not_marked, fx);

    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

/* --- without root --------------------------------------------------- */

/* A 0640 segment of root's, seen by uid/gid 65534: found by key (shmflg 0
 * asks for nothing), but neither read (IPC_STAT) nor removed (IPC_RMID).
 * Runs in a child (child_start); skipped where it cannot drop root (no uid
 * 65534 in a user namespace). */
static void unprivileged_child(void *arg, void *report)
{
    const struct shmc_segment *seg = arg;
    struct shmc_seginfo info;
    struct shmc_segment s;
    int *r = report;

    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        _exit(CHILD_SKIP);
    r[0] = shmc_segment_open(KEY, 0, 0, &s);
    r[1] = errno;
    r[2] = shmc_segment_stat(seg, &info);
    r[3] = errno;
    r[4] = shmc_segment_remove(seg);
    r[5] = errno;
}

/* The child reports through a pipe and never calls cmocka. */
static void test_unprivileged_caller_is_refused(void **state)
{
    struct fx *fx = *state;
    int r[6] = {0};
    child_start(&fx->child, unprivileged_child, &fx->seg, r, sizeof r);

    child_go(&fx->child);
    child_finish(&fx->child, r, sizeof r);

    assert_err(r[0], SHMC_E_PERMISSION);
    assert_int_equal(r[1], EACCES);
    assert_err(r[2], SHMC_E_PERMISSION);
    assert_int_equal(r[3], EACCES);
    assert_err(r[4], SHMC_E_PERMISSION);
    assert_int_equal(r[5], EPERM);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_stat_attached),
        T(test_stat_marked_for_removal),
        T(test_stat_null_arguments),
        T(test_stat_invalid_handles),
        T(test_stat_removed_segment),
        T(test_stat_kernel_faults),
        T(test_remove_unattached),
        T(test_remove_attached_marks_it),
        T(test_remove_null_and_invalid_handles),
        T(test_remove_twice),
        T(test_remove_kernel_faults),
        T(test_unprivileged_caller_is_refused),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
