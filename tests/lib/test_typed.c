/*
 * test_typed.c - shmc_typed_create, shmc_typed_open and
 * shmc_typed_create_or_open with valid segments: where the payload lies,
 * the arguments refused before any system call, an existing key, a
 * missing one, a retry and a layout mismatch. Bad headers are in
 * test_typed_header.c, injected faults and fault loops in
 * test_typed_faults.c, detach/release and the cleanup macros in
 * test_typed_handle.c.
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

#define KEY ((key_t)0x5e600031)

struct fx {
    struct shmc_typed t[2]; /* detached and removed by teardown     */
    struct shmc_typed out;  /* out-parameter of the call under test */
    int in_use;             /* segments in the namespace before     */
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
    for (int i = 0; i < 2; i++) {
        shmc_typed_detach_cleanup(&fx->t[i]);
        (void)shmc_segment_remove(&fx->t[i].seg);
    }
    shmc_typed_detach_cleanup(&fx->out);
    (void)shmc_segment_remove(&fx->out.seg);
    remove_key(KEY);
    return fixture_end(fx->in_use);
}

/* fx->t[0]: the creator's segment under KEY; counters start afresh. */
static void make_typed(struct fx *fx)
{
    assert_err(shmc_typed_create(KEY, LAYOUT, 0600, &fx->t[0]), SHMC_OK);
    mock_reset();
}

/* --- create ------------------------------------------------------------ */

static void test_create(void **state)
{
    static const struct counters zero;
    struct fx *fx = *state;

    enum shmc_err err = shmc_typed_create(KEY, LAYOUT, 0600, &fx->t[0]);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->t[0].seg.created, 1);
    assert_int_equal(fx->t[0].seg.size, HEADER_SPACE + sizeof(struct counters));
    assert_ptr_equal(fx->t[0].data, (char *)fx->t[0].att.addr + HEADER_SPACE);
    assert_memory_equal(fx->t[0].data, &zero, sizeof zero);
    assert_int_equal(nattch(&fx->t[0].seg), 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static void test_create_overaligned_type(void **state)
{
    struct wide {
        _Alignas(256) unsigned char b[256];
    };
    struct fx *fx = *state;

    enum shmc_err err = shmc_typed_create(IPC_PRIVATE, SHMC_TYPED(struct wide),
                                          0600, &fx->t[0]);

    assert_err(err, SHMC_OK);
    assert_ptr_equal(fx->t[0].data, (char *)fx->t[0].att.addr + 256);
    assert_int_equal(fx->t[0].seg.size, 512);
}

static void test_create_refuses_arguments(void **state)
{
    const struct shmc_layout bad = {"t", 0, 8, NULL, 0};
    const struct shmc_layout huge = {"t", PTRDIFF_MAX - 4095, 1, NULL, 0};
    const struct {
        const struct shmc_layout *layout;
        int flags;
        int null_out;
        enum shmc_err want;
    } cases[] = {
        {LAYOUT, 0600, 1, SHMC_E_NULL},
        {NULL, 0600, 0, SHMC_E_NULL},
        {&bad, 0600, 0, SHMC_E_LAYOUT_INVALID},
        {&huge, 0600, 0, SHMC_E_SIZE_TOO_BIG},
        {LAYOUT, 0600 | 020000, 0, SHMC_E_GET_FLAGS_UNKNOWN},
    };
    struct fx *fx = *state;

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->out);
        errno = 0;

        enum shmc_err err =
            shmc_typed_create(KEY, cases[i].layout, cases[i].flags,
                              cases[i].null_out ? NULL : &fx->out);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->out);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

static void test_create_existing_key(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_typed_create(KEY, LAYOUT, 0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_EXISTS);
    assert_int_equal(saved, EEXIST);
    assert_untouched(fx->out);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
    assert_int_equal(nattch(&fx->t[0].seg), 1);
}

/* --- open -------------------------------------------------------------- */

static void test_open_sees_creators_data(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    ((struct counters *)fx->t[0].data)->hits = 42;

    enum shmc_err err = shmc_typed_open(KEY, LAYOUT, 0, &fx->t[1]);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->t[1].seg.created, 0);
    assert_int_equal(fx->t[1].seg.id, fx->t[0].seg.id);
    assert_ptr_equal(fx->t[1].data, (char *)fx->t[1].att.addr + HEADER_SPACE);
    assert_int_equal(((struct counters *)fx->t[1].data)->hits, 42);
    assert_int_equal(nattch(&fx->t[0].seg), 2);
}

static void test_open_readonly(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    ((struct counters *)fx->t[0].data)->misses = 7;

    enum shmc_err err = shmc_typed_open(KEY, LAYOUT, SHM_RDONLY, &fx->t[1]);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->t[1].att.shmflg, SHM_RDONLY);
    assert_int_equal(((const struct counters *)fx->t[1].data)->misses, 7);
}

static void test_open_refuses_arguments(void **state)
{
    const struct shmc_layout bad = {"", 16, 8, NULL, 0};
    const struct {
        key_t key;
        const struct shmc_layout *layout;
        int at_flags;
        int null_out;
        enum shmc_err want;
    } cases[] = {
        {KEY, LAYOUT, 0, 1, SHMC_E_NULL},
        {KEY, NULL, 0, 0, SHMC_E_NULL},
        {KEY, &bad, 0, 0, SHMC_E_LAYOUT_INVALID},
        {IPC_PRIVATE, LAYOUT, 0, 0, SHMC_E_OPEN_PRIVATE},
        {KEY, LAYOUT, 01, 0, SHMC_E_AT_FLAGS_UNKNOWN},
        /* only SHM_RDONLY: the kernel chooses the address */
        {KEY, LAYOUT, SHM_REMAP, 0, SHMC_E_AT_FLAGS_UNKNOWN},
        {KEY, LAYOUT, SHM_RND, 0, SHMC_E_AT_FLAGS_UNKNOWN},
        {KEY, LAYOUT, SHM_EXEC, 0, SHMC_E_AT_FLAGS_UNKNOWN},
    };
    struct fx *fx = *state;
    make_typed(fx);

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->out);
        errno = 0;

        enum shmc_err err =
            shmc_typed_open(cases[i].key, cases[i].layout, cases[i].at_flags,
                            cases[i].null_out ? NULL : &fx->out);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->out);
    }
    assert_int_equal(mock_calls(MOCK_shmat), 0);
    assert_int_equal(nattch(&fx->t[0].seg), 1);
}

static void test_open_missing_key(void **state)
{
    struct fx *fx = *state;
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_typed_open(KEY, LAYOUT, 0, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_NOT_FOUND);
    assert_int_equal(saved, ENOENT);
    assert_untouched(fx->out);
}

/* --- create_or_open ---------------------------------------------------- */

static void test_create_or_open_creates(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_typed_create_or_open(KEY, LAYOUT, 0600, &fx->t[0]);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->t[0].seg.created, 1);
    assert_int_equal(nattch(&fx->t[0].seg), 1);
}

static void test_create_or_open_opens(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    ((struct counters *)fx->t[0].data)->hits = 5;

    enum shmc_err err = shmc_typed_create_or_open(KEY, LAYOUT, 0600, &fx->t[1]);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->t[1].seg.created, 0);
    assert_int_equal(((struct counters *)fx->t[1].data)->hits, 5);
    assert_int_equal(nattch(&fx->t[0].seg), 2);
}

/* create: EEXIST; open: ENOENT (injected, "removed meanwhile"); create
 * again: EEXIST; open: the creator's segment. */
static void test_create_or_open_retries(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    mock_fail_after(MOCK_shmget, 1, ENOENT);

    enum shmc_err err = shmc_typed_create_or_open(KEY, LAYOUT, 0600, &fx->t[1]);

    assert_err(err, SHMC_OK);
    assert_true(mock_fired());
    assert_int_equal(mock_calls(MOCK_shmget), 4);
    assert_int_equal(fx->t[1].seg.created, 0);
    assert_int_equal(nattch(&fx->t[0].seg), 2);
}

static void test_create_or_open_other_layout(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_typed_create_or_open(KEY, SHMC_TYPED(struct other),
                                                  0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_TYPED_LAYOUT);
    assert_int_equal(saved, EINVAL);
    assert_untouched(fx->out);
    assert_int_equal(nattch(&fx->t[0].seg), 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

/* Every open finds the key but the segment is gone by its IPC_STAT. */
static void test_create_or_open_gives_up_with_race(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);
    mock_fail_always(MOCK_shmctl, EIDRM);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_typed_create_or_open(KEY, LAYOUT, 0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_RACE);
    assert_int_equal(saved, EAGAIN);
    assert_int_equal(mock_calls(MOCK_shmget), 2 * SHMC_CREATE_OR_OPEN_TRIES);
    assert_int_equal(mock_calls(MOCK_shmat), 0);
    assert_untouched(fx->out);
    mock_reset();
    assert_int_equal(nattch(&fx->t[0].seg), 1);
}

static void test_create_or_open_null_arguments(void **state)
{
    struct fx *fx = *state;
    fill_sentinel(fx->out);
    errno = 0;

    enum shmc_err no_out = shmc_typed_create_or_open(KEY, LAYOUT, 0600, NULL);
    int no_out_errno = errno;
    errno = 0;
    enum shmc_err no_layout =
        shmc_typed_create_or_open(KEY, NULL, 0600, &fx->out);
    int no_layout_errno = errno;

    assert_err(no_out, SHMC_E_NULL);
    assert_int_equal(no_out_errno, EINVAL);
    assert_err(no_layout, SHMC_E_NULL);
    assert_int_equal(no_layout_errno, EINVAL);
    assert_untouched(fx->out);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_create),
        T(test_create_overaligned_type),
        T(test_create_refuses_arguments),
        T(test_create_existing_key),
        T(test_open_sees_creators_data),
        T(test_open_readonly),
        T(test_open_refuses_arguments),
        T(test_open_missing_key),
        T(test_create_or_open_creates),
        T(test_create_or_open_opens),
        T(test_create_or_open_retries),
        T(test_create_or_open_other_layout),
        T(test_create_or_open_gives_up_with_race),
        T(test_create_or_open_null_arguments),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
