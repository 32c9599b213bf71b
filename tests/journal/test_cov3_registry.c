/*
 * test_cov3_registry.c - the image registry (src/journal/registry.c) where
 * test_registry.c does not go: an argument list that fills a record before
 * its end, and each way a header can be wrong (size too small, too big,
 * not a multiple of 8, past the end of the data; kind 0 or unknown), each
 * skipped to the well-formed record after it.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "journal/registry.h"

/* Forty arguments of 99 characters: the record is full after about ten;
 * the rest are not looked at, the last one kept is cut. */
static void test_long_list(void **state)
{
    uint64_t rec[SHMC_REG_MAX / 8 + 1];
    char arg[100];
    char *argv[41];
    size_t n;

    (void)state;
    memset(arg, 'a', sizeof arg - 1);
    arg[sizeof arg - 1] = '\0';
    for (int i = 0; i < 40; i++)
        argv[i] = arg;
    argv[40] = NULL;
    memset(rec, 0x5a, sizeof rec);
    n = shmc_reg_build(rec, SHMC_REG_START, 3, 2, 1, SHMC_REG_EXECED, argv,
                       NULL);
    assert_int_equal(n, SHMC_REG_MAX);
    /* Nothing written past the record. */
    assert_int_equal(((const unsigned char *)rec)[SHMC_REG_MAX], 0x5a);
    /* Whole arguments of 100 bytes (with their NUL) up to the cut one. */
    assert_int_equal(((const char *)rec)[SHMC_REG_HEADER + 99], '\0');
    assert_int_equal(((const char *)rec)[SHMC_REG_MAX - 1], 'a');
}

/* A damaged header, then a good record: the good one is read, the damaged
 * header's 32 bytes counted as skipped. */
static void skips(uint16_t size, uint16_t kind)
{
    uint64_t buf[(SHMC_REG_HEADER + SHMC_REG_MAX) / 8];
    struct shmc_reg_rec bad;
    struct shmc_reg_reader rd;
    const struct shmc_reg_rec *r;
    const char *pl;
    size_t len, n;

    memset(buf, 0, sizeof buf);
    memset(&bad, 0, sizeof bad);
    bad.magic = SHMC_REG_MAGIC;
    bad.size = size;
    bad.kind = kind;
    bad.pid = 99;
    memcpy(buf, &bad, sizeof bad);
    n = shmc_reg_build((unsigned char *)buf + SHMC_REG_HEADER, SHMC_REG_EXIT, 7,
                       1, 10, 3, NULL, NULL);
    shmc_reg_reader_init(&rd, buf, SHMC_REG_HEADER + n);
    assert_non_null(r = shmc_reg_next(&rd, &pl, &len));
    assert_int_equal(r->pid, 7);
    assert_int_equal(r->kind, SHMC_REG_EXIT);
    assert_int_equal(r->arg, 3);
    assert_int_equal(rd.skipped, SHMC_REG_HEADER);
    assert_null(shmc_reg_next(&rd, &pl, &len));
}

static void test_bad_headers(void **state)
{
    (void)state;
    skips(24, SHMC_REG_EXIT);                  /* smaller than a header */
    skips(SHMC_REG_MAX + 8, SHMC_REG_EXIT);    /* bigger than a record */
    skips(36, SHMC_REG_EXIT);                  /* not a multiple of 8 */
    skips(SHMC_REG_MAX, SHMC_REG_EXIT);        /* past the end of the data */
    skips(SHMC_REG_HEADER, 0);                 /* no kind */
    skips(SHMC_REG_HEADER, SHMC_REG_KIND_MAX); /* a kind of a later version */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_list),
        cmocka_unit_test(test_bad_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
