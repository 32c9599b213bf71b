/*
 * test_table_model.c - shmc_table (src/journal/table.c) under load:
 * 1000 page-aligned keys each found, and only they; keys that collide in
 * a cluster that wraps the end of the array, deleted in every order, are
 * found after each deletion (backward shift); 200,000 random operations
 * agree with a reference model; growth keeps every entry; iteration sees
 * each entry once; and 22,000 mixed keys keep every probe short. A slot
 * array whose size would overflow size_t is refused, not wrapped.
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

#include "fixtures.h"

/* xorshift64*: the fixed-seed source of the random tests. */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(0x2545f4914f6cdd1d);
}

static void test_page_aligned_keys(void **state)
{
    struct shmc_table *t = &((struct table_fx *)*state)->t;
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
        if (gone[i] ? v != NULL : v == NULL || load_u64(v) != i)
            return (long)i;
    }
    return -1;
}

/* Every key of a cluster that wraps, deleted first in turn, then the rest
 * in a scrambled order: the others are found after every deletion. */
static void test_del_shifts_back_colliding_keys(void **state)
{
    struct table_fx *fx = *state;
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
    return load_u64(v) == m->val[i] &&
           memcmp((const char *)v + 8, &tag, 4) == 0;
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
    struct shmc_table *t = &((struct table_fx *)*state)->t;
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
    struct shmc_table *t = &((struct table_fx *)*state)->t;
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
    struct shmc_table *t = &((struct table_fx *)*state)->t;
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
        uint64_t i = load_u64(v);
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
    struct shmc_table *t = &((struct table_fx *)*state)->t;
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
        lost += i % 2 && (v == NULL || load_u64(v) != i);
        ghosts += i % 2 == 0 && v != NULL;
        ghosts += shmc_table_get(t, page_key(PAGES + i)) != NULL;
    }
    for (size_t i = 0; i < INTS; i++) {
        void *v = shmc_table_get(t, i);
        lost += i % 2 && (v == NULL || load_u64(v) != PAGES + i);
        ghosts += i % 2 == 0 && v != NULL;
    }
    assert_int_equal(lost, 0);
    assert_int_equal(ghosts, 0);
}

/* No value_size makes slots that big (init caps it at 4096 bytes), but
 * the guard must hold whatever slot_size says: with 64 of them past
 * SIZE_MAX bytes, the first put maps nothing and fails. */
static void test_slot_array_size_overflow(void **state)
{
    struct table_fx *fx = *state;
    size_t slot_size = fx->t.slot_size;

    fx->t.slot_size = SIZE_MAX / 32;
    assert_null(shmc_table_put(&fx->t, 1, NULL));
    assert_int_equal(fx->t.cap, 0);
    assert_int_equal(fx->t.count, 0);
    assert_null(fx->t.slots);
    fx->t.slot_size = slot_size;
    assert_non_null(shmc_table_put(&fx->t, 1, NULL)); /* as usual again */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, table_setup, table_teardown)
    const struct CMUnitTest tests[] = {
        T(test_page_aligned_keys),
        T(test_del_shifts_back_colliding_keys),
        T(test_random_ops_match_model),
        T(test_growth_keeps_entries),
        T(test_next_visits_each_once),
        T(test_scale_mixed_keys),
        T(test_slot_array_size_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
