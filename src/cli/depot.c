/*
 * depot.c - the analysis's stack depot (API: depot.h): stacks and module
 * paths interned by their FNV-1a hash, each hash a chain of the entries
 * that have it (collisions are compared whole), entries carved out of
 * blocks of memory that live until the depot is destroyed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "depot.h"
#include "lib/hash.h"

#define BLOCK_SIZE ((size_t)64 * 1024)

/* A block entries are carved from. */
struct cli_dblock {
    struct cli_dblock *next;
    size_t used, cap;
    _Alignas(8) unsigned char data[];
};

/* An interned module path. */
struct cli_dpath {
    struct cli_dpath *next;
    const char *s;
};

void cli_depot_init(struct cli_depot *d)
{
    memset(d, 0, sizeof *d);
    shmc_table_init(&d->stacks, sizeof(struct cli_dstack *));
    shmc_table_init(&d->paths, sizeof(struct cli_dpath *));
}

void cli_depot_destroy(struct cli_depot *d)
{
    while (d->blocks != NULL) {
        struct cli_dblock *b = d->blocks;
        d->blocks = b->next;
        free(b);
    }
    shmc_table_destroy(&d->stacks);
    shmc_table_destroy(&d->paths);
    d->count = 0;
}

/* n bytes (8-aligned) of the depot's memory; NULL when it ran out. */
static void *carve(struct cli_depot *d, size_t n)
{
    struct cli_dblock *b = d->blocks;

    n = (n + 7) & ~(size_t)7;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        if ((b = malloc(sizeof *b + cap)) == NULL)
            return NULL;
        b->next = d->blocks;
        b->used = 0;
        b->cap = cap;
        d->blocks = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

/* The chain of hash h in t (a pointer to its first entry), added empty
 * when absent; NULL when memory ran out. */
static void **chain(struct shmc_table *t, uint64_t h)
{
    return shmc_table_put(t, h, NULL);
}

static uint64_t hash_of(const struct cli_dframe *f, unsigned n, unsigned raw)
{
    uint64_t h = shmc_fnv1a_word(SHMC_FNV1A_BASIS, ((uint64_t)n << 1) | raw);

    for (unsigned i = 0; i < n; i++) {
        h = shmc_fnv1a_word(h, f[i].pc);
        if (raw) /* module and offset are 0 */
            continue;
        h = shmc_fnv1a_word(h, (uint64_t)(uintptr_t)f[i].module);
        h = shmc_fnv1a_word(h, f[i].offset);
    }
    return h;
}

/* The stored copy of the n frames f (raw or placed), added when new. */
static const struct cli_dstack *intern(struct cli_depot *d,
                                       const struct cli_dframe *f, unsigned n,
                                       unsigned raw)
{
    uint64_t h = hash_of(f, n, raw);
    void **head = chain(&d->stacks, h);
    struct cli_dstack *s;

    if (head == NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
        return NULL;  /* LCOV_EXCL_LINE */
    for (s = *head; s != NULL; s = s->next)
        /* LCOV_EXCL_BR_START: another stack in the chain is a 64-bit hash
         * collision, which no test can choose */
        if (s->n == n && s->raw == raw && memcmp(s->f, f, n * sizeof *f) == 0)
            return s;
    /* LCOV_EXCL_BR_STOP */
    if ((s = carve(d, sizeof *s + n * sizeof *f)) == NULL)
        return NULL;
    s->hash = h;
    s->n = n;
    s->raw = raw;
    memcpy(s->f, f, n * sizeof *f);
    s->next = *head;
    *head = s;
    d->count++;
    return s;
}

const struct cli_dstack *cli_depot_stack(struct cli_depot *d,
                                         const struct cli_stack *s)
{
    struct cli_dframe f[CLI_MAX_FRAMES];
    unsigned n = s->n < CLI_MAX_FRAMES ? s->n : CLI_MAX_FRAMES;

    for (unsigned i = 0; i < n; i++)
        f[i] = (struct cli_dframe){.pc = s->f[i].pc,
                                   .module = s->f[i].module,
                                   .offset = s->f[i].offset};
    return intern(d, f, n, 0);
}

const struct cli_dstack *cli_depot_pcs(struct cli_depot *d, const uint64_t *pcs,
                                       unsigned n)
{
    struct cli_dframe f[CLI_MAX_FRAMES];
    const struct cli_dstack *last = d->last_raw;

    n = n < CLI_MAX_FRAMES ? n : CLI_MAX_FRAMES;
    /* The same call site again (a loop): no hashing. */
    if (last != NULL && last->n == n) {
        unsigned i = 0;
        while (i < n && last->f[i].pc == pcs[i])
            i++;
        if (i == n)
            return last;
    }
    for (unsigned i = 0; i < n; i++)
        f[i] = (struct cli_dframe){.pc = pcs[i]};
    last = intern(d, f, n, 1);
    if (last != NULL)
        d->last_raw = last;
    return last;
}

const char *cli_depot_path(struct cli_depot *d, struct cli_run *run,
                           const char *path)
{
    void **head;
    struct cli_dpath *p;

    if (path == NULL)
        return NULL;
    /* LCOV_EXCL_BR_START: NULL only if mmap fails */
    if ((head = chain(&d->paths, shmc_fnv1a_str(SHMC_FNV1A_BASIS, path))) ==
        NULL)
        return NULL; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    for (p = *head; p != NULL; p = p->next)
        if (strcmp(p->s, path) == 0) /* LCOV_EXCL_BR_LINE: a hash collision */
            return p->s;
    if ((p = carve(d, sizeof *p)) == NULL ||
        (p->s = cli_run_strdup(run, path)) == NULL)
        return NULL;
    p->next = *head;
    *head = p;
    return p->s;
}

void cli_depot_copy(const struct cli_dstack *s, struct cli_stack *out)
{
    out->n = 0;
    for (unsigned i = 0; s != NULL && i < s->n; i++) {
        struct cli_frame *f = &out->f[out->n++];
        memset(f, 0, sizeof *f);
        f->pc = s->f[i].pc;
        f->module = s->f[i].module;
        f->offset = s->f[i].offset;
    }
}
