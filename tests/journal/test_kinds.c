/*
 * test_kinds.c - the table of finding kinds (src/journal/kinds.c): names
 * and indexes, the masks it derives, and the lists of kinds that
 * SHMCHECK_ERRORS and --errors take ("all", "none", unions, and every
 * malformed list refused without touching the mask).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "journal/kinds.h"

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(SHMC_KIND_COUNT, 6);
    assert_string_equal(shmc_kind_name(SHMC_KI_LEAKED_SEGMENT),
                        "leaked_segment");
    assert_string_equal(shmc_kind_name(SHMC_KI_INHERITED_UNMATCHED),
                        "inherited_unmatched");
    assert_null(shmc_kind_name(SHMC_KIND_COUNT));
    for (unsigned i = 0; i < SHMC_KIND_COUNT; i++) {
        const char *n = shmc_kind_name(i);
        assert_int_equal(shmc_kind_lookup(n, strlen(n)), (int)i);
        assert_int_equal(shmc_kind_words[i].value & (1u << 31), 0);
    }
    assert_int_equal(shmc_kind_lookup("lint,", 4), SHMC_KI_LINT);
    assert_int_equal(shmc_kind_lookup("all", 3), -1);
    assert_int_equal(shmc_kind_lookup("lin", 3), -1);
    assert_string_equal(shmc_kind_words[SHMC_KIND_COUNT].name, "all");
    assert_string_equal(shmc_kind_words[SHMC_KIND_COUNT + 1].name, "none");
}

static void test_masks(void **state)
{
    (void)state;
    assert_int_equal(SHMC_KINDS_ALL, 0x3fu);
    assert_int_equal(SHMC_KINDS_DEFAULT_ERRORS,
                     SHMC_KIND_LEAKED_SEGMENT | SHMC_KIND_INVALID_DETACH);
    assert_string_equal(SHMC_KINDS_DEFAULT_ERRORS_TEXT,
                        "leaked_segment,invalid_detach");
    assert_string_equal(SHMC_KINDS_NAMES_TEXT,
                        ", leaked_segment, unmatched_attach, "
                        "inherited_unmatched, invalid_detach, failed_call, "
                        "lint");
}

static void test_parse(void **state)
{
    static const struct {
        const char *v;
        unsigned mask;
    } good[] = {
        {"none", 0},
        {"all", SHMC_KINDS_ALL},
        {"none,lint", SHMC_KIND_LINT},
        {"lint,all,none", SHMC_KINDS_ALL},
        {"inherited_unmatched", SHMC_KIND_INHERITED_UNMATCHED},
        {"unmatched_attach,unmatched_attach", SHMC_KIND_UNMATCHED_ATTACH},
    };
    static const struct {
        const char *v, *what, *word;
    } bad[] = {
        {"", "empty", NULL},
        {"lint,", "empty kind name", NULL},
        {",lint", "empty kind name", NULL},
        {"lint,,lint", "empty kind name", NULL},
        {"lint,leak,bogus", "unknown kind", "leak"},
        {"LINT", "unknown kind", "LINT"},
        {"lint ", "unknown kind", "lint "},
    };

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        unsigned m = 0xdead;
        struct shmc_kinds_problem p = shmc_kinds_parse(good[i].v, &m);
        assert_null(p.what);
        assert_int_equal(m, good[i].mask);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned m = 0xdead;
        struct shmc_kinds_problem p = shmc_kinds_parse(bad[i].v, &m);
        assert_string_equal(p.what, bad[i].what);
        assert_int_equal(m, 0xdead);
        if (bad[i].word == NULL) {
            assert_null(p.word);
        } else {
            assert_int_equal(p.word_len, strlen(bad[i].word));
            assert_memory_equal(p.word, bad[i].word, p.word_len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
