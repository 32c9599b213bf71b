/*
 * test_attach_detach.c - shmc_detach: detach once, refuse a second detach
 * without reaching the kernel, refuse NULL and damaged handles, and keep
 * the handle attached when shmdt fails (every errno, injected through
 * mock.h) so that a later detach works.
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
    struct shmc_attachment att;    /* attached by setup                */
    struct shmc_attachment before; /* att before the detach faults     */
    int in_use;                    /* segments in the namespace before */
};

/* shmdt's EINVAL is not about the segment. */
static const struct fault dt_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    return fixture_segment(&fx.seg, 4096, &fx.att);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    fixture_segment_cleanup(&fx->seg, &fx->att, 1);
    return fixture_end(fx->in_use);
}

static void test_detach_attached(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_detach(&fx->att);

    assert_err(err, SHMC_OK);
    assert_int_equal(nattch(&fx->seg), 0);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1); /* it stays */
}

static void test_detach_twice(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_detach(&fx->att), SHMC_OK);

    enum shmc_err err = shmc_detach(&fx->att);
    int saved = errno;

    assert_err(err, SHMC_E_ALREADY_DETACHED);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_shmdt), 1);
}

static void test_detach_null_and_invalid_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_attachment bad[4], before[4];
    memset(&bad[0], 0, sizeof bad[0]);
    fill_sentinel(bad[1]);
    bad[2] = fx->att;
    bad[2].addr = (char *)bad[2].addr + 1;
    bad[3] = fx->att;
    bad[3].addr = NULL;
    memcpy(before, bad, sizeof bad);
    errno = 0;

    enum shmc_err null_err = shmc_detach(NULL);
    int null_errno = errno;
    for (size_t i = 0; i < COUNT(bad); i++) {
        errno = 0;
        enum shmc_err err = shmc_detach(&bad[i]);
        int saved = errno;

        assert_err(err, SHMC_E_HANDLE_INVALID);
        assert_int_equal(saved, EINVAL);
    }

    assert_err(null_err, SHMC_E_NULL);
    assert_int_equal(null_errno, EINVAL);
    assert_memory_equal(bad, before, sizeof bad);
    assert_int_equal(mock_calls(MOCK_shmdt), 0);
    assert_int_equal(nattch(&fx->seg), 1);
}

static enum shmc_err detach_att(void *arg)
{
    struct fx *fx = arg;
    return shmc_detach(&fx->att);
}

static void still_attached(void *arg)
{
    struct fx *fx = arg;
    assert_memory_equal(&fx->att, &fx->before, sizeof fx->before);
    assert_int_equal(nattch(&fx->seg), 1);
}

/* A failed detach leaves the handle attached, so a later one works. */
static void test_detach_kernel_faults(void **state)
{
    struct fx *fx = *state;
    fx->before = fx->att;

    inject_faults(MOCK_shmdt, 0, dt_faults, COUNT(dt_faults), detach_att,
                  still_attached, fx);

    assert_err(shmc_detach(&fx->att), SHMC_OK);
    assert_int_equal(nattch(&fx->seg), 0);
}

/* Copies are not tracked: the second detach reaches the kernel, which
 * finds nothing mapped there. */
static void test_detach_through_a_copy(void **state)
{
    struct fx *fx = *state;
    struct shmc_attachment copy = fx->att;
    assert_err(shmc_detach(&fx->att), SHMC_OK);

    enum shmc_err err = shmc_detach(&copy);
    int saved = errno;

    assert_err(err, SHMC_E_KERNEL_INVALID);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_shmdt), 2);
    assert_int_equal(nattch(&fx->seg), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_detach_attached),
        T(test_detach_twice),
        T(test_detach_null_and_invalid_handles),
        T(test_detach_kernel_faults),
        T(test_detach_through_a_copy),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
