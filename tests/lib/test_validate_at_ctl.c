/*
 * test_validate_at_ctl.c - the shmat, shmdt and shmctl side of the
 * validator: shmc_validate_id, _at, _dt and _ctl accept their whole domain
 * up to each edge and refuse just past it with the documented code, without
 * a system call and without touching errno. Limits are explicit so that no
 * case depends on the machine, except those that check lim == NULL.
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

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define ADDR(a) ((const void *)(uintptr_t)(a))

struct at_case {
    int id;
    uintptr_t addr;
    int flags;
    const struct shmc_limits *lim;
    enum shmc_err want;
    const char *label;
};

struct ctl_case {
    int id;
    int cmd;
    const void *buf;
    enum shmc_err want;
    const char *label;
};

// clang-format off
#define AT(i, a, f, l, want) {i, a, f, l, want, #i ", " #a ", " #f ", " #l}
#define CTL(i, c, b, want) {i, c, b, want, #i ", " #c ", " #b}

/* SHMLBA and pages of 4 KiB; both of 16 KiB as on some arm64 kernels; and
 * SHMLBA of 4 pages as on 32-bit ARM and MIPS with aliasing caches. The
 * validator must use the ones passed in, not the machine's. */
#define PAGE 4096u
#define PAGE16 16384u
#define LIMITS(lba, page) {.shmmin = 1, .shmmax = 1 << 20, .shmall = 256, \
                           .shmmni = 16, .shmlba = (lba), .page_size = (page)}
static const struct shmc_limits lim4k = LIMITS(PAGE, PAGE),
                                lim16k = LIMITS(PAGE16, PAGE16),
                                lim4lba = LIMITS(4 * PAGE, PAGE);
// clang-format on

static const struct shmid_ds ds_0600 = {.shm_perm.mode = 0600};
static const struct shmid_ds ds_0777 = {.shm_perm.mode = 0777};
static const struct shmid_ds ds_0 = {.shm_perm.mode = 0};
static const struct shmid_ds ds_01777 = {.shm_perm.mode = 01777};
static const struct shmid_ds ds_01000 = {.shm_perm.mode = 01000};
static const struct shmid_ds ds_reg = {.shm_perm.mode = 0100600};
/* The kernel refuses an owner of -1 (ipc_update_perm via uid_valid). */
static const struct shmid_ds ds_uid_m1 = {
    .shm_perm = {.mode = 0600, .uid = (uid_t)-1}};
static const struct shmid_ds ds_gid_m1 = {
    .shm_perm = {.mode = 0600, .gid = (gid_t)-1}};

static void run_at(const struct at_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        errno = ERRNO_SENTINEL;
        enum shmc_err got =
            shmc_validate_at(c[i].id, ADDR(c[i].addr), c[i].flags, c[i].lim);
        expect_code(c[i].label, got, errno, c[i].want);
    }
}

static void run_ctl(const struct ctl_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        errno = ERRNO_SENTINEL;
        enum shmc_err got = shmc_validate_ctl(c[i].id, c[i].cmd, c[i].buf);
        expect_code(c[i].label, got, errno, c[i].want);
    }
}

static void test_id(void **state)
{
    (void)state;
    const struct int_case c[] = {{-1, SHMC_E_ID_NEGATIVE},
                                 {INT_MIN, SHMC_E_ID_NEGATIVE},
                                 {0, SHMC_OK},
                                 {1, SHMC_OK},
                                 {INT_MAX, SHMC_OK}};

    run_int_cases("id", shmc_validate_id, c, COUNT(c));
}

static void test_at_id_and_flags(void **state)
{
    (void)state;
    const struct at_case c[] = {
        AT(0, 0, 0, &lim4k, SHMC_OK),
        AT(INT_MAX, 0, 0, &lim4k, SHMC_OK),
        AT(-1, 0, 0, &lim4k, SHMC_E_ID_NEGATIVE),
        AT(INT_MIN, PAGE, 0, &lim4k, SHMC_E_ID_NEGATIVE),
        /* The id is reported before the flags. */
        AT(-1, 0, 1, &lim4k, SHMC_E_ID_NEGATIVE),
        AT(0, 0, SHM_RDONLY, &lim4k, SHMC_OK),
        AT(0, 0, SHM_RND, &lim4k, SHMC_OK),
        AT(0, 0, SHM_EXEC, &lim4k, SHMC_OK),
        AT(0, PAGE, SHM_RDONLY | SHM_RND | SHM_EXEC | SHM_REMAP, &lim4k,
           SHMC_OK),
        AT(0, 0, 1, &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
        AT(0, 0, SHM_HUGETLB, &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
        AT(0, PAGE, 0200000, &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
        AT(0, PAGE, SHM_RDONLY | (1 << 20), &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
        AT(0, PAGE, INT_MIN, &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
        /* Unknown flags are reported before address mistakes. */
        AT(0, 1, 1 << 20, &lim4k, SHMC_E_AT_FLAGS_UNKNOWN),
    };

    run_at(c, COUNT(c));
}

static void test_at_remap_needs_address(void **state)
{
    (void)state;
    const struct at_case c[] = {
        AT(0, 0, SHM_REMAP, &lim4k, SHMC_E_AT_REMAP_NULL),
        AT(0, 0, SHM_REMAP | SHM_RND, &lim4k, SHMC_E_AT_REMAP_NULL),
        AT(0, PAGE, SHM_REMAP, &lim4k, SHMC_OK),
        AT(0, 2 * PAGE + 5, SHM_REMAP | SHM_RND, &lim4k, SHMC_OK),
    };

    run_at(c, COUNT(c));
}

static void test_at_alignment(void **state)
{
    (void)state;
    const struct at_case c[] = {
        AT(0, PAGE, 0, &lim4k, SHMC_OK),
        AT(0, PAGE + 1, 0, &lim4k, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, 2 * PAGE - 1, 0, &lim4k, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, PAGE / 2, 0, &lim4k, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, PAGE + 1, SHM_RND, &lim4k, SHMC_OK),
        AT(0, 2 * PAGE - 1, SHM_RND, &lim4k, SHMC_OK),
        /* SHM_RND rounding into page 0. */
        AT(0, 1, SHM_RND, &lim4k, SHMC_E_AT_ADDR_LOW),
        AT(0, PAGE / 2, SHM_RND, &lim4k, SHMC_E_AT_ADDR_LOW),
        AT(0, PAGE - 1, SHM_RND, &lim4k, SHMC_E_AT_ADDR_LOW),
        AT(0, PAGE - 1, SHM_RND | SHM_REMAP, &lim4k, SHMC_E_AT_ADDR_LOW),
    };

    run_at(c, COUNT(c));
}

/* The SHMLBA of the limits passed in decides, not the machine's nor the
 * page size. */
static void test_at_uses_given_shmlba(void **state)
{
    (void)state;
    const struct at_case c[] = {
        AT(0, PAGE, 0, &lim16k, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, PAGE, SHM_RND, &lim16k, SHMC_E_AT_ADDR_LOW),
        AT(0, PAGE16 - 1, SHM_RND, &lim16k, SHMC_E_AT_ADDR_LOW),
        AT(0, PAGE16, 0, &lim16k, SHMC_OK),
        AT(0, PAGE16 + PAGE, 0, &lim16k, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, PAGE16 + PAGE, SHM_RND, &lim16k, SHMC_OK),
        AT(0, PAGE, 0, &lim4lba, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, 3 * PAGE, SHM_RND, &lim4lba, SHMC_E_AT_ADDR_LOW),
        AT(0, 5 * PAGE, 0, &lim4lba, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, 5 * PAGE, SHM_RND, &lim4lba, SHMC_OK),
        AT(0, 8 * PAGE, 0, &lim4lba, SHMC_OK),
    };

    run_at(c, COUNT(c));
}

#if defined(__x86_64__)
/* TASK_SIZE_MAX: the last page below 2^47 is never mappable. */
#define USER_END (((uintptr_t)1 << 47) - PAGE)
static void test_at_address_range(void **state)
{
    (void)state;
    const struct at_case c[] = {
        AT(0, USER_END, 0, &lim4k, SHMC_E_AT_ADDR_RANGE),
        AT(0, USER_END + PAGE, 0, &lim4k, SHMC_E_AT_ADDR_RANGE),
        AT(0, (uintptr_t)1 << 47, 0, &lim4k, SHMC_E_AT_ADDR_RANGE),
        AT(0, UINTPTR_MAX & ~(uintptr_t)(PAGE - 1), 0, &lim4k,
           SHMC_E_AT_ADDR_RANGE),
        AT(0, USER_END + 1, SHM_RND, &lim4k, SHMC_E_AT_ADDR_RANGE),
        AT(0, UINTPTR_MAX, SHM_RND, &lim4k, SHMC_E_AT_ADDR_RANGE),
        AT(0, USER_END - 2 * PAGE, 0, &lim4k, SHMC_OK),
        AT(0, USER_END - PAGE - 1, SHM_RND, &lim4k, SHMC_OK),
    };

    run_at(c, COUNT(c));
}
#endif

static void test_at_null_limits_use_cached(void **state)
{
    (void)state;
    const uintptr_t lba = shmc_limits()->shmlba;
    const struct at_case c[] = {
        AT(0, 0, 0, NULL, SHMC_OK),
        AT(0, lba, 0, NULL, SHMC_OK),
        AT(0, 3 * lba, SHM_RDONLY, NULL, SHMC_OK),
        AT(0, lba + 1, 0, NULL, SHMC_E_AT_ADDR_UNALIGNED),
        AT(0, lba + 1, SHM_RND, NULL, SHMC_OK),
        AT(0, lba - 1, SHM_RND, NULL, SHMC_E_AT_ADDR_LOW),
        AT(-1, lba, 0, NULL, SHMC_E_ID_NEGATIVE),
    };

    run_at(c, COUNT(c));
}

static void test_dt(void **state)
{
    (void)state;
    const uintptr_t page = shmc_limits()->page_size;
    const struct {
        uintptr_t addr;
        const struct shmc_limits *lim;
        enum shmc_err want;
        const char *label;
    } c[] = {
        {0, &lim4k, SHMC_E_DT_ADDR, "NULL"},
        {1, &lim4k, SHMC_E_DT_ADDR, "1"},
        {PAGE + 1, &lim4k, SHMC_E_DT_ADDR, "PAGE + 1"},
        {PAGE / 2, &lim4k, SHMC_E_DT_ADDR, "PAGE / 2"},
        {PAGE, &lim4k, SHMC_OK, "PAGE"},
        {7 * PAGE, &lim4k, SHMC_OK, "7 * PAGE"},
        {PAGE, &lim16k, SHMC_E_DT_ADDR, "16k: PAGE"},
        {PAGE16, &lim16k, SHMC_OK, "16k: PAGE16"},
        /* An attachment starts on a page, whatever SHMLBA is. */
        {PAGE, &lim4lba, SHMC_OK, "4 page SHMLBA: PAGE"},
        {3 * PAGE, &lim4lba, SHMC_OK, "4 page SHMLBA: 3 * PAGE"},
        {PAGE + 8, &lim4lba, SHMC_E_DT_ADDR, "4 page SHMLBA: PAGE + 8"},
        {0, NULL, SHMC_E_DT_ADDR, "NULL, NULL"},
        {page, NULL, SHMC_OK, "page, NULL"},
        {page + 8, NULL, SHMC_E_DT_ADDR, "page + 8, NULL"},
    };

    for (size_t i = 0; i < COUNT(c); i++) {
        errno = ERRNO_SENTINEL;

        enum shmc_err got = shmc_validate_dt(ADDR(c[i].addr), c[i].lim);

        expect_code(c[i].label, got, errno, c[i].want);
    }
}

/* IPC_STAT, SHM_STAT and SHM_STAT_ANY: an id (or index) >= 0, checked
 * first, and a buffer to fill. */
static void test_ctl_stat_commands(void **state)
{
    (void)state;
    const struct ctl_case c[] = {
        CTL(0, IPC_STAT, &ds_0600, SHMC_OK),
        CTL(INT_MAX, IPC_STAT, &ds_0600, SHMC_OK),
        CTL(0, IPC_STAT, NULL, SHMC_E_CTL_BUF_NULL),
        CTL(-1, IPC_STAT, &ds_0600, SHMC_E_ID_NEGATIVE),
        CTL(-1, IPC_STAT, NULL, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_STAT, &ds_0600, SHMC_OK),
        CTL(0, SHM_STAT, NULL, SHMC_E_CTL_BUF_NULL),
        CTL(-1, SHM_STAT, &ds_0600, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_STAT_ANY, &ds_0600, SHMC_OK),
        CTL(0, SHM_STAT_ANY, NULL, SHMC_E_CTL_BUF_NULL),
        CTL(INT_MIN, SHM_STAT_ANY, &ds_0600, SHMC_E_ID_NEGATIVE),
    };

    run_ctl(c, COUNT(c));
}

/* IPC_INFO and SHM_INFO ask about the namespace: the id is ignored. */
static void test_ctl_info_commands(void **state)
{
    (void)state;
    const struct ctl_case c[] = {
        /* The id is ignored, but ksys_shmctl() refuses a negative one
         * first (found by fuzz_validator). */
        CTL(0, IPC_INFO, &ds_0600, SHMC_OK),
        CTL(INT_MAX, IPC_INFO, &ds_0600, SHMC_OK),
        CTL(-1, IPC_INFO, &ds_0600, SHMC_E_ID_NEGATIVE),
        CTL(0, IPC_INFO, NULL, SHMC_E_CTL_BUF_NULL),
        CTL(-1, IPC_INFO, NULL, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_INFO, &ds_0600, SHMC_OK),
        CTL(INT_MIN, SHM_INFO, &ds_0600, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_INFO, NULL, SHMC_E_CTL_BUF_NULL),
    };

    run_ctl(c, COUNT(c));
}

/* IPC_RMID, SHM_LOCK and SHM_UNLOCK read no buffer: any, or none. */
static void test_ctl_bufferless_commands(void **state)
{
    (void)state;
    const struct ctl_case c[] = {
        CTL(0, IPC_RMID, NULL, SHMC_OK),
        CTL(0, IPC_RMID, &ds_01777, SHMC_OK),
        CTL(-1, IPC_RMID, NULL, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_LOCK, NULL, SHMC_OK),
        CTL(0, SHM_LOCK, &ds_0600, SHMC_OK),
        CTL(-1, SHM_LOCK, NULL, SHMC_E_ID_NEGATIVE),
        CTL(0, SHM_UNLOCK, NULL, SHMC_OK),
        CTL(0, SHM_UNLOCK, &ds_0600, SHMC_OK),
        CTL(INT_MIN, SHM_UNLOCK, NULL, SHMC_E_ID_NEGATIVE),
    };

    run_ctl(c, COUNT(c));
}

static void test_ctl_ipc_set(void **state)
{
    (void)state;
    const struct ctl_case c[] = {
        CTL(0, IPC_SET, &ds_0600, SHMC_OK),
        CTL(0, IPC_SET, &ds_0777, SHMC_OK),
        CTL(0, IPC_SET, &ds_0, SHMC_OK),
        CTL(0, IPC_SET, &ds_01777, SHMC_E_CTL_SET_MODE),
        CTL(0, IPC_SET, &ds_01000, SHMC_E_CTL_SET_MODE),
        CTL(0, IPC_SET, &ds_reg, SHMC_E_CTL_SET_MODE),
        CTL(0, IPC_SET, NULL, SHMC_E_CTL_BUF_NULL),
        CTL(0, IPC_SET, &ds_uid_m1, SHMC_E_CTL_SET_OWNER),
        CTL(0, IPC_SET, &ds_gid_m1, SHMC_E_CTL_SET_OWNER),
        CTL(-1, IPC_SET, &ds_0600, SHMC_E_ID_NEGATIVE),
        CTL(-1, IPC_SET, &ds_01777, SHMC_E_ID_NEGATIVE),
        CTL(-1, IPC_SET, NULL, SHMC_E_ID_NEGATIVE),
    };

    run_ctl(c, COUNT(c));
}

static void test_ctl_unknown_command(void **state)
{
    (void)state;
    const struct ctl_case c[] = {
        CTL(0, 99, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(-1, 99, NULL, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(0, -1, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(0, 4, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(0, 10, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(0, 16, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
        CTL(0, INT_MAX, &ds_0600, SHMC_E_CTL_CMD_UNKNOWN),
    };

    run_ctl(c, COUNT(c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_id, reset_setup),
        cmocka_unit_test_setup(test_at_id_and_flags, reset_setup),
        cmocka_unit_test_setup(test_at_remap_needs_address, reset_setup),
        cmocka_unit_test_setup(test_at_alignment, reset_setup),
        cmocka_unit_test_setup(test_at_uses_given_shmlba, reset_setup),
#if defined(__x86_64__)
        cmocka_unit_test_setup(test_at_address_range, reset_setup),
#endif
        cmocka_unit_test_setup(test_at_null_limits_use_cached, reset_setup),
        cmocka_unit_test_setup(test_dt, reset_setup),
        cmocka_unit_test_setup(test_ctl_stat_commands, reset_setup),
        cmocka_unit_test_setup(test_ctl_info_commands, reset_setup),
        cmocka_unit_test_setup(test_ctl_bufferless_commands, reset_setup),
        cmocka_unit_test_setup(test_ctl_ipc_set, reset_setup),
        cmocka_unit_test_setup(test_ctl_unknown_command, reset_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
