/*
 * table.h - an open-addressing hash map from a 64-bit key to a fixed-size
 * value, for the tracer's per-process tables (attachments by address,
 * segments by id).
 *
 * Memory comes from mmap, never malloc: the tracer runs inside programs
 * whose allocator may be the thing being called, and after fork. Linear
 * probing with backward-shift deletion (no tombstones), capacity a power of
 * two, grows to twice its size when more than half full, so every operation
 * is O(1) expected whatever the count. Not thread-safe: callers hold the
 * tracer's lock.
 */
#ifndef SHMC_JOURNAL_TABLE_H
#define SHMC_JOURNAL_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct shmc_table {
    unsigned char *slots; /* cap slots of slot_size bytes, from mmap    */
    size_t cap;           /* power of two, or 0 before the first put    */
    size_t count;
    size_t value_size;
    size_t slot_size; /* key, occupied flag, value; 8-byte aligned      */
};

/* An empty table for values of value_size bytes (1..4096; outside that
 * range every put returns NULL); no memory is mapped until the first put. */
void shmc_table_init(struct shmc_table *t, size_t value_size);

/* The value stored under key, or NULL. */
void *shmc_table_get(const struct shmc_table *t, uint64_t key);

/* The value under key, inserted zero-filled when absent (*existed = 0;
 * existed may be NULL). NULL when memory for growing cannot be mapped (the
 * table is unchanged). Pointers from get/put are valid until the next put
 * or del. */
void *shmc_table_put(struct shmc_table *t, uint64_t key, int *existed);

/* Removes key; 1 if it was there, 0 if not. */
int shmc_table_del(struct shmc_table *t, uint64_t key);

/* Iteration: start with *pos = 0; returns 1 and sets *key and *value for
 * each entry in slot order, 0 at the end. Do not put or del while
 * iterating. */
int shmc_table_next(const struct shmc_table *t, size_t *pos, uint64_t *key,
                    void **value);

/* Removes every entry, keeping the memory. */
void shmc_table_clear(struct shmc_table *t);

/* Unmaps the memory; the table is empty and reusable afterwards. */
void shmc_table_destroy(struct shmc_table *t);

#endif
