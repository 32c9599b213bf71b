/*
 * typed.c - segments that carry a header describing their payload's type,
 * so that two programs built with different layouts refuse each other
 * instead of corrupting each other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>

#include "hash.h"
#include "internal.h"

#define TYPED_MAGIC 0x44505954434d4853ULL /* "SHMCTYPD" little-endian */
#define TYPED_VERSION 1u
#define TYPED_READY 0x59444552u  /* "REDY" */
#define HEADER_SPACE 128u        /* payload never starts before this */
#define MAX_ALIGN 4096u          /* shmat gives page-aligned addresses */
#define READY_WAIT_NS 100000000L /* how long open waits for a creator */
#define READY_POLL_NS 50000L

/* The first HEADER_SPACE bytes of a typed segment. A new segment is zeroed,
 * so a creator that has not finished shows state 0. Fields other than the
 * atomics are written before state is published (release) and read after
 * it is seen (acquire). */
struct typed_header {
    _Atomic uint64_t magic;
    _Atomic uint32_t state;
    uint32_t version;
    uint64_t tag;
    uint64_t payload_size;
    uint32_t payload_offset;
    uint32_t header_size;
    char type_name[64];
};
_Static_assert(sizeof(struct typed_header) <= HEADER_SPACE,
               "typed header must fit before the payload");

uint64_t shmc_layout_tag(const struct shmc_layout *layout)
{
    uint64_t h = SHMC_FNV1A_BASIS;

    if (shmc_layout_check(layout) != SHMC_OK)
        return 0;

    h = shmc_fnv1a(h, layout->name, strlen(layout->name) + 1);
    h = shmc_fnv1a_u64(h, layout->size);
    h = shmc_fnv1a_u64(h, layout->align);
    h = shmc_fnv1a_u64(h, layout->nfields);
    for (size_t i = 0; i < layout->nfields; i++) {
        const struct shmc_field *f = &layout->fields[i];
        h = shmc_fnv1a(h, f->name, strlen(f->name) + 1);
        h = shmc_fnv1a_u64(h, f->offset);
        h = shmc_fnv1a_u64(h, f->size);
    }
    return h;
}

enum shmc_err shmc_layout_check(const struct shmc_layout *layout)
{
    if (layout == NULL)
        return SHMC_E_NULL;
    if (layout->name == NULL || layout->name[0] == '\0' || layout->size == 0 ||
        layout->align == 0 || (layout->align & (layout->align - 1)) ||
        layout->align > MAX_ALIGN || layout->size % layout->align != 0 ||
        (layout->nfields > 0 && layout->fields == NULL))
        return SHMC_E_LAYOUT_INVALID;
    for (size_t i = 0; i < layout->nfields; i++) {
        const struct shmc_field *f = &layout->fields[i];
        if (f->name == NULL || f->name[0] == '\0' || f->size == 0 ||
            f->offset > layout->size || f->size > layout->size - f->offset)
            return SHMC_E_LAYOUT_INVALID;
    }
    return SHMC_OK;
}

static size_t payload_offset(const struct shmc_layout *layout)
{
    return layout->align > HEADER_SPACE ? layout->align : HEADER_SPACE;
}

static void publish(struct typed_header *h, const struct shmc_layout *layout)
{
    h->version = TYPED_VERSION;
    h->tag = shmc_layout_tag(layout);
    h->payload_size = layout->size;
    h->payload_offset = (uint32_t)payload_offset(layout);
    h->header_size = (uint32_t)sizeof *h;
    strncpy(h->type_name, layout->name, sizeof h->type_name - 1);
    atomic_store_explicit(&h->magic, TYPED_MAGIC, memory_order_relaxed);
    atomic_store_explicit(&h->state, TYPED_READY, memory_order_release);
}

enum shmc_err shmc_typed_create(key_t key, const struct shmc_layout *layout,
                                int shmflg, struct shmc_typed *out)
{
    struct shmc_segment seg;
    struct shmc_attachment att;
    enum shmc_err err;
    int saved;

    if (out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if ((err = shmc_layout_check(layout)) != SHMC_OK)
        return shmc__reject(err);
    /* layout->size <= SHMMAX is checked by create; this sum cannot wrap
     * because size is far below SIZE_MAX - MAX_ALIGN whenever it passes. */
    if (layout->size > PTRDIFF_MAX - MAX_ALIGN)
        return shmc__reject(SHMC_E_SIZE_TOO_BIG);
    err = shmc_segment_create(key, payload_offset(layout) + layout->size,
                              shmflg, &seg);
    if (err != SHMC_OK)
        return err;
    if ((err = shmc_attach(&seg, NULL, 0, &att)) != SHMC_OK) {
        saved = errno;
        (void)shmc_segment_remove(&seg); /* leave nothing behind */
        errno = saved;
        return err;
    }
    publish(att.addr, layout);
    out->seg = seg;
    out->att = att;
    out->data = (char *)att.addr + payload_offset(layout);
    return SHMC_OK;
}

/* Waits up to READY_WAIT_NS for the creator to publish the header. */
static int wait_ready(struct typed_header *h)
{
    struct timespec poll = {0, READY_POLL_NS};
    long waited = 0;

    while (atomic_load_explicit(&h->state, memory_order_acquire) !=
           TYPED_READY) {
        uint64_t magic = atomic_load_explicit(&h->magic, memory_order_relaxed);
        if ((magic != 0 && magic != TYPED_MAGIC) || waited >= READY_WAIT_NS)
            return 0;
        nanosleep(&poll, NULL);
        waited += READY_POLL_NS;
    }
    return 1;
}

static enum shmc_err check_header(struct typed_header *h, size_t seg_size,
                                  const struct shmc_layout *layout)
{
    if (!wait_ready(h)) {
        /* Zeroed or our magic: a creator between shmget and publish. */
        uint64_t magic = atomic_load_explicit(&h->magic, memory_order_relaxed);
        return magic == 0 || magic == TYPED_MAGIC ? SHMC_E_TYPED_NOT_READY
                                                  : SHMC_E_TYPED_NOT_TYPED;
    }
    if (atomic_load_explicit(&h->magic, memory_order_relaxed) != TYPED_MAGIC)
        return SHMC_E_TYPED_NOT_TYPED;
    if (h->version != TYPED_VERSION)
        return SHMC_E_TYPED_VERSION;
    if (h->tag != shmc_layout_tag(layout) || h->payload_size != layout->size ||
        h->payload_offset != payload_offset(layout))
        return SHMC_E_TYPED_LAYOUT;
    if (seg_size < (size_t)h->payload_offset + h->payload_size)
        return SHMC_E_TYPED_TRUNCATED;
    return SHMC_OK;
}

enum shmc_err shmc_typed_open(key_t key, const struct shmc_layout *layout,
                              int at_flags, struct shmc_typed *out)
{
    struct shmc_segment seg;
    struct shmc_attachment att;
    enum shmc_err err;

    if (out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if ((err = shmc_layout_check(layout)) != SHMC_OK)
        return shmc__reject(err);
    /* Anywhere the kernel chooses, read-write or read-only: nothing else. */
    if (at_flags & ~SHM_RDONLY)
        return shmc__reject(SHMC_E_AT_FLAGS_UNKNOWN);
    if ((err = shmc_segment_open(key, 0, 0, &seg)) != SHMC_OK ||
        (err = shmc_attach(&seg, NULL, at_flags, &att)) != SHMC_OK)
        return err;
    if (seg.size < HEADER_SPACE)
        err = SHMC_E_TYPED_NOT_TYPED; /* too small to hold a header */
    else
        err = check_header(att.addr, seg.size, layout);
    if (err != SHMC_OK) {
        (void)shmc_detach(&att);
        return shmc__reject(err);
    }
    out->seg = seg;
    out->att = att;
    out->data = (char *)att.addr + payload_offset(layout);
    return SHMC_OK;
}

struct join {
    key_t key;
    const struct shmc_layout *layout;
    int shmflg;
    struct shmc_typed *out;
};

static enum shmc_err join_create(void *ctx)
{
    const struct join *j = ctx;
    return shmc_typed_create(j->key, j->layout, j->shmflg, j->out);
}

static enum shmc_err join_open(void *ctx)
{
    const struct join *j = ctx;
    return shmc_typed_open(j->key, j->layout, 0, j->out);
}

enum shmc_err shmc_typed_create_or_open(key_t key,
                                        const struct shmc_layout *layout,
                                        int shmflg, struct shmc_typed *out)
{
    struct join j = {key, layout, shmflg, out};
    return shmc__create_or_open(join_create, join_open, &j);
}

enum shmc_err shmc_typed_detach(struct shmc_typed *t)
{
    return t == NULL ? shmc__reject(SHMC_E_NULL) : shmc_detach(&t->att);
}

enum shmc_err shmc_typed_release(struct shmc_typed *t, int *removed)
{
    return t == NULL ? shmc__reject(SHMC_E_NULL)
                     : shmc_release(&t->att, removed);
}

void shmc_typed_detach_cleanup(struct shmc_typed *t)
{
    if (t != NULL)
        shmc_detach_cleanup(&t->att);
}

void shmc_typed_release_cleanup(struct shmc_typed *t)
{
    if (t != NULL)
        shmc_release_cleanup(&t->att);
}
