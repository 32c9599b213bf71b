/*
 * test_attach_scope.c - shmc_detach_cleanup, shmc_release_cleanup and the
 * SHMC_AUTO_DETACH / SHMC_AUTO_RELEASE qualifiers: a variable leaving its
 * block detaches (or releases) an attached handle, leaves any other handle
 * alone, ignores errors and keeps errno.
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

struct fx {
    struct shmc_segment seg;       /* made by setup                    */
    struct shmc_attachment att[2]; /* detached by teardown if needed   */
    int in_use;                    /* segments in the namespace before */
};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    return fixture_segment(&fx.seg, 4096, NULL);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    fixture_segment_cleanup(&fx->seg, fx->att, COUNT(fx->att));
    return fixture_end(fx->in_use);
}

/* A zeroed handle, one already detached, and garbage: none is attached. */
static void unattached_handles(struct fx *fx, struct shmc_attachment h[3])
{
    memset(&h[0], 0, sizeof h[0]);
    assert_err(shmc_attach(&fx->seg, NULL, 0, &h[1]), SHMC_OK);
    assert_err(shmc_detach(&h[1]), SHMC_OK);
    fill_sentinel(h[2]);
    mock_reset();
}

/* --- the cleanup handlers ---------------------------------------------- */

static void test_detach_cleanup_detaches(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);

    shmc_detach_cleanup(&fx->att[0]);

    assert_int_equal(stat_of(&fx->seg).nattch, 0);
    assert_err(shmc_detach(&fx->att[0]), SHMC_E_ALREADY_DETACHED);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static void test_cleanups_skip_unattached_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_attachment h[3];
    unattached_handles(fx, h);
    errno = EDOM;

    shmc_detach_cleanup(NULL);
    shmc_release_cleanup(NULL);
    for (int i = 0; i < 3; i++) {
        shmc_detach_cleanup(&h[i]);
        shmc_release_cleanup(&h[i]);
    }
    int saved = errno;

    assert_int_equal(saved, EDOM);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_detach_cleanup_ignores_failure(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
    mock_fail_after(MOCK_shmdt, 0, EINVAL);
    errno = EDOM;

    shmc_detach_cleanup(&fx->att[0]);
    int saved = errno;

    assert_true(mock_fired());
    assert_int_equal(saved, EDOM);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_err(shmc_detach(&fx->att[0]), SHMC_OK); /* still attached */
}

static void test_release_cleanup_removes_when_last(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);

    shmc_release_cleanup(&fx->att[0]);

    assert_gone(&fx->seg, fx->in_use);
    assert_err(shmc_detach(&fx->att[0]), SHMC_E_ALREADY_DETACHED);
}

static void test_release_cleanup_keeps_when_not_last(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[1]), SHMC_OK);

    shmc_release_cleanup(&fx->att[0]);

    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

static void test_release_cleanup_ignores_failure(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
    mock_fail_after(MOCK_shmctl, 0, EACCES);
    errno = EDOM;

    shmc_release_cleanup(&fx->att[0]);
    int saved = errno;

    assert_true(mock_fired());
    assert_int_equal(saved, EDOM);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

/* --- SHMC_AUTO_DETACH / SHMC_AUTO_RELEASE ------------------------------- */

static void test_auto_detach_at_scope_exit(void **state)
{
    struct fx *fx = *state;
    unsigned long inside;

    {
        SHMC_AUTO_DETACH struct shmc_attachment a = {0};
        assert_err(shmc_attach(&fx->seg, NULL, 0, &a), SHMC_OK);
        inside = stat_of(&fx->seg).nattch;
    }

    assert_int_equal(inside, 1);
    assert_int_equal(stat_of(&fx->seg).nattch, 0);
    assert_int_equal(mock_calls(MOCK_shmdt), 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

/* Never attached, or detached already: leaving scope reaches no shmdt. */
static void test_auto_detach_skips_unattached(void **state)
{
    struct fx *fx = *state;

    {
        SHMC_AUTO_DETACH struct shmc_attachment never = {0};
        SHMC_AUTO_DETACH struct shmc_attachment done = {0};
        assert_err(shmc_attach(&fx->seg, NULL, 0, &done), SHMC_OK);
        assert_err(shmc_detach(&done), SHMC_OK);
        (void)never;
    }

    assert_int_equal(mock_calls(MOCK_shmdt), 1);
    assert_int_equal(stat_of(&fx->seg).nattch, 0);
}

static void test_auto_release_at_scope_exit(void **state)
{
    struct fx *fx = *state;
    unsigned long inside;

    {
        SHMC_AUTO_RELEASE struct shmc_attachment a = {0};
        assert_err(shmc_attach(&fx->seg, NULL, 0, &a), SHMC_OK);
        inside = stat_of(&fx->seg).nattch;
    }

    assert_int_equal(inside, 1);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_auto_release_keeps_when_not_last(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);

    {
        SHMC_AUTO_RELEASE struct shmc_attachment a = {0};
        assert_err(shmc_attach(&fx->seg, NULL, 0, &a), SHMC_OK);
    }

    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

/* The failing cleanup leaves errno as the block set it; a copy of the
 * handle, still attached, lets teardown detach it. */
static void test_auto_detach_keeps_errno_on_failure(void **state)
{
    struct fx *fx = *state;

    {
        SHMC_AUTO_DETACH struct shmc_attachment a = {0};
        assert_err(shmc_attach(&fx->seg, NULL, 0, &a), SHMC_OK);
        fx->att[0] = a;
        mock_fail_after(MOCK_shmdt, 0, EINVAL);
        errno = EDOM;
    }
    int saved = errno;

    assert_true(mock_fired());
    assert_int_equal(saved, EDOM);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_detach_cleanup_detaches),
        T(test_cleanups_skip_unattached_handles),
        T(test_detach_cleanup_ignores_failure),
        T(test_release_cleanup_removes_when_last),
        T(test_release_cleanup_keeps_when_not_last),
        T(test_release_cleanup_ignores_failure),
        T(test_auto_detach_at_scope_exit),
        T(test_auto_detach_skips_unattached),
        T(test_auto_release_at_scope_exit),
        T(test_auto_release_keeps_when_not_last),
        T(test_auto_detach_keeps_errno_on_failure),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
