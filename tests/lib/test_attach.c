/*
 * test_attach.c - shmc_attach: where the kernel maps the segment, the
 * handles and arguments refused before any system call, what the kernel
 * really answers, and every errno it can give, injected through mock.h.
 * Detach is in test_attach_detach.c, release in test_attach_release.c,
 * the cleanup handlers and SHMC_AUTO_* in test_attach_scope.c, fork in
 * test_attach_fork.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define SIZE 8192

struct fx {
    struct shmc_segment seg;       /* made by setup                    */
    struct shmc_attachment att[2]; /* detached by teardown if needed   */
    const void *at;                /* address of the attach faults     */
    int in_use;                    /* segments in the namespace before */
};

static const struct fault at_any_faults[] = {FAULTS(SHMC_E_REMOVED)};
static const struct fault at_fixed_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    return fixture_segment(&fx.seg, SIZE, NULL);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    fixture_segment_cleanup(&fx->seg, fx->att, COUNT(fx->att));
    return fixture_end(fx->in_use);
}

/* An address range nothing is mapped at (reserved, then released). */
static void *free_address(void)
{
    void *p =
        mmap(NULL, 4 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    assert_int_equal(munmap(p, 4 * SIZE), 0);
    return (char *)p + SIZE;
}

static void test_attach_kernel_chooses_address(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_attach(&fx->seg, NULL, 0, &fx->att[0]);

    assert_err(err, SHMC_OK);
    assert_non_null(fx->att[0].addr);
    assert_int_equal((uintptr_t)fx->att[0].addr % shmc_limits()->page_size, 0);
    assert_int_equal(fx->att[0].size, SIZE);
    assert_int_equal(fx->att[0].shmid, fx->seg.id);
    assert_int_equal(fx->att[0].shmflg, 0);
    assert_int_equal(nattch(&fx->seg), 1);
    memset(fx->att[0].addr, 0x5a, SIZE); /* writable, all of it */
}

static void test_attach_readonly_sees_writes(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);

    enum shmc_err err = shmc_attach(&fx->seg, NULL, SHM_RDONLY, &fx->att[1]);
    strcpy(fx->att[0].addr, "written through the other one");

    assert_err(err, SHMC_OK);
    assert_int_equal(fx->att[1].shmflg, SHM_RDONLY);
    assert_ptr_not_equal(fx->att[1].addr, fx->att[0].addr);
    assert_string_equal(fx->att[1].addr, "written through the other one");
    assert_int_equal(nattch(&fx->seg), 2);
}

static void test_attach_at_fixed_address(void **state)
{
    struct fx *fx = *state;
    void *want = free_address();

    enum shmc_err err = shmc_attach(&fx->seg, want, 0, &fx->att[0]);

    assert_err(err, SHMC_OK);
    assert_ptr_equal(fx->att[0].addr, want);
}

static void test_attach_rnd_rounds_down(void **state)
{
    struct fx *fx = *state;
    char *want = free_address();

    enum shmc_err err = shmc_attach(&fx->seg, want + 123, SHM_RND, &fx->att[0]);

    assert_err(err, SHMC_OK);
    assert_ptr_equal(fx->att[0].addr, want);
    assert_int_equal(fx->att[0].shmflg, SHM_RND);
}

static void test_attach_null_arguments(void **state)
{
    struct fx *fx = *state;
    fill_sentinel(fx->att[1]);
    errno = 0;

    enum shmc_err no_seg = shmc_attach(NULL, NULL, 0, &fx->att[1]);
    int no_seg_errno = errno;
    errno = 0;
    enum shmc_err no_out = shmc_attach(&fx->seg, NULL, 0, NULL);
    int no_out_errno = errno;

    assert_err(no_seg, SHMC_E_NULL);
    assert_int_equal(no_seg_errno, EINVAL);
    assert_err(no_out, SHMC_E_NULL);
    assert_int_equal(no_out_errno, EINVAL);
    assert_untouched(fx->att[1]);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
    assert_int_equal(nattch(&fx->seg), 0);
}

static void test_attach_invalid_segment_handles(void **state)
{
    struct fx *fx = *state;
    struct shmc_segment bad[3];
    memset(&bad[0], 0, sizeof bad[0]);
    fill_sentinel(bad[1]);
    bad[2] = fx->seg;
    bad[2].magic = 0;

    for (size_t i = 0; i < COUNT(bad); i++) {
        fill_sentinel(fx->att[1]);
        errno = 0;

        enum shmc_err err = shmc_attach(&bad[i], NULL, 0, &fx->att[1]);
        int saved = errno;

        assert_err(err, SHMC_E_HANDLE_INVALID);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->att[1]);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_attach_refused_by_validator(void **state)
{
    const uintptr_t lba = shmc_limits()->shmlba;
    const struct {
        uintptr_t addr;
        int flags;
        enum shmc_err want;
    } cases[] = {
        {16 * lba + 1, 0, SHMC_E_AT_ADDR_UNALIGNED},
        {16 * lba + lba / 2, SHM_RDONLY, SHMC_E_AT_ADDR_UNALIGNED},
        {0, 01, SHMC_E_AT_FLAGS_UNKNOWN},
        {0, SHM_REMAP, SHMC_E_AT_REMAP_NULL},
        {1, SHM_RND, SHMC_E_AT_ADDR_LOW},
        {(uintptr_t)1 << 47, 0, SHMC_E_AT_ADDR_RANGE},
#if defined(__x86_64__)
        /* below the end of user space, but the segment would cross it */
        {((uintptr_t)1 << 47) - 2 * 4096, 0, SHMC_E_AT_ADDR_RANGE},
        {((uintptr_t)1 << 47) - 2 * 4096 + 1, SHM_RND, SHMC_E_AT_ADDR_RANGE},
#endif
    };
    struct fx *fx = *state;

    for (size_t i = 0; i < COUNT(cases); i++) {
        fill_sentinel(fx->att[1]);
        errno = 0;

        enum shmc_err err = shmc_attach(&fx->seg, (void *)cases[i].addr,
                                        cases[i].flags, &fx->att[1]);
        int saved = errno;

        assert_err(err, cases[i].want);
        assert_int_equal(saved, EINVAL);
        assert_untouched(fx->att[1]);
    }
    assert_int_equal(mock_calls(MOCK_shmat), 0);
}

static void test_attach_removed_segment(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_segment_remove(&fx->seg), SHMC_OK);
    fill_sentinel(fx->att[1]);

    enum shmc_err err = shmc_attach(&fx->seg, NULL, 0, &fx->att[1]);
    int saved = errno;

    assert_err(err, SHMC_E_REMOVED);
    assert_int_equal(saved, EINVAL);
    assert_untouched(fx->att[1]);
}

/* A fixed address over another mapping, without SHM_REMAP: EINVAL, which
 * at a fixed address does not mean the segment is gone. */
static void test_attach_over_existing_mapping(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
    fill_sentinel(fx->att[1]);

    enum shmc_err err = shmc_attach(&fx->seg, fx->att[0].addr, 0, &fx->att[1]);
    int saved = errno;

    assert_err(err, SHMC_E_KERNEL_INVALID);
    assert_int_equal(saved, EINVAL);
    assert_untouched(fx->att[1]);
    assert_int_equal(nattch(&fx->seg), 1);
}

static enum shmc_err attach_at(void *arg)
{
    struct fx *fx = arg;
    fill_sentinel(fx->att[1]);
    return shmc_attach(&fx->seg, fx->at, 0, &fx->att[1]);
}

static void nothing_attached(void *arg)
{
    struct fx *fx = arg;
    assert_untouched(fx->att[1]);
    assert_int_equal(nattch(&fx->seg), 0);
}

static void attach_faults(struct fx *fx, const void *addr,
                          const struct fault *faults, size_t n)
{
    fx->at = addr;
    inject_faults(MOCK_shmat, 0, faults, n, attach_at, nothing_attached, fx);
}

static void test_attach_kernel_faults_any_address(void **state)
{
    attach_faults(*state, NULL, at_any_faults, COUNT(at_any_faults));
}

static void test_attach_kernel_faults_fixed_address(void **state)
{
    attach_faults(*state, free_address(), at_fixed_faults,
                  COUNT(at_fixed_faults));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_attach_kernel_chooses_address),
        T(test_attach_readonly_sees_writes),
        T(test_attach_at_fixed_address),
        T(test_attach_rnd_rounds_down),
        T(test_attach_null_arguments),
        T(test_attach_invalid_segment_handles),
        T(test_attach_refused_by_validator),
        T(test_attach_removed_segment),
        T(test_attach_over_existing_mapping),
        T(test_attach_kernel_faults_any_address),
        T(test_attach_kernel_faults_fixed_address),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
