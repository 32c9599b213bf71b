/*
 * table.c - the tracer's hash map: open addressing over one mmap'd array of
 * slots, linear probing, backward-shift deletion.
 *
 * A slot is a struct slot header (key, occupied flag) followed by the value
 * padded to 8 bytes, so every value is 8-byte aligned: the array comes from
 * mmap (page-aligned) and slot_size is a multiple of 8. Keys may be any
 * uint64, 0 included (shmid 0 is valid), hence a flag rather than a
 * sentinel key. The table is never more than half full, so every probe
 * meets an empty slot and stops.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "table.h"

#define TABLE_MIN_CAP 64     /* slots mapped by the first put               */
#define TABLE_MAX_VALUE 4096 /* the largest value_size the header accepts */

struct slot {
    uint64_t key;
    uint64_t used; /* a whole word, so that the value is 8-byte aligned */
    unsigned char value[];
};

/* splitmix64's finalizer. Keys are page-aligned addresses (the low 12 bits
 * zero) and small ints (only the low bits set), and the index is the hash's
 * low bits: every key bit must reach them. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static size_t home_of(const struct shmc_table *t, uint64_t key)
{
    return (size_t)(mix(key) & (t->cap - 1));
}

static struct slot *slot_at(const struct shmc_table *t, size_t i)
{
    return (struct slot *)(void *)(t->slots + i * t->slot_size);
}

/* The index of the slot holding key, or of the empty slot where its probe
 * ends. Needs cap > 0. */
static size_t probe(const struct shmc_table *t, uint64_t key)
{
    size_t mask = t->cap - 1;
    size_t i = home_of(t, key);

    while (slot_at(t, i)->used && slot_at(t, i)->key != key)
        i = (i + 1) & mask;
    return i;
}

/* Maps new_cap slots (zero-filled, so all empty) and moves every entry
 * there. -1, with the table unchanged, when the size overflows or mmap
 * fails. */
static int rehash(struct shmc_table *t, size_t new_cap)
{
    struct shmc_table n = *t;
    void *p;

    if (new_cap > SIZE_MAX / t->slot_size)
        return -1;
    p = mmap(NULL, new_cap * t->slot_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    n.slots = p;
    n.cap = new_cap;
    for (size_t i = 0; i < t->cap; i++) {
        const struct slot *s = slot_at(t, i);
        if (s->used)
            memcpy(slot_at(&n, probe(&n, s->key)), s, t->slot_size);
    }
    /* Unmapping a whole mapping we made cannot fail for a reason we could
     * act on; the entries already live in the new array. */
    if (t->slots != NULL)
        (void)munmap(t->slots, t->cap * t->slot_size);
    *t = n;
    return 0;
}

/* Room for one more entry, keeping count * 2 <= cap. */
static int reserve_one(struct shmc_table *t)
{
    if ((t->count + 1) * 2 <= t->cap)
        return 0;
    return rehash(t, t->cap == 0 ? TABLE_MIN_CAP : t->cap * 2);
}

void shmc_table_init(struct shmc_table *t, size_t value_size)
{
    t->slots = NULL;
    t->cap = 0;
    t->count = 0;
    t->value_size = value_size;
    /* Outside 1..4096 the table stays empty: slot_size 0 makes put refuse. */
    if (value_size >= 1 && value_size <= TABLE_MAX_VALUE)
        t->slot_size = sizeof(struct slot) + ((value_size + 7) & ~(size_t)7);
    else
        t->slot_size = 0;
}

void *shmc_table_get(const struct shmc_table *t, uint64_t key)
{
    struct slot *s;

    if (t->cap == 0)
        return NULL;
    s = slot_at(t, probe(t, key));
    return s->used ? s->value : NULL;
}

void *shmc_table_put(struct shmc_table *t, uint64_t key, int *existed)
{
    struct slot *s;

    if (t->slot_size == 0)
        return NULL;
    if (t->cap != 0) {
        s = slot_at(t, probe(t, key));
        if (s->used) {
            if (existed != NULL)
                *existed = 1;
            return s->value;
        }
    }
    if (reserve_one(t) != 0)
        return NULL;
    s = slot_at(t, probe(t, key));
    s->key = key;
    s->used = 1;
    /* The slot may hold bytes of an entry deleted or shifted away. */
    memset(s->value, 0, t->value_size);
    t->count++;
    if (existed != NULL)
        *existed = 0;
    return s->value;
}

/* Whether the entry at j, whose home is h, must move back into the hole:
 * it must unless h lies cyclically in (hole, j], where the entry would sit
 * before its home. */
static int fills_hole(size_t mask, size_t hole, size_t h, size_t j)
{
    return ((j - h) & mask) >= ((j - hole) & mask);
}

int shmc_table_del(struct shmc_table *t, uint64_t key)
{
    size_t mask, hole;

    if (t->cap == 0)
        return 0;
    mask = t->cap - 1;
    hole = probe(t, key);
    if (!slot_at(t, hole)->used)
        return 0;
    /* Backward shift: the cluster after the hole closes up over it, so no
     * probe ever stops early at a gap that used to be an entry. */
    for (size_t j = (hole + 1) & mask; slot_at(t, j)->used;
         j = (j + 1) & mask) {
        if (fills_hole(mask, hole, home_of(t, slot_at(t, j)->key), j)) {
            memcpy(slot_at(t, hole), slot_at(t, j), t->slot_size);
            hole = j;
        }
    }
    slot_at(t, hole)->used = 0;
    t->count--;
    return 1;
}

int shmc_table_next(const struct shmc_table *t, size_t *pos, uint64_t *key,
                    void **value)
{
    for (size_t i = *pos; i < t->cap; i++) {
        struct slot *s = slot_at(t, i);
        if (s->used) {
            *pos = i + 1;
            *key = s->key;
            *value = s->value;
            return 1;
        }
    }
    return 0;
}

void shmc_table_clear(struct shmc_table *t)
{
    /* Writing only occupied slots leaves never-used pages untouched. */
    for (size_t i = 0; i < t->cap; i++) {
        struct slot *s = slot_at(t, i);
        if (s->used)
            s->used = 0;
    }
    t->count = 0;
}

void shmc_table_destroy(struct shmc_table *t)
{
    if (t->slots != NULL)
        (void)munmap(t->slots, t->cap * t->slot_size);
    t->slots = NULL;
    t->cap = 0;
    t->count = 0;
}
