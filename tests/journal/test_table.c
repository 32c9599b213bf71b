/*
 * test_table.c - shmc_table (src/journal/table.c), the tracer's
 * mmap-backed hash map: put, get and delete; the existed flag; new values
 * zero; 0 as a key like any other; updates in place; deleting
 * what is absent; clear and destroy leave a usable table; values of 1 to
 * 4096 bytes, and none outside that; and a put that cannot map memory
 * returns NULL and changes nothing. Many keys, collisions, growth,
 * iteration and a reference model: test_table_model.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/compiler.h"

static void test_unused_table_is_empty(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    size_t pos = 0;
    uint64_t key = 1;
    void *val = NULL;

    void *got = shmc_table_get(t, 0);
    int removed = shmc_table_del(t, 0);
    int more = shmc_table_next(t, &pos, &key, &val);

    assert_null(got);
    assert_int_equal(removed, 0);
    assert_int_equal(more, 0);
    assert_int_equal(key, 1);
    assert_null(t->slots);
    assert_int_equal(t->cap, 0);
}

static void test_put_get_del(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    int existed = -1;

    void *v = shmc_table_put(t, 42, &existed);
    memcpy(v, &(uint64_t){4242}, 8);
    uint64_t got = val_of(t, 42);
    int removed = shmc_table_del(t, 42);

    assert_int_equal(existed, 0);
    assert_int_equal(got, 4242);
    assert_int_equal(removed, 1);
    assert_null(shmc_table_get(t, 42));
    assert_int_equal(t->count, 0);
    assert_true(t->cap > 0 && (t->cap & (t->cap - 1)) == 0);
    assert_int_equal(t->slot_size % 8, 0);
}

static void test_existed_flag(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    int first = -1, again = -1, after_del = -1;

    void *a = shmc_table_put(t, 5, &first);
    void *b = shmc_table_put(t, 5, &again);
    void *c = shmc_table_put(t, 6, NULL);
    void *d = shmc_table_put(t, 6, NULL);
    shmc_table_del(t, 5);
    shmc_table_put(t, 5, &after_del);

    assert_int_equal(first, 0);
    assert_int_equal(again, 1);
    assert_int_equal(after_del, 0);
    assert_ptr_equal(a, b);
    assert_non_null(c);
    assert_ptr_equal(c, d);
    assert_int_equal(t->count, 2);
}

/* Deleted and cleared entries leave their bytes in the slots. */
static void test_new_values_zero_filled(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    enum { N = 30, SIZE = 40 };
    int dirty_after_del = 0, dirty_after_clear = 0;
    shmc_table_init(t, SIZE);
    for (size_t i = 0; i < N; i++)
        memset(shmc_table_put(t, page_key(i), NULL), 0xa5, SIZE);
    for (size_t i = 0; i < N; i += 2)
        shmc_table_del(t, page_key(i));

    for (size_t i = 0; i < N; i += 2)
        dirty_after_del +=
            !all_zero(shmc_table_put(t, page_key(i), NULL), SIZE);
    for (size_t i = 0; i < N; i++)
        memset(shmc_table_get(t, page_key(i)), 0xa5, SIZE);
    shmc_table_clear(t);
    for (size_t i = 0; i < N; i++)
        dirty_after_clear += !all_zero(shmc_table_put(t, i, NULL), SIZE);

    assert_int_equal(dirty_after_del, 0);
    assert_int_equal(dirty_after_clear, 0);
}

/* 0 is a key like any other, not an empty-slot marker. */
static void test_key_zero(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    for (uint64_t k = 1; k <= 10; k++)
        put_val(t, k, k);

    void *absent = shmc_table_get(t, 0);
    int removed_absent = shmc_table_del(t, 0);
    put_val(t, 0, 777);
    uint64_t got = val_of(t, 0);
    int removed = shmc_table_del(t, 0);

    assert_null(absent);
    assert_int_equal(removed_absent, 0);
    assert_int_equal(got, 777);
    assert_int_equal(removed, 1);
    assert_null(shmc_table_get(t, 0));
    for (uint64_t k = 1; k <= 10; k++)
        assert_int_equal(val_of(t, k), k);
}

static void test_update_in_place(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    int existed = -1;
    void *first = put_val(t, page_key(3), 1);

    void *again = shmc_table_put(t, page_key(3), &existed);
    uint64_t kept = load_u64(again);
    memcpy(again, &(uint64_t){2}, 8);

    assert_int_equal(existed, 1);
    assert_ptr_equal(again, first);
    assert_int_equal(kept, 1);
    assert_int_equal(val_of(t, page_key(3)), 2);
    assert_int_equal(t->count, 1);
}

static void test_del_absent(void **state)
{
    struct table_fx *fx = *state;
    int removed = 0;
    for (size_t i = 0; i < 100; i++)
        put_val(&fx->t, page_key(i), i);

    int from_empty = shmc_table_del(&fx->u, 0);
    for (size_t i = 0; i < 100; i++)
        removed += shmc_table_del(&fx->t, page_key(100 + i));
    removed += shmc_table_del(&fx->t, 100);
    int first = shmc_table_del(&fx->t, page_key(7));
    int second = shmc_table_del(&fx->t, page_key(7));

    assert_int_equal(from_empty, 0);
    assert_int_equal(removed, 0);
    assert_int_equal(first, 1);
    assert_int_equal(second, 0);
    assert_int_equal(fx->t.count, 99);
    for (size_t i = 0; i < 100; i++)
        if (i != 7)
            assert_int_equal(val_of(&fx->t, page_key(i)), i);
}

static void test_clear(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    size_t pos = 0, found = 0;
    uint64_t key;
    void *v;
    int existed = -1;
    for (size_t i = 0; i < 500; i++)
        put_val(t, page_key(i), i + 1);
    const unsigned char *slots = t->slots;
    size_t cap = t->cap;

    shmc_table_clear(t);

    assert_int_equal(t->count, 0);
    assert_ptr_equal(t->slots, slots);
    assert_int_equal(t->cap, cap);
    for (size_t i = 0; i < 500; i++)
        found += shmc_table_get(t, page_key(i)) != NULL;
    assert_int_equal(found, 0);
    assert_int_equal(shmc_table_next(t, &pos, &key, &v), 0);
    assert_int_equal(load_u64(shmc_table_put(t, page_key(9), &existed)), 0);
    assert_int_equal(existed, 0);
    assert_int_equal(t->count, 1);
}

static void test_destroy_then_reuse(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    size_t pos = 0;
    uint64_t key;
    void *v;
    int existed = -1;
    shmc_table_init(t, 24);
    for (size_t i = 0; i < 200; i++)
        put_val(t, i, i);

    shmc_table_destroy(t);
    void *after = shmc_table_get(t, 5);
    int more = shmc_table_next(t, &pos, &key, &v);
    void *again = shmc_table_put(t, 5, &existed);

    assert_null(after);
    assert_int_equal(more, 0);
    assert_non_null(again);
    assert_int_equal(existed, 0);
    assert_true(all_zero(again, 24));
    assert_int_equal(t->count, 1);
    assert_int_equal(t->value_size, 24);
    shmc_table_destroy(t);
    shmc_table_destroy(t); /* twice is harmless */
    assert_null(t->slots);
    assert_int_equal(t->cap, 0);
}

/* Values of size bytes filled with a byte of the key, through growth and
 * backward shifts; 8-byte aligned. */
static void check_value_size(struct shmc_table *t, size_t size, size_t n)
{
    static unsigned char want[4096];
    size_t misaligned = 0, wrong = 0;
    shmc_table_init(t, size);
    for (size_t i = 0; i < n; i++) {
        void *v = shmc_table_put(t, page_key(i), NULL);
        assert_non_null(v);
        memset(v, (int)(i * 7 + 1), size);
    }

    for (size_t i = 0; i < n; i += 2)
        shmc_table_del(t, page_key(i));

    assert_int_equal(t->slot_size % 8, 0);
    assert_int_equal(t->count, n / 2);
    for (size_t i = 1; i < n; i += 2) {
        void *v = shmc_table_get(t, page_key(i));
        assert_non_null(v);
        memset(want, (int)(i * 7 + 1), size);
        wrong += memcmp(v, want, size) != 0;
        misaligned += (uintptr_t)v % 8 != 0;
    }
    assert_int_equal(wrong, 0);
    assert_int_equal(misaligned, 0);
}

static void test_value_size_1(void **state)
{
    check_value_size(&((struct table_fx *)*state)->t, 1, 600);
}

static void test_value_size_4096(void **state)
{
    check_value_size(&((struct table_fx *)*state)->t, 4096, 300);
}

/* A value size outside 1..4096 makes a table that stays empty: put
 * refuses every key, and nothing is mapped. */
static void test_value_size_out_of_range(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
    const size_t sizes[] = {0, 4097, SIZE_MAX};
    int existed = 7;

    for (size_t i = 0; i < NELEM(sizes); i++) {
        shmc_table_init(t, sizes[i]);
        void *v = shmc_table_put(t, page_key(1), &existed);
        assert_null(v);
        assert_int_equal(existed, 7);
        assert_null(shmc_table_get(t, page_key(1)));
        assert_null(t->slots);
        assert_int_equal(t->count, 0);
    }
}

/* Exit codes of the child of test_put_fails_without_memory. */
static const char *const child_fails[] = {
    "ok",
    "setrlimit failed",
    "RLIMIT_AS did not stop mmap",
    "first put into an empty table did not return NULL",
    "put that must grow did not return NULL",
    "a failed put wrote *existed",
    "a failed put changed the table",
    "an entry was lost or the new key appeared",
    "updating a present key failed",
    "put after a delete made room failed",
};

/* Grows the stack before the address space is capped. */
static SHMC_NOINLINE void touch_stack(void)
{
    volatile char buf[1 << 16];
    for (size_t i = 0; i < sizeof buf; i += 1024)
        buf[i] = 0;
}

/* Runs in the child, with no address space to spare (the soft limit is
 * 0; the hard one stays, so that the caller can lift it again): t is
 * exactly half full, e never used. No cmocka here. */
static int child_without_memory(struct shmc_table *t, struct shmc_table *e)
{
    struct rlimit none;
    struct shmc_table before = *t;
    size_t n = t->count;
    int existed = 7;

    touch_stack();
    getrlimit(RLIMIT_AS, &none);
    none.rlim_cur = 0;
    if (setrlimit(RLIMIT_AS, &none) != 0)
        return 1;
    if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0) != MAP_FAILED)
        return 2;
    if (shmc_table_put(e, 1, &existed) != NULL || e->slots != NULL)
        return 3;
    if (shmc_table_put(t, page_key(n), &existed) != NULL)
        return 4;
    if (existed != 7)
        return 5;
    if (t->slots != before.slots || t->cap != before.cap || t->count != n)
        return 6;
    for (size_t i = 0; i < n; i++) {
        void *v = shmc_table_get(t, page_key(i));
        if (v == NULL || load_u64(v) != i)
            return 7;
    }
    if (shmc_table_get(t, page_key(n)) != NULL)
        return 7;
    if (shmc_table_put(t, page_key(0), &existed) == NULL || existed != 1)
        return 8;
    if (shmc_table_del(t, page_key(0)) != 1 ||
        shmc_table_put(t, page_key(n), &existed) == NULL || existed != 0)
        return 9;
    return 0;
}

static void test_put_fails_without_memory(void **state)
{
    struct table_fx *fx = *state;
    int status;
    put_val(&fx->t, page_key(0), 0);
    for (size_t i = 1; i < fx->t.cap / 2; i++)
        put_val(&fx->t, page_key(i), i);

    pid_t pid = fork();
    if (pid == 0) {
        int code = child_without_memory(&fx->t, &fx->u);
        struct rlimit rl;
        /* gcov needs memory to write the child's counts (at _exit here). */
        getrlimit(RLIMIT_AS, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_AS, &rl);
        SHMC_COVERAGE_FLUSH();
        _exit(code);
    }

    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status))
        fail_msg("child died (status %#x)", (unsigned)status);
    size_t code = (size_t)WEXITSTATUS(status);
    if (code != 0)
        fail_msg("child: %s", code < NELEM(child_fails) ? child_fails[code]
                                                        : "unknown exit code");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, table_setup, table_teardown)
    const struct CMUnitTest tests[] = {
        T(test_unused_table_is_empty),
        T(test_put_get_del),
        T(test_existed_flag),
        T(test_new_values_zero_filled),
        T(test_key_zero),
        T(test_update_in_place),
        T(test_del_absent),
        T(test_clear),
        T(test_destroy_then_reuse),
        T(test_value_size_1),
        T(test_value_size_4096),
        T(test_value_size_out_of_range),
        T(test_put_fails_without_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
