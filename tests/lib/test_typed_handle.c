/*
 * test_typed_handle.c - shmc_typed_detach, shmc_typed_release, their
 * cleanup handlers and SHMC_AUTO_TYPED / SHMC_AUTO_TYPED_RELEASE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/shm.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define KEY ((key_t)0x5e600041)
#define UNTOUCHED (-12345) /* *removed of a failed call keeps this */

struct fx {
    struct shmc_typed t[2];  /* t[0] made by setup; detached by teardown */
    struct shmc_segment seg; /* t[0]'s segment, to stat it when detached */
    int in_use;              /* segments in the namespace before         */
};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    if (shmc_typed_create(KEY, LAYOUT, 0600, &fx.t[0]) != SHMC_OK)
        return -1;
    fx.seg = fx.t[0].seg;
    mock_reset();
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    shmc_typed_detach_cleanup(&fx->t[0]);
    shmc_typed_detach_cleanup(&fx->t[1]);
    (void)shmc_segment_remove(&fx->seg);
    return fixture_end(fx->in_use);
}

static void test_detach(void **state)
{
    struct fx *fx = *state;

    enum shmc_err first = shmc_typed_detach(&fx->t[0]);
    enum shmc_err second = shmc_typed_detach(&fx->t[0]);
    int saved = errno;

    assert_err(first, SHMC_OK);
    assert_err(second, SHMC_E_ALREADY_DETACHED);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_shmdt), 1);
    assert_int_equal(stat_of(&fx->seg).nattch, 0);
}

static void test_release_last_removes(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;

    enum shmc_err err = shmc_typed_release(&fx->t[0], &removed);

    assert_err(err, SHMC_OK);
    assert_int_equal(removed, 1);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_release_not_last_keeps(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;
    assert_err(shmc_typed_open(KEY, LAYOUT, 0, &fx->t[1]), SHMC_OK);

    enum shmc_err err = shmc_typed_release(&fx->t[0], &removed);

    assert_err(err, SHMC_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

static void test_null_and_invalid_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_typed zeroed;
    int removed = UNTOUCHED, e[4];
    enum shmc_err err[4];
    memset(&zeroed, 0, sizeof zeroed);

    errno = 0;
    err[0] = shmc_typed_detach(NULL);
    e[0] = errno;
    errno = 0;
    err[1] = shmc_typed_release(NULL, &removed);
    e[1] = errno;
    errno = 0;
    err[2] = shmc_typed_detach(&zeroed);
    e[2] = errno;
    errno = 0;
    err[3] = shmc_typed_release(&zeroed, &removed);
    e[3] = errno;

    assert_err(err[0], SHMC_E_NULL);
    assert_err(err[1], SHMC_E_NULL);
    assert_err(err[2], SHMC_E_HANDLE_INVALID);
    assert_err(err[3], SHMC_E_HANDLE_INVALID);
    for (int i = 0; i < 4; i++)
        assert_int_equal(e[i], EINVAL);
    assert_int_equal(removed, UNTOUCHED);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
}

static void test_release_failure_keeps_handle(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;
    mock_fail_after(MOCK_shmctl, 1, EPERM); /* the IPC_RMID */

    enum shmc_err err = shmc_typed_release(&fx->t[0], &removed);
    int saved = errno;

    assert_err(err, SHMC_E_PERMISSION);
    assert_int_equal(saved, EPERM);
    assert_int_equal(removed, UNTOUCHED);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
    assert_err(shmc_typed_release(&fx->t[0], &removed), SHMC_OK);
    assert_int_equal(removed, 1);
}

static void test_cleanups_skip_null_and_unattached(void **state)
{
    struct fx *fx = *state;
    struct shmc_typed zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    assert_err(shmc_typed_open(KEY, LAYOUT, 0, &fx->t[1]), SHMC_OK);
    assert_err(shmc_typed_detach(&fx->t[1]), SHMC_OK);
    mock_reset();

    shmc_typed_detach_cleanup(NULL);
    shmc_typed_release_cleanup(NULL);
    shmc_typed_detach_cleanup(&zeroed);
    shmc_typed_release_cleanup(&zeroed);
    shmc_typed_detach_cleanup(&fx->t[1]);
    shmc_typed_release_cleanup(&fx->t[1]);

    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
}

static void test_detach_cleanup(void **state)
{
    struct fx *fx = *state;

    shmc_typed_detach_cleanup(&fx->t[0]);

    assert_int_equal(stat_of(&fx->seg).nattch, 0);
    assert_err(shmc_typed_detach(&fx->t[0]), SHMC_E_ALREADY_DETACHED);
}

static void test_release_cleanup_removes_when_last(void **state)
{
    struct fx *fx = *state;
    errno = EDOM;

    shmc_typed_release_cleanup(&fx->t[0]);
    int saved = errno;

    assert_int_equal(saved, EDOM);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_auto_typed_at_scope_exit(void **state)
{
    struct fx *fx = *state;
    unsigned long inside;

    {
        SHMC_AUTO_TYPED struct shmc_typed t = {0};
        assert_err(shmc_typed_open(KEY, LAYOUT, 0, &t), SHMC_OK);
        inside = stat_of(&fx->seg).nattch;
    }

    assert_int_equal(inside, 2);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(mock_calls(MOCK_shmdt), 1);
}

static void test_auto_typed_release_at_scope_exit(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_typed_detach(&fx->t[0]), SHMC_OK);

    {
        SHMC_AUTO_TYPED_RELEASE struct shmc_typed t = {0};
        assert_err(shmc_typed_open(KEY, LAYOUT, 0, &t), SHMC_OK);
        ((struct counters *)t.data)->hits = 1;
    }

    assert_gone(&fx->seg, fx->in_use);
}

static void test_auto_typed_release_keeps_when_not_last(void **state)
{
    struct fx *fx = *state;

    {
        SHMC_AUTO_TYPED_RELEASE struct shmc_typed t = {0};
        assert_err(shmc_typed_open(KEY, LAYOUT, 0, &t), SHMC_OK);
    }

    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_detach),
        T(test_release_last_removes),
        T(test_release_not_last_keeps),
        T(test_null_and_invalid_handles),
        T(test_release_failure_keeps_handle),
        T(test_cleanups_skip_null_and_unattached),
        T(test_detach_cleanup),
        T(test_release_cleanup_removes_when_last),
        T(test_auto_typed_at_scope_exit),
        T(test_auto_typed_release_at_scope_exit),
        T(test_auto_typed_release_keeps_when_not_last),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
