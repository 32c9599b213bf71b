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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define assert_err(got, want)                                                 \
    assert_string_equal(shmc_errname(got), shmc_errname(want))
#define fill_sentinel(x) memset(&(x), 0xa5, sizeof(x))

struct fx {
    struct shmc_segment seg;    /* made by setup                    */
    struct shmc_attachment att; /* attached by setup                */
    int in_use;                 /* segments in the namespace before */
};

/* Injected errno -> the code; shmdt's EINVAL is not about the segment. */
static const struct fault {
    int err;
    enum shmc_err want;
} dt_faults[] = {
    {ENOMEM, SHMC_E_NO_MEMORY}, {ENOSPC, SHMC_E_NO_SPACE},
    {EACCES, SHMC_E_PERMISSION}, {EPERM, SHMC_E_PERMISSION},
    {EEXIST, SHMC_E_EXISTS},    {ENOENT, SHMC_E_NOT_FOUND},
    {EIDRM, SHMC_E_REMOVED},    {EMFILE, SHMC_E_TOO_MANY},
    {ENFILE, SHMC_E_TOO_MANY},  {EIO, SHMC_E_SYSTEM},
    {EINVAL, SHMC_E_KERNEL_INVALID},
};

static const char *ename(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

static void assert_fault(const struct fault *f, enum shmc_err got, int saved)
{
    if (got != f->want || saved != f->err)
        fail_msg("injected %s: got %s errno %s, want %s errno %s",
                 ename(f->err), shmc_errname(got), ename(saved),
                 shmc_errname(f->want), ename(f->err));
}

static int setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    fx.in_use = mock_segments_in_use();
    if (shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx.seg) != SHMC_OK ||
        shmc_attach(&fx.seg, NULL, 0, &fx.att) != SHMC_OK)
        return -1;
    mock_reset();
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    shmc_detach_cleanup(&fx->att);
    (void)shmc_segment_remove(&fx->seg);
    return mock_segments_in_use() == fx->in_use ? 0 : -1;
}

static unsigned long nattch(const struct shmc_segment *seg)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(seg, &info), SHMC_OK);
    return info.nattch;
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

/* A failed detach leaves the handle attached, so a later one works. */
static void test_detach_kernel_faults(void **state)
{
    struct fx *fx = *state;
    const struct shmc_attachment before = fx->att;

    for (size_t i = 0; i < COUNT(dt_faults); i++) {
        mock_fail_after(MOCK_shmdt, 0, dt_faults[i].err);

        enum shmc_err err = shmc_detach(&fx->att);
        int saved = errno;

        assert_true(mock_fired());
        assert_fault(&dt_faults[i], err, saved);
        assert_memory_equal(&fx->att, &before, sizeof before);
        assert_int_equal(nattch(&fx->seg), 1);
    }
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
