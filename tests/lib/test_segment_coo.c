/*
 * test_segment_coo.c - shmc_segment_create_or_open: create when the key is
 * free, open when it is taken, retry when the segment vanishes between
 * the two steps, give up with SHMC_E_RACE, and SQLite-style fault loops
 * over both paths.
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

#define KEY ((key_t)0x5e600021)

struct fx {
    struct shmc_segment seg; /* the segment that "won the race" */
    struct shmc_segment out; /* out-parameter of the call        */
    int in_use;              /* segments in the namespace before */
};

static int setup(void **state)
{
    static struct fx fx;
    return fixture_begin(state, &fx, sizeof fx, &fx.in_use);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    (void)shmc_segment_remove(&fx->seg);
    (void)shmc_segment_remove(&fx->out);
    remove_key(KEY);
    return fixture_end(fx->in_use);
}

/* Another process's segment under KEY; the counters start afresh. */
static void make_existing(struct fx *fx, size_t size)
{
    assert_err(shmc_segment_create(KEY, size, 0600, &fx->seg), SHMC_OK);
    mock_reset();
}

static void test_creates_when_key_is_free(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->out.created, 1);
    assert_int_equal(fx->out.size, 4096);
    assert_int_equal(mock_calls(MOCK_shmget), 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static void test_opens_when_key_is_taken(void **state)
{
    struct fx *fx = *state;
    make_existing(fx, 8192);

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->out.created, 0);
    assert_int_equal(fx->out.id, fx->seg.id);
    assert_int_equal(fx->out.size, 8192); /* the real size, not ours */
    assert_int_equal(mock_calls(MOCK_shmget), 2);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static void test_null_out(void **state)
{
    struct fx *fx = *state;
    errno = 0;

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, NULL);
    int saved = errno;

    assert_err(err, SHMC_E_NULL);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

static void test_refuses_invalid_arguments(void **state)
{
    static const struct {
        size_t size;
        int flags;
        enum shmc_err want;
    } cases[] = {
        {0, 0600, SHMC_E_SIZE_ZERO},
        {(size_t)PTRDIFF_MAX + 1, 0600, SHMC_E_SIZE_TOO_BIG},
        {4096, 0600 | 020000, SHMC_E_GET_FLAGS_UNKNOWN},
    };
    struct fx *fx = *state;

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->out);
        errno = 0;

        enum shmc_err err = shmc_segment_create_or_open(
            KEY, cases[i].size, cases[i].flags, &fx->out);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->out);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_existing_segment_too_small(void **state)
{
    struct fx *fx = *state;
    make_existing(fx, 4096);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_create_or_open(KEY, 8192, 0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_TOO_SMALL);
    assert_int_equal(saved, EINVAL);
    assert_untouched(fx->out);
    assert_int_equal(mock_calls(MOCK_shmget), 2); /* not retried */
}

/* The open step's refusals other than "gone" are returned, not retried. */
static void test_open_failure_is_returned(void **state)
{
    struct fx *fx = *state;
    make_existing(fx, 4096);
    mock_fail_after(MOCK_shmget, 1, EACCES);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_PERMISSION);
    assert_int_equal(saved, EACCES);
    assert_untouched(fx->out);
    assert_int_equal(mock_calls(MOCK_shmget), 2);
}

/* create: EEXIST (real); open: ENOENT (injected, "removed meanwhile");
 * create again: EEXIST (the segment is still there); open: found. */
static void test_retries_when_open_finds_nothing(void **state)
{
    struct fx *fx = *state;
    make_existing(fx, 4096);
    mock_fail_after(MOCK_shmget, 1, ENOENT);

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);

    assert_err(err, SHMC_OK);
    assert_true(mock_fired());
    assert_int_equal(mock_calls(MOCK_shmget), 4);
    assert_int_equal(fx->out.created, 0);
    assert_int_equal(fx->out.id, fx->seg.id);
}

/* create: EEXIST (injected: another process made it); open: ENOENT (real:
 * it removed it again); create again: succeeds, so this call created it. */
static void test_creates_after_winner_removed_it(void **state)
{
    struct fx *fx = *state;
    mock_fail_after(MOCK_shmget, 0, EEXIST);

    enum shmc_err err = shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);

    assert_err(err, SHMC_OK);
    assert_true(mock_fired());
    assert_int_equal(mock_calls(MOCK_shmget), 3);
    assert_int_equal(fx->out.created, 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

/* Every open finds the key (shmget) but then the segment is gone
 * (IPC_STAT: EIDRM or a stale id's EINVAL): give up after the tries. */
static void test_gives_up_with_race(void **state)
{
    static const int gone[] = {EIDRM, EINVAL};
    struct fx *fx = *state;
    make_existing(fx, 4096);

    for (size_t i = 0; i < COUNT(gone); i++) {
        mock_reset();
        mock_fail_always(MOCK_shmctl, gone[i]);
        fill_sentinel(fx->out);

        enum shmc_err err =
            shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);
        int saved = errno;

        assert_err(err, SHMC_E_RACE);
        assert_int_equal(saved, EAGAIN);
        assert_int_equal(mock_calls(MOCK_shmget),
                         2 * SHMC_CREATE_OR_OPEN_TRIES);
        assert_int_equal(mock_calls(MOCK_shmctl), SHMC_CREATE_OR_OPEN_TRIES);
        assert_untouched(fx->out);
        assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
    }
}

static enum shmc_err create_or_open(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_segment_create_or_open(KEY, 4096, 0600, &fx->out);
}

static void out_untouched(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
}

/* Fails the first failable call that create_or_open makes with ENOMEM,
 * then the second, and so on, until it succeeds with no fault left to
 * fire. Each failure must be ENOMEM's code with nothing made or changed.
 * Returns how many runs failed; fired_on[i] is the call run i failed. */
static int fault_loop_coo(struct fx *fx, enum mock_call *fired_on)
{
    return fault_loop(create_or_open, out_untouched, fx, fired_on);
}

static void test_fault_loop_key_free(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];

    int failed = fault_loop_coo(fx, fired_on);

    assert_int_equal(failed, 1);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fx->out.created, 1);
}

static void test_fault_loop_key_taken(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    enum mock_call fired_on[FAULT_LOOP_MAX];
    make_existing(fx, 4096);

    int failed = fault_loop_coo(fx, fired_on);

    assert_int_equal(failed, 3);
    assert_int_equal(fired_on[0], MOCK_shmget); /* create */
    assert_int_equal(fired_on[1], MOCK_shmget); /* open   */
    assert_int_equal(fired_on[2], MOCK_shmctl); /* its IPC_STAT */
    assert_int_equal(fx->out.created, 0);
    assert_int_equal(fx->out.id, fx->seg.id);
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_OK);
    assert_int_equal(info.nattch, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_creates_when_key_is_free),
        T(test_opens_when_key_is_taken),
        T(test_null_out),
        T(test_refuses_invalid_arguments),
        T(test_existing_segment_too_small),
        T(test_open_failure_is_returned),
        T(test_retries_when_open_finds_nothing),
        T(test_creates_after_winner_removed_it),
        T(test_gives_up_with_race),
        T(test_fault_loop_key_free),
        T(test_fault_loop_key_taken),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
