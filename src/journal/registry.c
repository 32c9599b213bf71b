/*
 * registry.c - building and reading image registry records (API:
 * registry.h). Building is async-signal-safe: fork children and exec
 * calls write records.
 */
#include <string.h>

#include "registry.h"

/* Appends s and its NUL at out[*at], cut (without its NUL) to end. */
static void put(char *out, size_t *at, size_t end, const char *s)
{
    size_t n = strlen(s) + 1;

    if (n > end - *at)
        n = end - *at;
    memcpy(out + *at, s, n);
    *at += n;
}

size_t shmc_reg_build(void *rec, enum shmc_reg_kind kind, int pid, int ppid,
                      uint64_t time_ns, int64_t arg, char *const *list,
                      const char *one)
{
    struct shmc_reg_rec *h = rec;
    char *out = rec;
    size_t at = SHMC_REG_HEADER, size;

    for (size_t i = 0; list != NULL && list[i] != NULL && at < SHMC_REG_MAX;
         i++)
        put(out, &at, SHMC_REG_MAX, list[i]);
    if (one != NULL)
        put(out, &at, SHMC_REG_MAX, one);
    size = (at + 7) & ~(size_t)7;
    memset(out + at, 0, size - at);
    h->magic = SHMC_REG_MAGIC;
    h->size = (uint16_t)size;
    h->kind = (uint16_t)kind;
    h->pid = pid;
    h->ppid = ppid;
    h->time_ns = time_ns;
    h->arg = arg;
    return size;
}

void shmc_reg_reader_init(struct shmc_reg_reader *r, const void *data,
                          size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->skipped = 0;
}

/* Whether a well-formed record starts at r->pos. */
static int record_at(const struct shmc_reg_reader *r)
{
    struct shmc_reg_rec h;

    if (r->len - r->pos < SHMC_REG_HEADER)
        return 0;
    memcpy(&h, r->data + r->pos, sizeof h);
    return h.magic == SHMC_REG_MAGIC && h.size >= SHMC_REG_HEADER &&
           h.size <= SHMC_REG_MAX && h.size % 8 == 0 &&
           h.size <= r->len - r->pos && h.kind >= SHMC_REG_START &&
           h.kind < SHMC_REG_KIND_MAX;
}

const struct shmc_reg_rec *shmc_reg_next(struct shmc_reg_reader *r,
                                         const char **payload,
                                         size_t *payload_len)
{
    /* One byte at a time: a write cut short leaves the records after it
     * at any offset. */
    while (r->pos < r->len && !record_at(r)) {
        r->pos++;
        r->skipped++;
    }
    if (r->pos >= r->len)
        return NULL;
    memcpy(&r->cur, r->data + r->pos, sizeof r->cur); /* maybe unaligned */
    *payload = (const char *)(r->data + r->pos + SHMC_REG_HEADER);
    *payload_len = r->cur.size - SHMC_REG_HEADER;
    r->pos += r->cur.size;
    return &r->cur;
}
