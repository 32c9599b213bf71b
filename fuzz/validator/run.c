/*
 * run.c - fuzz_validator's record of what one input made: its segments
 * and attachments, looked up by id, SHM_STAT index, key or address; and
 * the address space around them: the harness's PROT_NONE reservation and
 * a probe for mappings in a range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "oracle.h"

struct seg *find_id(struct run *r, int id)
{
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && r->segs[i].id == id)
            return &r->segs[i];
    return NULL;
}

struct seg *find_idx(struct run *r, int idx)
{
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && ((unsigned)r->segs[i].id & facts.idx_mask) ==
                                   ((unsigned)idx & facts.idx_mask))
            return &r->segs[i];
    return NULL;
}

struct seg *find_key(struct run *r, key_t key)
{
    for (int i = 0; key != IPC_PRIVATE && i < r->nsegs; i++)
        if (r->segs[i].live && r->segs[i].key == key)
            return &r->segs[i];
    return NULL;
}

struct att *find_att(struct run *r, uintptr_t addr)
{
    for (int i = 0; i < r->natts; i++)
        if (r->atts[i].addr == addr)
            return &r->atts[i];
    return NULL;
}

uintptr_t region(struct run *r)
{
    if (r->map == NULL) {
        r->map_len = REGION_LEN + REGION_ALIGN;
        r->map = mmap(NULL, r->map_len, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r->map == MAP_FAILED) {
            perror("fuzz_validator: mmap reservation");
            abort();
        }
        r->base = ((uintptr_t)r->map + REGION_ALIGN - 1) & ~(REGION_ALIGN - 1);
        r->reserved = 1;
    }
    return r->base;
}

int in_map(const struct run *r, uintptr_t a)
{
    return r->map && a >= (uintptr_t)r->map &&
           a - (uintptr_t)r->map < r->map_len;
}

int overlaps(uintptr_t a, size_t len)
{
    size_t n =
        a + len < a || a + len > facts.task_end ? facts.task_end - a : len;
    void *p;

    if (a >= facts.task_end || n == 0)
        return 0;
    p = mmap((void *)a, n, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
             -1, 0);
    if (p == MAP_FAILED)
        return errno == EEXIST;
    munmap(p, n);
    return p != (void *)a; /* an old kernel took it as a hint */
}
