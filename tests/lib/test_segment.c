/*
 * test_segment.c - shmc_segment_create, shmc_segment_open,
 * shmc_segment_stat and shmc_segment_remove: success, the arguments the
 * library refuses before the kernel sees them, what the kernel really
 * answers, and every errno it can give, injected through mock.h.
 * shmc_segment_create_or_open is in test_segment_coo.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm-generic/hugetlb_encode.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define KEY ((key_t)0x5e600001)

struct fx {
    struct shmc_segment seg; /* the test's segment                     */
    struct shmc_segment out; /* out-parameter of the call under test   */
    void *addr;              /* a raw attachment of seg, or NULL       */
    int in_use;              /* segments in the namespace before       */
};

static const struct fault create_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};
static const struct fault open_faults[] = {FAULTS(SHMC_E_TOO_SMALL)};
static const struct fault ctl_faults[] = {FAULTS(SHMC_E_REMOVED)};

static int setup(void **state)
{
    static struct fx fx;
    return fixture_begin(state, &fx, sizeof fx, &fx.in_use);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    if (fx->addr != NULL)
        shmdt(fx->addr);
    (void)shmc_segment_remove(&fx->seg);
    (void)shmc_segment_remove(&fx->out);
    remove_key(KEY);
    return fixture_end(fx->in_use);
}

/* --- create ------------------------------------------------------------ */

static void test_create_private(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;

    enum shmc_err err = shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx->seg);

    assert_err(err, SHMC_OK);
    assert_true(fx->seg.id >= 0);
    assert_int_equal(fx->seg.key, IPC_PRIVATE);
    assert_int_equal(fx->seg.size, 4096);
    assert_int_equal(fx->seg.created, 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_OK);
    assert_int_equal(info.size, 4096);
    assert_int_equal(info.mode, 0600);
    assert_int_equal(info.nattch, 0);
    assert_int_equal(info.creator_pid, getpid());
}

static void test_create_key_with_explicit_excl(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_segment_create(
        KEY, 100, IPC_CREAT | IPC_EXCL | SHM_NORESERVE | 0640, &fx->seg);

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->seg.key, KEY);
    assert_int_equal(fx->seg.size, 100);
    assert_int_equal(shmget(KEY, 0, 0), fx->seg.id);
}

static void test_create_null_out(void **state)
{
    struct fx *fx = *state;
    errno = 0;

    enum shmc_err err = shmc_segment_create(IPC_PRIVATE, 4096, 0600, NULL);
    int saved = errno;

    assert_err(err, SHMC_E_NULL);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

static void test_create_refuses_invalid_arguments(void **state)
{
    static const struct {
        key_t key;
        size_t size;
        int flags;
        enum shmc_err want;
    } cases[] = {
        {IPC_PRIVATE, 0, 0600, SHMC_E_SIZE_ZERO},
        {IPC_PRIVATE, (size_t)PTRDIFF_MAX + 1, 0600, SHMC_E_SIZE_TOO_BIG},
        {IPC_PRIVATE, SIZE_MAX, 0600, SHMC_E_SIZE_TOO_BIG},
        {(key_t)-1, 4096, 0600, SHMC_E_KEY_FTOK_FAILED},
        {IPC_PRIVATE, 4096, 0600 | 020000, SHMC_E_GET_FLAGS_UNKNOWN},
        {IPC_PRIVATE, 4096, 0600 | HUGETLB_FLAG_ENCODE_2MB,
         SHMC_E_GET_HUGE_WITHOUT_HUGETLB},
        {IPC_PRIVATE, 4096, /* 2^7-byte huge pages do not exist */
         0600 | SHM_HUGETLB | (7 << HUGETLB_FLAG_ENCODE_SHIFT),
         SHMC_E_GET_HUGE_SIZE_UNKNOWN},
    };
    struct fx *fx = *state;

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->out);
        errno = 0;

        enum shmc_err err = shmc_segment_create(cases[i].key, cases[i].size,
                                                cases[i].flags, &fx->out);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->out);
        assert_int_equal(mock_calls(MOCK_ANY), 0);
    }
}

static void test_create_existing_key(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_create(KEY, 4096, 0600, &fx->seg), SHMC_OK);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_create(KEY, 4096, 0600, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_EXISTS);
    assert_int_equal(saved, EEXIST);
    assert_untouched(fx->out);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

static enum shmc_err create_private(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx->out);
}

static void nothing_created(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

static void test_create_kernel_faults(void **state)
{
    inject_faults(MOCK_shmget, 0, create_faults, COUNT(create_faults),
                  create_private, nothing_created, *state);
}

/* --- open -------------------------------------------------------------- */

static void test_open_existing(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_create(KEY, 5000, 0600, &fx->seg), SHMC_OK);

    enum shmc_err any = shmc_segment_open(KEY, 0, 0, &fx->out);
    enum shmc_err exact = shmc_segment_open(KEY, 5000, 0600, &fx->out);

    assert_err(any, SHMC_OK);
    assert_err(exact, SHMC_OK);
    assert_int_equal(fx->out.id, fx->seg.id);
    assert_int_equal(fx->out.key, KEY);
    assert_int_equal(fx->out.size, 5000);
    assert_int_equal(fx->out.created, 0);
}

static void test_open_null_out(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_create(KEY, 4096, 0600, &fx->seg), SHMC_OK);
    mock_reset();

    enum shmc_err err = shmc_segment_open(KEY, 0, 0, NULL);
    int saved = errno;

    assert_err(err, SHMC_E_NULL);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

/* Creation flags, IPC_PRIVATE and bad keys or sizes never reach shmget:
 * the key is missing, so an open that slipped through would create it. */
static void test_open_refuses_invalid_arguments(void **state)
{
    static const struct {
        key_t key;
        size_t min_size;
        int flags;
        enum shmc_err want;
    } cases[] = {
        {KEY, 0, IPC_CREAT | 0600, SHMC_E_OPEN_FLAGS},
        {KEY, 0, IPC_CREAT | IPC_EXCL | 0600, SHMC_E_OPEN_FLAGS},
        {KEY, 0, IPC_EXCL, SHMC_E_OPEN_FLAGS},
        {KEY, 0, SHM_HUGETLB, SHMC_E_OPEN_FLAGS},
        {KEY, 0, SHM_NORESERVE, SHMC_E_OPEN_FLAGS},
        {KEY, 0, -1, SHMC_E_OPEN_FLAGS},
        {IPC_PRIVATE, 0, 0, SHMC_E_OPEN_PRIVATE},
        {IPC_PRIVATE, 4096, 0600, SHMC_E_OPEN_PRIVATE},
        {(key_t)-1, 0, 0, SHMC_E_KEY_FTOK_FAILED},
        {KEY, (size_t)PTRDIFF_MAX + 1, 0, SHMC_E_SIZE_TOO_BIG},
    };
    struct fx *fx = *state;

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->out);
        errno = 0;

        enum shmc_err err = shmc_segment_open(cases[i].key, cases[i].min_size,
                                              cases[i].flags, &fx->out);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->out);
        assert_int_equal(mock_calls(MOCK_ANY), 0);
        assert_int_equal(mock_segments_in_use(), fx->in_use);
    }
}

static void test_open_missing_key(void **state)
{
    struct fx *fx = *state;
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_open(KEY, 0, 0, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_NOT_FOUND);
    assert_int_equal(saved, ENOENT);
    assert_untouched(fx->out);
}

/* IPC_RMID takes the key away at once, even while the segment lives on. */
static void test_open_removed_but_attached(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_create(KEY, 4096, 0600, &fx->seg), SHMC_OK);
    fx->addr = shmat(fx->seg.id, NULL, 0);
    assert_true(fx->addr != (void *)-1);
    assert_err(shmc_segment_remove(&fx->seg), SHMC_OK);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_open(KEY, 0, 0, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_NOT_FOUND);
    assert_int_equal(saved, ENOENT);
    assert_untouched(fx->out);
}

static void test_open_larger_than_segment(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_create(KEY, 4096, 0600, &fx->seg), SHMC_OK);
    fill_sentinel(fx->out);

    enum shmc_err err = shmc_segment_open(KEY, 4097, 0, &fx->out);
    int saved = errno;

    assert_err(err, SHMC_E_TOO_SMALL);
    assert_int_equal(saved, EINVAL);
    assert_untouched(fx->out);
}

static enum shmc_err open_key(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->out);
    return shmc_segment_open(KEY, 0, 0, &fx->out);
}

static void nothing_opened(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->out);
    assert_int_equal(mock_segments_in_use(), fx->in_use + 1);
}

/* Injected into the shmget (nth == 0) or the IPC_STAT that reads the size. */
static void open_faults_on(struct fx *fx, enum mock_call call,
                           const struct fault *faults, size_t n)
{
    assert_err(shmc_segment_create(KEY, 4096, 0600, &fx->seg), SHMC_OK);

    inject_faults(call, 0, faults, n, open_key, nothing_opened, fx);
}

static void test_open_shmget_faults(void **state)
{
    open_faults_on(*state, MOCK_shmget, open_faults, COUNT(open_faults));
}

static void test_open_ipc_stat_faults(void **state)
{
    open_faults_on(*state, MOCK_shmctl, ctl_faults, COUNT(ctl_faults));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_create_private),
        T(test_create_key_with_explicit_excl),
        T(test_create_null_out),
        T(test_create_refuses_invalid_arguments),
        T(test_create_existing_key),
        T(test_create_kernel_faults),
        T(test_open_existing),
        T(test_open_null_out),
        T(test_open_refuses_invalid_arguments),
        T(test_open_missing_key),
        T(test_open_removed_but_attached),
        T(test_open_larger_than_segment),
        T(test_open_shmget_faults),
        T(test_open_ipc_stat_faults),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
