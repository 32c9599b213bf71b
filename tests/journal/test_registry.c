/*
 * test_registry.c - the image registry's records (src/journal/registry.c):
 * built and read back, payloads cut to fit, and damage skipped (bytes
 * that are no record, at any offset) without a read out of bounds.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "journal/registry.h"

static void test_round_trip(void **state)
{
    uint64_t rec[SHMC_REG_MAX / 8];
    char *argv[] = {"sh", "-c", "true", NULL};
    struct shmc_reg_reader rd;
    const struct shmc_reg_rec *r;
    const char *pl;
    size_t len, n;

    (void)state;
    n = shmc_reg_build(rec, SHMC_REG_START, 10, 9, 1234, SHMC_REG_FORKED, argv,
                       NULL);
    assert_int_equal(n, 48); /* 32 + "sh\0-c\0true\0" (11) rounded to 8 */
    shmc_reg_reader_init(&rd, rec, n);
    assert_non_null(r = shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(r->kind, SHMC_REG_START);
    assert_int_equal(r->pid, 10);
    assert_int_equal(r->ppid, 9);
    assert_int_equal(r->time_ns, 1234);
    assert_int_equal(r->arg, SHMC_REG_FORKED);
    assert_int_equal(len, 16);
    assert_memory_equal(pl, "sh\0-c\0true\0\0\0\0\0", 16);
    assert_null(shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(rd.skipped, 0);
}

/* A payload longer than a record can hold is cut, the record stays
 * SHMC_REG_MAX bytes at most. */
static void test_cut(void **state)
{
    uint64_t rec[SHMC_REG_MAX / 8];
    char big[3000];
    size_t n;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    n = shmc_reg_build(rec, SHMC_REG_EXEC, 1, 0, 5, 0, NULL, big);
    assert_int_equal(n, SHMC_REG_MAX);
    assert_int_equal(((const char *)rec)[SHMC_REG_MAX - 1], 'x');
}

/* Garbage before, between (at an odd offset) and after records: every
 * record is found, the garbage counted. */
static void test_damage(void **state)
{
    uint64_t a[SHMC_REG_MAX / 8], b[SHMC_REG_MAX / 8];
    unsigned char buf[512];
    size_t na, nb, at = 0, len;
    struct shmc_reg_reader rd;
    const struct shmc_reg_rec *r;
    const char *pl;

    (void)state;
    na = shmc_reg_build(a, SHMC_REG_EXIT, 7, 1, 10, 3, NULL, NULL);
    nb = shmc_reg_build(b, SHMC_REG_SPAWN, 7, 1, 11, 8, NULL, "/bin/x");
    memcpy(buf + at, "junk", 4), at += 4;
    memcpy(buf + at, a, na), at += na;
    memcpy(buf + at, "\x53\x4d\x43\x52zz", 6), at += 6; /* a false magic */
    memcpy(buf + at, b, nb), at += nb;
    memcpy(buf + at, a, 20), at += 20; /* a record cut short */
    shmc_reg_reader_init(&rd, buf, at);
    assert_non_null(r = shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(r->kind, SHMC_REG_EXIT);
    assert_int_equal(r->arg, 3);
    assert_non_null(r = shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(r->kind, SHMC_REG_SPAWN);
    assert_string_equal(pl, "/bin/x");
    assert_null(shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(rd.skipped, 4 + 6 + 20);
}

/* Random bytes: never a record out of bounds. */
static void test_random(void **state)
{
    unsigned char buf[4096];
    struct shmc_reg_reader rd;
    const struct shmc_reg_rec *r;
    const char *pl;
    size_t len;

    (void)state;
    srand(13);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)rand() % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(rand() % 4 ? rand() : 0x53);
        shmc_reg_reader_init(&rd, buf, n);
        while ((r = shmc_reg_next(&rd, &pl, &len)) != NULL)
            assert_true(pl + len <= (const char *)buf + n);
        assert_true(rd.pos <= n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
