/*
 * test_validate_get.c - the shmget side of the validator: shmc_validate_key,
 * _size, _get_flags, _get and _proj accept their whole domain up to each
 * edge and refuse just past it with the documented code, without a system
 * call and without touching errno. Limits are explicit so that no case
 * depends on the machine, except those that check lim == NULL.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/shm.h>
/* <linux/shm.h> clashes with <sys/shm.h>; SHM_HUGE_* are these values. */
#include <asm-generic/hugetlb_encode.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define HUGE_LOG(n) ((int)((unsigned)(n) << HUGETLB_FLAG_ENCODE_SHIFT))
#define PTRDIFF_MAX_Z ((size_t)PTRDIFF_MAX)

struct flags_case {
    int flags;
    enum shmc_err want;
    const char *label;
};

struct get_case {
    key_t key;
    size_t size;
    int flags;
    const struct shmc_limits *lim;
    enum shmc_err want;
    const char *label;
};

// clang-format off
#define FLAGS(f, want) {(int)(f), want, #f}
#define GET(k, s, f, l, want) {k, s, f, l, want, #k ", " #s ", " #f ", " #l}

/* A machine with a small SHMMAX, and one whose SHMMAX is beyond
 * PTRDIFF_MAX (the kernel default), so that both bounds are reached. */
#define LIMITS(max) {.shmmin = 1, .shmmax = (max), .shmall = 256, \
                     .shmmni = 16, .shmlba = 4096, .page_size = 4096}
static const struct shmc_limits small = LIMITS(1 << 20),
                                big = LIMITS(SIZE_MAX - (1UL << 24));
/* SHMMIN reads 0 on no kernel (it is the constant 1), but a size of 0 is
 * refused whatever the limits say. */
static const struct shmc_limits min0 = {.shmmin = 0, .shmmax = 1 << 20,
                                        .shmall = 256, .shmmni = 16,
                                        .shmlba = 4096, .page_size = 4096};

/* The huge page sizes include/uapi/linux/shm.h names as SHM_HUGE_*. */
#define KNOWN_HUGE(X)                                                         \
    X(HUGETLB_FLAG_ENCODE_64KB) X(HUGETLB_FLAG_ENCODE_512KB)                  \
    X(HUGETLB_FLAG_ENCODE_1MB) X(HUGETLB_FLAG_ENCODE_2MB)                     \
    X(HUGETLB_FLAG_ENCODE_8MB) X(HUGETLB_FLAG_ENCODE_16MB)                    \
    X(HUGETLB_FLAG_ENCODE_32MB) X(HUGETLB_FLAG_ENCODE_256MB)                  \
    X(HUGETLB_FLAG_ENCODE_512MB) X(HUGETLB_FLAG_ENCODE_1GB)                   \
    X(HUGETLB_FLAG_ENCODE_2GB) X(HUGETLB_FLAG_ENCODE_16GB)
// clang-format on

static void run_flags(const struct flags_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        errno = ERRNO_SENTINEL;
        enum shmc_err got = shmc_validate_get_flags(c[i].flags);
        expect_code(c[i].label, got, errno, c[i].want);
    }
}

static void run_get(const struct get_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        errno = ERRNO_SENTINEL;
        enum shmc_err got =
            shmc_validate_get(c[i].key, c[i].size, c[i].flags, c[i].lim);
        expect_code(c[i].label, got, errno, c[i].want);
    }
}

static void test_key(void **state)
{
    (void)state;
    const struct int_case c[] = {{(key_t)-1, SHMC_E_KEY_FTOK_FAILED},
                                 {IPC_PRIVATE, SHMC_OK},
                                 {1, SHMC_OK},
                                 {-2, SHMC_OK},
                                 {INT_MAX, SHMC_OK},
                                 {INT_MIN, SHMC_OK},
                                 {0x41000001, SHMC_OK}};

    run_int_cases("key", shmc_validate_key, c, COUNT(c));
}

static void test_size_explicit_limits(void **state)
{
    (void)state;
    const struct {
        size_t size;
        const struct shmc_limits *lim;
        enum shmc_err want;
        const char *label;
    } c[] = {
        {0, &small, SHMC_E_SIZE_ZERO, "0"},
        {1, &small, SHMC_OK, "1"},
        {1 << 20, &small, SHMC_OK, "shmmax"},
        {(1 << 20) + 1, &small, SHMC_E_SIZE_TOO_BIG, "shmmax+1"},
        {PTRDIFF_MAX_Z + 1, &small, SHMC_E_SIZE_TOO_BIG, "PTRDIFF_MAX+1"},
        {SIZE_MAX, &small, SHMC_E_SIZE_TOO_BIG, "SIZE_MAX"},
        {0, &big, SHMC_E_SIZE_ZERO, "big: 0"},
        {1, &big, SHMC_OK, "big: 1"},
        {PTRDIFF_MAX_Z, &big, SHMC_OK, "big: PTRDIFF_MAX"},
        {PTRDIFF_MAX_Z + 1, &big, SHMC_E_SIZE_TOO_BIG, "big: PTRDIFF_MAX+1"},
        {SIZE_MAX - (1UL << 24), &big, SHMC_E_SIZE_TOO_BIG, "big: shmmax"},
        {0, &min0, SHMC_E_SIZE_ZERO, "shmmin 0: 0"},
        {1, &min0, SHMC_OK, "shmmin 0: 1"},
    };

    for (size_t i = 0; i < COUNT(c); i++) {
        errno = ERRNO_SENTINEL;

        enum shmc_err got = shmc_validate_size(c[i].size, c[i].lim);

        expect_code(c[i].label, got, errno, c[i].want);
    }
}

/* lim NULL uses the cached limits, whatever the machine's SHMMAX. */
static void test_size_null_limits_use_cached(void **state)
{
    (void)state;
    const struct shmc_limits *cached = shmc_limits();
    size_t top =
        cached->shmmax < PTRDIFF_MAX_Z ? cached->shmmax : PTRDIFF_MAX_Z;
    const struct {
        size_t size;
        enum shmc_err want;
    } c[] = {{0, SHMC_E_SIZE_ZERO},
             {1, SHMC_OK},
             {top, SHMC_OK},
             {top + 1, SHMC_E_SIZE_TOO_BIG},
             {SIZE_MAX, SHMC_E_SIZE_TOO_BIG}};

    for (size_t i = 0; i < COUNT(c); i++) {
        char what[48];
        snprintf(what, sizeof what, "size %zu, NULL", c[i].size);
        errno = ERRNO_SENTINEL;

        enum shmc_err got = shmc_validate_size(c[i].size, NULL);

        expect_code(what, got, errno, c[i].want);
    }
}

static void test_get_flags_accepted(void **state)
{
    (void)state;
    const struct flags_case c[] = {
        FLAGS(0, SHMC_OK),
        FLAGS(0777, SHMC_OK),
        FLAGS(IPC_CREAT, SHMC_OK),
        FLAGS(IPC_CREAT | IPC_EXCL | 0600, SHMC_OK),
        FLAGS(SHM_NORESERVE, SHMC_OK),
        FLAGS(SHM_HUGETLB, SHMC_OK),
        FLAGS(IPC_CREAT | IPC_EXCL | SHM_HUGETLB | SHM_NORESERVE | 0777,
              SHMC_OK),
    };

    run_flags(c, COUNT(c));
}

static void test_get_flags_unknown_bits(void **state)
{
    (void)state;
    const struct flags_case c[] = {
        FLAGS(020000, SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(040000, SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(0100000, SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(1 << 20, SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(1 << 25, SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(IPC_CREAT | 0600 | 020000, SHMC_E_GET_FLAGS_UNKNOWN),
        /* Unknown bits are reported before the other flag mistakes. */
        FLAGS(IPC_EXCL | (1 << 20), SHMC_E_GET_FLAGS_UNKNOWN),
        FLAGS(HUGE_LOG(21) | (1 << 20), SHMC_E_GET_FLAGS_UNKNOWN),
    };

    run_flags(c, COUNT(c));
}

static void test_get_flags_excl_without_creat(void **state)
{
    (void)state;
    const struct flags_case c[] = {
        FLAGS(IPC_EXCL, SHMC_E_GET_EXCL_WITHOUT_CREAT),
        FLAGS(IPC_EXCL | 0600, SHMC_E_GET_EXCL_WITHOUT_CREAT),
        FLAGS(IPC_EXCL | SHM_HUGETLB, SHMC_E_GET_EXCL_WITHOUT_CREAT),
        FLAGS(IPC_EXCL | HUGE_LOG(21), SHMC_E_GET_EXCL_WITHOUT_CREAT),
    };

    run_flags(c, COUNT(c));
}

static void test_get_flags_known_huge_sizes(void **state)
{
    (void)state;
#define WITH_HUGETLB(s) FLAGS(SHM_HUGETLB | (int)(s), SHMC_OK),
#define WITHOUT_HUGETLB(s) \
    FLAGS(IPC_CREAT | (int)(s), SHMC_E_GET_HUGE_WITHOUT_HUGETLB),
    const struct flags_case c[] = {KNOWN_HUGE(WITH_HUGETLB)
                                       KNOWN_HUGE(WITHOUT_HUGETLB)};
#undef WITH_HUGETLB
#undef WITHOUT_HUGETLB

    run_flags(c, COUNT(c));
}

static void test_get_flags_unknown_huge_sizes(void **state)
{
    (void)state;
    const struct flags_case c[] = {
        FLAGS(SHM_HUGETLB | HUGE_LOG(22), SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        FLAGS(SHM_HUGETLB | HUGE_LOG(1), SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        /* MAP_HUGE_16KB exists; SHM_HUGE_16KB does not. */
        FLAGS(SHM_HUGETLB | HUGE_LOG(14), SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        FLAGS(SHM_HUGETLB | HUGE_LOG(33), SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        FLAGS(SHM_HUGETLB | HUGE_LOG(63), SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        FLAGS(IPC_CREAT | SHM_HUGETLB | HUGE_LOG(22),
              SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        /* Without SHM_HUGETLB, that is the first thing wrong. */
        FLAGS(HUGE_LOG(22), SHMC_E_GET_HUGE_WITHOUT_HUGETLB),
        FLAGS(HUGE_LOG(63), SHMC_E_GET_HUGE_WITHOUT_HUGETLB),
    };

    run_flags(c, COUNT(c));
}

static void test_get_creating_needs_size(void **state)
{
    (void)state;
    const struct get_case c[] = {
        GET(IPC_PRIVATE, 0, 0600, &small, SHMC_E_SIZE_ZERO),
        GET(IPC_PRIVATE, 1, 0600, &small, SHMC_OK),
        GET(IPC_PRIVATE, 1 << 20, 0, &small, SHMC_OK),
        GET(IPC_PRIVATE, (1 << 20) + 1, 0, &small, SHMC_E_SIZE_TOO_BIG),
        GET(42, 0, IPC_CREAT | 0600, &small, SHMC_E_SIZE_ZERO),
        GET(42, 0, IPC_CREAT | IPC_EXCL, &small, SHMC_E_SIZE_ZERO),
        GET(42, 1, IPC_CREAT | IPC_EXCL | 0600, &small, SHMC_OK),
        GET(42, 1 << 20, IPC_CREAT, &small, SHMC_OK),
        GET(42, (1 << 20) + 1, IPC_CREAT, &small, SHMC_E_SIZE_TOO_BIG),
        GET(42, PTRDIFF_MAX_Z, IPC_CREAT, &big, SHMC_OK),
        GET(42, PTRDIFF_MAX_Z + 1, IPC_CREAT, &big, SHMC_E_SIZE_TOO_BIG),
    };

    run_get(c, COUNT(c));
}

static void test_get_joining_size(void **state)
{
    (void)state;
    const struct get_case c[] = {
        GET(42, 0, 0, &small, SHMC_OK),
        GET(42, 0, 0600, &small, SHMC_OK),
        GET(42, 1, 0400, &small, SHMC_OK),
        GET(42, 1 << 20, 0, &small, SHMC_OK),
        GET(42, (1 << 20) + 1, 0, &small, SHMC_E_SIZE_TOO_BIG),
        GET(42, PTRDIFF_MAX_Z, 0, &big, SHMC_OK),
        GET(42, PTRDIFF_MAX_Z + 1, 0, &big, SHMC_E_SIZE_TOO_BIG),
        GET(42, SIZE_MAX, 0, &big, SHMC_E_SIZE_TOO_BIG),
    };

    run_get(c, COUNT(c));
}

/* The key is checked first, then the flags, then the size. */
static void test_get_check_order(void **state)
{
    (void)state;
    const struct get_case c[] = {
        GET((key_t)-1, 1, 0600, &small, SHMC_E_KEY_FTOK_FAILED),
        GET((key_t)-1, 0, IPC_CREAT | 020000, &small, SHMC_E_KEY_FTOK_FAILED),
        GET(42, 0, IPC_CREAT | 020000, &small, SHMC_E_GET_FLAGS_UNKNOWN),
        GET(42, 0, IPC_EXCL, &small, SHMC_E_GET_EXCL_WITHOUT_CREAT),
        GET(IPC_PRIVATE, 0, HUGE_LOG(21), &small,
            SHMC_E_GET_HUGE_WITHOUT_HUGETLB),
        GET(42, 0, IPC_CREAT | SHM_HUGETLB | HUGE_LOG(22), &small,
            SHMC_E_GET_HUGE_SIZE_UNKNOWN),
        GET(42, 1, IPC_CREAT | SHM_HUGETLB | (int)HUGETLB_FLAG_ENCODE_2MB,
            &small, SHMC_OK),
    };

    run_get(c, COUNT(c));
}

static void test_get_null_limits_use_cached(void **state)
{
    (void)state;
    const struct shmc_limits *cached = shmc_limits();
    size_t top =
        cached->shmmax < PTRDIFF_MAX_Z ? cached->shmmax : PTRDIFF_MAX_Z;
    const struct get_case c[] = {
        GET(42, 0, 0, NULL, SHMC_OK),
        GET(IPC_PRIVATE, 0, 0600, NULL, SHMC_E_SIZE_ZERO),
        GET(42, 1, IPC_CREAT | 0600, NULL, SHMC_OK),
        GET(42, top, IPC_CREAT, NULL, SHMC_OK),
        GET(42, top + 1, IPC_CREAT, NULL, SHMC_E_SIZE_TOO_BIG),
        GET(42, top, 0, NULL, SHMC_OK),
        GET(42, top + 1, 0, NULL, SHMC_E_SIZE_TOO_BIG),
    };

    run_get(c, COUNT(c));
}

static void test_proj(void **state)
{
    (void)state;
    const struct int_case c[] = {{0, SHMC_E_PROJ_RANGE},
                                 {1, SHMC_OK},
                                 {'A', SHMC_OK},
                                 {255, SHMC_OK},
                                 {256, SHMC_E_PROJ_RANGE},
                                 {257, SHMC_E_PROJ_RANGE},
                                 {-1, SHMC_E_PROJ_RANGE},
                                 {INT_MAX, SHMC_E_PROJ_RANGE},
                                 {INT_MIN, SHMC_E_PROJ_RANGE}};

    run_int_cases("proj", shmc_validate_proj, c, COUNT(c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_key, reset_setup),
        cmocka_unit_test_setup(test_size_explicit_limits, reset_setup),
        cmocka_unit_test_setup(test_size_null_limits_use_cached, reset_setup),
        cmocka_unit_test_setup(test_get_flags_accepted, reset_setup),
        cmocka_unit_test_setup(test_get_flags_unknown_bits, reset_setup),
        cmocka_unit_test_setup(test_get_flags_excl_without_creat, reset_setup),
        cmocka_unit_test_setup(test_get_flags_known_huge_sizes, reset_setup),
        cmocka_unit_test_setup(test_get_flags_unknown_huge_sizes, reset_setup),
        cmocka_unit_test_setup(test_get_creating_needs_size, reset_setup),
        cmocka_unit_test_setup(test_get_joining_size, reset_setup),
        cmocka_unit_test_setup(test_get_check_order, reset_setup),
        cmocka_unit_test_setup(test_get_null_limits_use_cached, reset_setup),
        cmocka_unit_test_setup(test_proj, reset_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
