/*
 * test_typed_faults.c - typed segments under injected kernel failures:
 * every errno on typed create's shmget and shmat and on typed open's
 * shmat (a failed create leaves no segment, a failed open no attachment),
 * then SQLite-style fault loops over typed create, open and
 * create_or_open.
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

#define KEY ((key_t)0x5e600061)

struct fx {
    struct shmc_segment seg; /* the typed segment under KEY, if made  */
    struct shmc_typed t;     /* its creator's handle                  */
    struct shmc_typed out;   /* out-parameter of the call under test  */
    int in_use;              /* segments in the namespace before      */
};

static const struct fault create_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};
/* shmat at the kernel's choice: EINVAL means the id names no segment. */
static const struct fault at_faults[] = {FAULTS(SHMC_E_REMOVED)};

static int setup(void **state)
{
    static struct fx fx;
    return fixture_begin(state, &fx, sizeof fx, &fx.in_use);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    shmc_typed_detach_cleanup(&fx->t);
    shmc_typed_detach_cleanup(&fx->out);
    (void)shmc_segment_remove(&fx->seg);
    (void)shmc_segment_remove(&fx->out.seg);
    remove_key(KEY);
    return fixture_end(fx->in_use);
}

/* A published typed segment under KEY that nobody is attached to. */
static void make_typed(struct fx *fx)
{
    assert_err(shmc_typed_create(KEY, LAYOUT, 0600, &fx->t), SHMC_OK);
    fx->seg = fx->t.seg;
    assert_err(shmc_typed_detach(&fx->t), SHMC_OK);
    mock_reset();
}

/* The calls under test, each into fx->out filled with the sentinel. */
static enum shmc_err op_create(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_typed_create(KEY, LAYOUT, 0600, &fx->out);
}

static enum shmc_err op_open(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_typed_open(KEY, LAYOUT, 0, &fx->out);
}

static enum shmc_err op_create_or_open(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_typed_create_or_open(KEY, LAYOUT, 0600, &fx->out);
}

/* --- every errno, once ------------------------------------------------- */

static void nothing_created(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

/* Faults on shmget, then on shmat: either way no segment is left. */
static void test_create_shmget_faults(void **state)
{
    inject_faults(MOCK_shmget, 0, create_faults, COUNT(create_faults),
                  op_create, nothing_created, *state);
}

static void test_create_shmat_faults(void **state)
{
    inject_faults(MOCK_shmat, 0, at_faults, COUNT(at_faults), op_create,
                  nothing_created, *state);
}

static void nothing_attached(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
    assert_int_equal(nattch(&fx->seg), 0);
}

static void test_open_shmat_faults(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);

    inject_faults(MOCK_shmat, 0, at_faults, COUNT(at_faults), op_open,
                  nothing_attached, fx);
}

/* --- SQLite-style fault loops ------------------------------------------ */

/* After each failed run (fault_loop): out untouched, and nothing attached
 * to a segment that was there before. */
static void failed_run(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
    if (fx->seg.size != 0) /* a segment was there before */
        assert_int_equal(nattch(&fx->seg), 0);
}

static void test_fault_loop_create(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];

    int failed = fault_loop(op_create, failed_run, fx, fired_on);

    assert_int_equal(failed, 2);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmat); /* the segment is removed */
    assert_int_equal(fx->out.seg.created, 1);
}

static void test_fault_loop_open(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];
    make_typed(fx);

    int failed = fault_loop(op_open, failed_run, fx, fired_on);

    assert_int_equal(failed, 3);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmctl);
    assert_int_equal(fired_on[2], MOCK_shmat);
    assert_int_equal(nattch(&fx->seg), 1);
}

static void test_fault_loop_create_or_open_free(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];

    int failed = fault_loop(op_create_or_open, failed_run, fx, fired_on);

    assert_int_equal(failed, 2);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmat);
    assert_int_equal(fx->out.seg.created, 1);
}

static void test_fault_loop_create_or_open_taken(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];
    make_typed(fx);

    int failed = fault_loop(op_create_or_open, failed_run, fx, fired_on);

    assert_int_equal(failed, 4);
    assert_int_equal(fired_on[0], MOCK_shmget); /* create's */
    assert_int_equal(fired_on[1], MOCK_shmget); /* open's   */
    assert_int_equal(fired_on[2], MOCK_shmctl);
    assert_int_equal(fired_on[3], MOCK_shmat);
    assert_int_equal(fx->out.seg.created, 0);
    assert_int_equal(nattch(&fx->seg), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_create_shmget_faults),
        T(test_create_shmat_faults),
        T(test_open_shmat_faults),
        T(test_fault_loop_create),
        T(test_fault_loop_open),
        T(test_fault_loop_create_or_open_free),
        T(test_fault_loop_create_or_open_taken),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
