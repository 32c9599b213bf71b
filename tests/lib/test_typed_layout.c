/*
 * test_typed_layout.c - layout descriptors: what SHMC_TYPED and
 * SHMC_TYPED_FIELDS (1, several and 16 fields) produce, shmc_layout_tag
 * (equal layouts, equal tags; any difference, a different tag; swapped
 * fields seen only with fields listed) and each case shmc_layout_check
 * refuses. No system calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

struct one {
    uint64_t a;
};
struct same_shape {
    uint64_t a;
};
struct several {
    uint32_t id;
    uint16_t flags;
    uint8_t kind;
    double value;
};
struct sixteen {
    uint8_t f0;
    uint16_t f1;
    uint32_t f2;
    uint64_t f3;
    char f4[3], f5, f6[5], f7;
    int f8, f9, f10, f11;
    short f12;
    long f13;
    void *f14;
    double f15;
};

static void assert_field(const struct shmc_field *f, const char *name,
                         size_t offset, size_t size)
{
    assert_string_equal(f->name, name);
    assert_int_equal(f->offset, offset);
    assert_int_equal(f->size, size);
}

static void test_typed_names_size_and_alignment(void **state)
{
    (void)state;

    const struct shmc_layout *l = SHMC_TYPED(struct several);

    assert_string_equal(l->name, "struct several");
    assert_int_equal(l->size, sizeof(struct several));
    assert_int_equal(l->align, _Alignof(struct several));
    assert_null(l->fields);
    assert_int_equal(l->nfields, 0);
    assert_err(shmc_layout_check(l), SHMC_OK);
}

static void test_typed_fields_one(void **state)
{
    (void)state;

    const struct shmc_layout *l = SHMC_TYPED_FIELDS(struct one, a);

    assert_string_equal(l->name, "struct one");
    assert_int_equal(l->nfields, 1);
    assert_field(&l->fields[0], "a", 0, 8);
    assert_err(shmc_layout_check(l), SHMC_OK);
}

static void test_typed_fields_several(void **state)
{
    (void)state;

    const struct shmc_layout *l =
        SHMC_TYPED_FIELDS(struct several, id, flags, kind, value);

    assert_int_equal(l->size, sizeof(struct several));
    assert_int_equal(l->nfields, 4);
    assert_field(&l->fields[0], "id", offsetof(struct several, id), 4);
    assert_field(&l->fields[1], "flags", offsetof(struct several, flags), 2);
    assert_field(&l->fields[2], "kind", offsetof(struct several, kind), 1);
    assert_field(&l->fields[3], "value", offsetof(struct several, value),
                 sizeof(double));
    assert_err(shmc_layout_check(l), SHMC_OK);
}

static void test_typed_fields_sixteen(void **state)
{
    static const size_t offsets[16] = {
        offsetof(struct sixteen, f0),  offsetof(struct sixteen, f1),
        offsetof(struct sixteen, f2),  offsetof(struct sixteen, f3),
        offsetof(struct sixteen, f4),  offsetof(struct sixteen, f5),
        offsetof(struct sixteen, f6),  offsetof(struct sixteen, f7),
        offsetof(struct sixteen, f8),  offsetof(struct sixteen, f9),
        offsetof(struct sixteen, f10), offsetof(struct sixteen, f11),
        offsetof(struct sixteen, f12), offsetof(struct sixteen, f13),
        offsetof(struct sixteen, f14), offsetof(struct sixteen, f15)};
    static const size_t sizes[16] = {1,
                                     2,
                                     4,
                                     8,
                                     3,
                                     1,
                                     5,
                                     1,
                                     sizeof(int),
                                     sizeof(int),
                                     sizeof(int),
                                     sizeof(int),
                                     sizeof(short),
                                     sizeof(long),
                                     sizeof(void *),
                                     sizeof(double)};
    (void)state;

    const struct shmc_layout *l =
        SHMC_TYPED_FIELDS(struct sixteen, f0, f1, f2, f3, f4, f5, f6, f7, f8,
                          f9, f10, f11, f12, f13, f14, f15);

    assert_int_equal(l->nfields, 16);
    for (size_t i = 0; i < 16; i++) {
        char name[4];
        snprintf(name, sizeof name, "f%zu", i);
        assert_field(&l->fields[i], name, offsets[i], sizes[i]);
    }
    assert_err(shmc_layout_check(l), SHMC_OK);
}

/* Frozen: this tag is in every existing segment's header. Computed from
 * the documented FNV-1a walk (name and field names with their NUL, then
 * size, align, nfields, offsets and sizes as 64-bit little-endian). */
static void test_tag_is_stable(void **state)
{
    struct counters {
        uint64_t hits;
        uint64_t misses;
    };
    (void)state;

    uint64_t with_fields =
        shmc_layout_tag(SHMC_TYPED_FIELDS(struct counters, hits, misses));
    uint64_t plain = shmc_layout_tag(SHMC_TYPED(struct counters));

    assert_int_equal(with_fields, 0xb15223c0d07420cbULL);
    assert_int_equal(plain, 0xd2049cb5ba44b1b7ULL);
}

/* A layout shmc_layout_check refuses has no tag: 0, never a hash of
 * whatever it points to. */
static void test_tag_of_invalid_layout_is_zero(void **state)
{
    const struct shmc_layout no_name = {"", 8, 8, NULL, 0};
    (void)state;

    assert_int_equal(shmc_layout_tag(NULL), 0);
    assert_int_equal(shmc_layout_tag(&no_name), 0);
}

static void test_tag_equal_layouts_equal_tags(void **state)
{
    static const struct shmc_field fields[] = {{"a", 0, 8}};
    const struct shmc_layout by_hand = {"struct one", 8, 8, fields, 1};
    char name[] = "struct one"; /* equal text at another address */
    const struct shmc_layout copy = {name, 8, 8, fields, 1};
    (void)state;

    uint64_t macro = shmc_layout_tag(SHMC_TYPED_FIELDS(struct one, a));
    uint64_t again = shmc_layout_tag(SHMC_TYPED_FIELDS(struct one, a));

    assert_int_equal(macro, again);
    assert_int_equal(macro, shmc_layout_tag(&by_hand));
    assert_int_equal(macro, shmc_layout_tag(&copy));
    assert_int_equal(shmc_layout_tag(SHMC_TYPED(struct several)),
                     shmc_layout_tag(SHMC_TYPED(struct several)));
}

/* Each layout differs from the first in exactly one thing. */
static void test_tag_any_difference_changes_it(void **state)
{
    static const struct shmc_field f[] = {{"a", 0, 4}};
    static const struct shmc_field name[] = {{"b", 0, 4}};
    static const struct shmc_field off[] = {{"a", 4, 4}};
    static const struct shmc_field size[] = {{"a", 0, 8}};
    const struct shmc_layout l[] = {
        {"t", 8, 4, f, 1},   {"u", 8, 4, f, 1},    {"t", 12, 4, f, 1},
        {"t", 8, 8, f, 1},   {"t", 8, 4, NULL, 0}, {"t", 8, 4, name, 1},
        {"t", 8, 4, off, 1}, {"t", 8, 4, size, 1},
    };
    (void)state;

    for (size_t i = 1; i < COUNT(l); i++)
        if (shmc_layout_tag(&l[0]) == shmc_layout_tag(&l[i]))
            fail_msg("layout %zu has the same tag as layout 0", i);
    assert_int_not_equal(shmc_layout_tag(SHMC_TYPED(struct one)),
                         shmc_layout_tag(SHMC_TYPED(struct same_shape)));
}

/* Two builds of the same program, one with the fields swapped: same type
 * name, size and alignment. */
static uint64_t counters_v1(int fields)
{
    struct counters {
        uint32_t hits;
        uint32_t misses;
    };
    return shmc_layout_tag(
        fields ? SHMC_TYPED_FIELDS(struct counters, hits, misses)
               : SHMC_TYPED(struct counters));
}

static uint64_t counters_v2(int fields)
{
    struct counters {
        uint32_t misses;
        uint32_t hits;
    };
    return shmc_layout_tag(
        fields ? SHMC_TYPED_FIELDS(struct counters, hits, misses)
               : SHMC_TYPED(struct counters));
}

static void test_tag_swapped_fields(void **state)
{
    (void)state;

    uint64_t v1 = counters_v1(1), v2 = counters_v2(1);
    uint64_t v1_plain = counters_v1(0), v2_plain = counters_v2(0);

    assert_int_not_equal(v1, v2);
    assert_int_equal(v1_plain, v2_plain); /* SHMC_TYPED cannot tell */
}

static void test_check_accepts_edge_cases(void **state)
{
    static const struct shmc_field to_end[] = {{"a", 4, 4}, {"b", 0, 8}};
    const struct shmc_layout ok[] = {
        {"t", 8, 4, to_end, 2},     /* fields ending exactly at size */
        {"t", 8192, 4096, NULL, 0}, /* the largest alignment         */
        {"t", 1, 1, NULL, 0},
        {"t", 8, 8, to_end, 0}, /* fields ignored when nfields 0  */
    };
    (void)state;

    for (size_t i = 0; i < COUNT(ok); i++)
        if (shmc_layout_check(&ok[i]) != SHMC_OK)
            fail_msg("valid layout %zu refused", i);
}

static void test_check_refuses_each_invalid_case(void **state)
{
    static const struct shmc_field ok = {"a", 0, 4}, no_name = {NULL, 0, 4},
                                   empty_name = {"", 0, 4}, empty = {"a", 0, 0},
                                   past = {"a", 9, 1}, over = {"a", 6, 4},
                                   far = {"a", SIZE_MAX, 2},
                                   wraps = {"a", 4, SIZE_MAX};
    static const struct shmc_field second_bad[] = {{"a", 0, 4}, {"b", 8, 4}};
    const struct {
        const char *why;
        struct shmc_layout l;
    } bad[] = {
        {"name NULL", {NULL, 8, 8, NULL, 0}},
        {"name empty", {"", 8, 8, NULL, 0}},
        {"size 0", {"t", 0, 8, NULL, 0}},
        {"align 0", {"t", 8, 0, NULL, 0}},
        {"align 3", {"t", 9, 3, NULL, 0}},
        {"align 12", {"t", 24, 12, NULL, 0}},
        {"align 8192", {"t", 8192, 8192, NULL, 0}},
        {"size not a multiple of align", {"t", 6, 4, NULL, 0}},
        {"fields NULL", {"t", 8, 8, NULL, 1}},
        {"field name NULL", {"t", 8, 8, &no_name, 1}},
        {"field name empty", {"t", 8, 8, &empty_name, 1}},
        {"field size 0", {"t", 8, 8, &empty, 1}},
        {"field starts past the end", {"t", 8, 8, &past, 1}},
        {"field ends past the end", {"t", 8, 8, &over, 1}},
        {"field size wraps", {"t", 8, 8, &wraps, 1}},
        {"field offset SIZE_MAX", {"t", 8, 8, &far, 1}},
        {"second field bad", {"t", 8, 4, second_bad, 2}},
    };
    (void)state;
    assert_err(shmc_layout_check(&(struct shmc_layout){"t", 8, 8, &ok, 1}),
               SHMC_OK);

    enum shmc_err null_err = shmc_layout_check(NULL);
    for (size_t i = 0; i < COUNT(bad); i++) {
        enum shmc_err err = shmc_layout_check(&bad[i].l);
        if (err != SHMC_E_LAYOUT_INVALID)
            fail_msg("%s: got %s", bad[i].why, shmc_errname(err));
    }

    assert_err(null_err, SHMC_E_NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, reset_setup)
        T(test_typed_names_size_and_alignment),
        T(test_typed_fields_one),
        T(test_typed_fields_several),
        T(test_typed_fields_sixteen),
        T(test_tag_is_stable),
        T(test_tag_of_invalid_layout_is_zero),
        T(test_tag_equal_layouts_equal_tags),
        T(test_tag_any_difference_changes_it),
        T(test_tag_swapped_fields),
        T(test_check_accepts_edge_cases),
        T(test_check_refuses_each_invalid_case),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
