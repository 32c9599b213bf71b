/*
 * test_trace_table.c - shmc_table, the tracer's mmap-backed hash map: every
 * key put is found with its value until it is deleted, whatever the order
 * of puts and deletes, the collisions and the growth; new values are zero;
 * iteration sees each entry once; clear and destroy leave a usable table;
 * and a put that cannot map memory returns NULL and changes nothing.
 *
 * Keys are what the tracer uses: page-aligned addresses and small ints,
 * 0 included.
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

#include "journal/compiler.h"
#include "journal/table.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_BASE UINT64_C(0x7f3a5c000000)

struct fixture {
    struct shmc_table t, u; /* torn down even when a test fails */
};

static int setup(void **state)
{
    static struct fixture fx;
    shmc_table_init(&fx.t, sizeof(uint64_t));
    shmc_table_init(&fx.u, sizeof(uint64_t));
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    shmc_table_destroy(&fx->t);
    shmc_table_destroy(&fx->u);
    return 0;
}

static uint64_t page_key(size_t i)
{
    return PAGE_BASE + (uint64_t)i * 4096;
}

/* xorshift64*: the fixed-seed source of the random tests. */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(0x2545f4914f6cdd1d);
}

static uint64_t load(const void *v)
{
    uint64_t x;
    memcpy(&x, v, sizeof x);
    return x;
}

static void *put_val(struct shmc_table *t, uint64_t key, uint64_t val)
{
    void *v = shmc_table_put(t, key, NULL);
    assert_non_null(v);
    memcpy(v, &val, sizeof val);
    return v;
}

/* The value stored under key, which must be there. */
static uint64_t val_of(const struct shmc_table *t, uint64_t key)
{
    void *v = shmc_table_get(t, key);
    if (v == NULL)
        fail_msg("key %#llx lost", (unsigned long long)key);
    return load(v);
}

static int all_zero(const void *v, size_t n)
{
    const unsigned char *p = v;
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Which slot a value lives in (the header documents the slot array). */
static size_t slot_of(const struct shmc_table *t, const void *v)
{
    return (size_t)((const unsigned char *)v - t->slots) / t->slot_size;
}

static void test_unused_table_is_empty(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    struct shmc_table *t = &((struct fixture *)*state)->t;
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

static void test_page_aligned_keys(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    enum { N = 1000 };

    for (size_t i = 0; i < N; i++)
        put_val(t, page_key(i), i);

    assert_int_equal(t->count, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(val_of(t, page_key(i)), i);
        assert_null(shmc_table_get(t, page_key(i) + 8));
        assert_null(shmc_table_get(t, page_key(N + i)));
    }
}

static void test_update_in_place(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    int existed = -1;
    void *first = put_val(t, page_key(3), 1);

    void *again = shmc_table_put(t, page_key(3), &existed);
    uint64_t kept = load(again);
    memcpy(again, &(uint64_t){2}, 8);

    assert_int_equal(existed, 1);
    assert_ptr_equal(again, first);
    assert_int_equal(kept, 1);
    assert_int_equal(val_of(t, page_key(3)), 2);
    assert_int_equal(t->count, 1);
}

static void test_del_absent(void **state)
{
    struct fixture *fx = *state;
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

/* Homes relative to the capacity: one cluster of keys from four homes that
 * crosses the end of the array. */
static const struct {
    size_t from_end; /* home = cap - from_end, modulo cap */
    int n;
} home_plan[] = {{2, 6}, {1, 4}, {0, 4}, {(size_t)-2, 2}};
enum { NCOLLIDE = 16 };

/* Keys whose homes follow home_plan, in its order, in a table of the first
 * capacity: each candidate put alone into an empty table lands in its
 * home. */
static size_t colliding_keys(struct shmc_table *scratch, uint64_t *keys)
{
    int left[NELEM(home_plan)];
    size_t at[NELEM(home_plan)], n = 0, cap = 0;
    for (size_t p = 0; p < NELEM(home_plan); p++) {
        left[p] = home_plan[p].n;
        at[p] = p == 0 ? 0 : at[p - 1] + (size_t)home_plan[p - 1].n;
    }
    for (uint64_t c = 0; n < NCOLLIDE && c < (1u << 22); c++) {
        uint64_t key = (c & 1) ? page_key(c) : c;
        size_t home = slot_of(scratch, put_val(scratch, key, 0));
        cap = scratch->cap;
        assert_int_equal(shmc_table_del(scratch, key), 1);
        for (size_t p = 0; p < NELEM(home_plan); p++) {
            if (left[p] == 0 ||
                home != ((cap - home_plan[p].from_end) & (cap - 1)))
                continue;
            left[p]--;
            keys[at[p]++] = key;
            n++;
        }
    }
    assert_int_equal(n, NCOLLIDE);
    assert_true(NCOLLIDE * 2 <= cap); /* no growth while they are in */
    return cap;
}

/* The first key of keys[0..n) that gone[] and the table disagree on, or
 * -1; values are the key's index. */
static long disagreement(const struct shmc_table *t, const uint64_t *keys,
                         size_t n, const int *gone)
{
    for (size_t i = 0; i < n; i++) {
        void *v = shmc_table_get(t, keys[i]);
        if (gone[i] ? v != NULL : v == NULL || load(v) != i)
            return (long)i;
    }
    return -1;
}

/* Every key of a cluster that wraps, deleted first in turn, then the rest
 * in a scrambled order: the others are found after every deletion. */
static void test_del_shifts_back_colliding_keys(void **state)
{
    struct fixture *fx = *state;
    uint64_t keys[NCOLLIDE];
    size_t cap = colliding_keys(&fx->u, keys);
    long bad = -1;
    size_t wrapped = 0, bad_victim = 0, bad_step = 0;

    for (size_t victim = 0; victim < NCOLLIDE && bad < 0; victim++) {
        int gone[NCOLLIDE] = {0};
        shmc_table_clear(&fx->t);
        for (size_t i = 0; i < NCOLLIDE; i++)
            put_val(&fx->t, keys[i], i);
        assert_int_equal(fx->t.cap, cap);
        /* keys[9], the last with home cap - 1, sits past the end. */
        wrapped += slot_of(&fx->t, shmc_table_get(&fx->t, keys[9])) < 16;
        for (size_t s = 0; s < NCOLLIDE && bad < 0; s++) {
            size_t k = (victim + s * 5) % NCOLLIDE; /* 5 is prime to 16 */
            gone[k] = shmc_table_del(&fx->t, keys[k]);
            bad =
                gone[k] ? disagreement(&fx->t, keys, NCOLLIDE, gone) : (long)k;
            bad_victim = victim;
            bad_step = s;
        }
    }

    if (bad >= 0)
        fail_msg("victim %zu, step %zu: key %ld wrong", bad_victim, bad_step,
                 bad);
    assert_int_equal(wrapped, NCOLLIDE); /* the cluster did wrap */
    assert_int_equal(fx->t.count, 0);
}

/* The reference model: 2048 keys, half small ints from 0, half addresses;
 * 12-byte values (a word and a tag), so that slots are not all words. */
enum { MKEYS = 2048, MVALUE = 12 };
struct model {
    uint64_t key[MKEYS], val[MKEYS];
    unsigned char in[MKEYS];
    size_t count;
};

static void model_write(struct model *m, size_t i, void *v, uint64_t val)
{
    uint32_t tag = (uint32_t)m->key[i] ^ 0x9e3779b9u;
    memcpy(v, &val, 8);
    memcpy((unsigned char *)v + 8, &tag, 4);
    m->val[i] = val;
}

static int model_holds(const struct model *m, size_t i, const void *v)
{
    uint32_t tag = (uint32_t)m->key[i] ^ 0x9e3779b9u;
    if (v == NULL || !m->in[i])
        return v == NULL && !m->in[i];
    return load(v) == m->val[i] && memcmp((const char *)v + 8, &tag, 4) == 0;
}

/* One operation on both, chosen by r; 1 when they agree. */
static int model_step(struct model *m, struct shmc_table *t, uint64_t r,
                      int growing)
{
    size_t i = (size_t)(r >> 20) % MKEYS, op = (size_t)(r % 10);
    int existed = -1;
    void *v;

    if (op >= 9)
        return model_holds(m, i, shmc_table_get(t, m->key[i]));
    if (op >= (growing ? 7u : 2u)) {
        int removed = shmc_table_del(t, m->key[i]);
        m->count -= m->in[i];
        removed = removed == m->in[i];
        m->in[i] = 0;
        return removed && t->count == m->count;
    }
    v = shmc_table_put(t, m->key[i], &existed);
    if (v == NULL || existed != m->in[i] ||
        !(existed ? model_holds(m, i, v) : all_zero(v, MVALUE)))
        return 0;
    m->count += !m->in[i];
    m->in[i] = 1;
    model_write(m, i, v, r);
    return t->count == m->count;
}

/* Every key by get, and every entry by iteration. */
static int model_matches(const struct model *m, const struct shmc_table *t)
{
    size_t pos = 0, seen = 0;
    uint64_t key;
    void *v;
    for (size_t i = 0; i < MKEYS; i++)
        if (!model_holds(m, i, shmc_table_get(t, m->key[i])))
            return 0;
    while (shmc_table_next(t, &pos, &key, &v))
        seen++;
    return seen == m->count && t->count == m->count;
}

/* The first operation after which the table and the model differ, or -1.
 * Phases alternate between mostly puts and mostly deletes, so the table
 * fills and empties many times. */
static long run_model(struct model *m, struct shmc_table *t, long ops)
{
    uint64_t seed = UINT64_C(0x5eed5eed12345678);
    for (long n = 0; n < ops; n++) {
        int growing = (n / 25000) % 2 == 0;
        if (!model_step(m, t, rng(&seed), growing))
            return n;
        if (n % 10000 == 9999 && !model_matches(m, t))
            return n;
    }
    return -1;
}

static void test_random_ops_match_model(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    static struct model m;
    memset(&m, 0, sizeof m);
    for (size_t i = 0; i < MKEYS; i++)
        m.key[i] = i < MKEYS / 2 ? i : page_key(i);
    shmc_table_init(t, MVALUE);

    long bad = run_model(&m, t, 200000);

    if (bad >= 0)
        fail_msg("table and model differ after operation %ld", bad);
    assert_true(model_matches(&m, t));
}

static void test_growth_keeps_entries(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    enum { N = 10000 };
    size_t cap0, cap_full, cap_next, bad_shape = 0, growths = 0;
    put_val(t, page_key(0), 0);
    cap0 = t->cap;
    for (size_t i = 1; i < cap0 / 2; i++)
        put_val(t, page_key(i), i);

    put_val(t, page_key(0), 0); /* present already: never grows */
    cap_full = t->cap;
    put_val(t, page_key(cap0 / 2), cap0 / 2);
    cap_next = t->cap;
    for (size_t i = cap0 / 2 + 1; i < N; i++) {
        size_t before = t->cap;
        put_val(t, page_key(i), i);
        growths += t->cap != before;
        bad_shape += (t->cap & (t->cap - 1)) != 0 || t->count * 2 > t->cap;
    }

    assert_int_equal(cap_full, cap0);
    assert_int_equal(cap_next, cap0 * 2);
    assert_true(growths >= 5);
    assert_int_equal(bad_shape, 0);
    assert_int_equal(t->count, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(val_of(t, page_key(i)), i);
}

static void test_next_visits_each_once(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    enum { N = 3000 };
    static uint64_t keys[N];
    static int seen[N];
    size_t pos = 0, visits = 0, out_of_order = 0, wrong = 0;
    const unsigned char *last = NULL;
    uint64_t key;
    void *v;
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < N; i++)
        put_val(t, keys[i] = (i & 1) ? page_key(i) : i, i);
    for (size_t i = 0; i < N; i += 3)
        shmc_table_del(t, keys[i]);

    while (shmc_table_next(t, &pos, &key, &v)) {
        uint64_t i = load(v);
        visits++;
        wrong += i >= N || keys[i] != key || shmc_table_get(t, key) != v;
        seen[i < N ? i : 0]++;
        out_of_order += last != NULL && (const unsigned char *)v <= last;
        last = v;
    }

    assert_int_equal(visits, t->count);
    assert_int_equal(wrong, 0);
    assert_int_equal(out_of_order, 0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(seen[i], i % 3 != 0);
}

static void test_clear(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    assert_int_equal(load(shmc_table_put(t, page_key(9), &existed)), 0);
    assert_int_equal(existed, 0);
    assert_int_equal(t->count, 1);
}

static void test_destroy_then_reuse(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
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
    check_value_size(&((struct fixture *)*state)->t, 1, 600);
}

static void test_value_size_4096(void **state)
{
    check_value_size(&((struct fixture *)*state)->t, 4096, 300);
}

/* A value size outside 1..4096 makes a table that stays empty: put
 * refuses every key, and nothing is mapped. */
static void test_value_size_out_of_range(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
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

/* The longest run of occupied slots, which bounds every probe. A mixer
 * that leaves the low bits of page addresses or small ints unspread makes
 * runs of thousands. */
static size_t longest_run(const struct shmc_table *t)
{
    unsigned char *used = calloc(t->cap, 1);
    size_t pos = 0, empty = 0, run = 0, longest = 0;
    uint64_t key;
    void *v;
    assert_non_null(used);
    while (shmc_table_next(t, &pos, &key, &v))
        used[slot_of(t, v)] = 1;
    while (used[empty])
        empty++;
    for (size_t n = 1; n <= t->cap; n++) {
        run = used[(empty + n) & (t->cap - 1)] ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    free(used);
    return longest;
}

static void test_scale_mixed_keys(void **state)
{
    struct shmc_table *t = &((struct fixture *)*state)->t;
    enum { PAGES = 20000, INTS = 2000 };
    size_t lost = 0, ghosts = 0, run;
    for (size_t i = 0; i < PAGES; i++)
        put_val(t, page_key(i), i);
    for (size_t i = 0; i < INTS; i++)
        put_val(t, i, PAGES + i);

    run = longest_run(t);
    for (size_t i = 0; i < PAGES; i += 2)
        shmc_table_del(t, page_key(i));
    for (size_t i = 0; i < INTS; i += 2)
        shmc_table_del(t, i);

    assert_true(run < 64);
    assert_int_equal(t->count, (PAGES + INTS) / 2);
    for (size_t i = 0; i < PAGES; i++) {
        void *v = shmc_table_get(t, page_key(i));
        lost += i % 2 && (v == NULL || load(v) != i);
        ghosts += i % 2 == 0 && v != NULL;
        ghosts += shmc_table_get(t, page_key(PAGES + i)) != NULL;
    }
    for (size_t i = 0; i < INTS; i++) {
        void *v = shmc_table_get(t, i);
        lost += i % 2 && (v == NULL || load(v) != PAGES + i);
        ghosts += i % 2 == 0 && v != NULL;
    }
    assert_int_equal(lost, 0);
    assert_int_equal(ghosts, 0);
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
        if (v == NULL || load(v) != i)
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
    struct fixture *fx = *state;
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
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_unused_table_is_empty),
        T(test_put_get_del),
        T(test_existed_flag),
        T(test_new_values_zero_filled),
        T(test_key_zero),
        T(test_page_aligned_keys),
        T(test_update_in_place),
        T(test_del_absent),
        T(test_del_shifts_back_colliding_keys),
        T(test_random_ops_match_model),
        T(test_growth_keeps_entries),
        T(test_next_visits_each_once),
        T(test_clear),
        T(test_destroy_then_reuse),
        T(test_value_size_1),
        T(test_value_size_4096),
        T(test_value_size_out_of_range),
        T(test_scale_mixed_keys),
        T(test_put_fails_without_memory),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
