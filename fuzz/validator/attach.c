/*
 * attach.c - shmat judged by shmc_validate_at and made for real, at an
 * address the input picks among classes (NULL, the reservation, page 0,
 * the end of user space, powers of two, raw), made safe first (Safety in
 * oracle.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "oracle.h"

static struct expect at_state(const struct seg *s, uintptr_t a, int fixed,
                              int flg)
{
    unsigned acc = (flg & SHM_RDONLY ? 4 : 6) | (flg & SHM_EXEC ? 1 : 0);
    struct expect e = success();
    size_t len;

    if (s == NULL)
        return only(EINVAL);
    if (!facts.priv && (acc & ~(s->mode >> 6) & 7))
        return only(EACCES);
    if ((len = s->len) == 0)
        return only(EINVAL); /* do_mmap of nothing */
    if (!fixed) {
        if (len > NULL_ROOM)
            e.errs |= EB(ENOMEM);
        e.ok = len <= facts.task_end;
        return e;
    }
    if (a + len < a) {
        e.ok = 0;
        e.errs |= EB(EINVAL) | EB(ENOMEM);
    } else if (a && !(flg & SHM_REMAP)) {
        e.probe_addr = a; /* find_vma_intersection */
        e.probe_len = len;
    }
    if (s->hpage && (a & (s->hpage - 1)))
        e.ok = 0, e.errs |= EB(EINVAL);
    if (len > facts.task_end || a > facts.task_end - len)
        e.ok = 0, e.errs |= EB(ENOMEM);
    if (a < facts.mmap_min && facts.low_err)
        e.ok = 0, e.errs |= EB(facts.low_err);
    return e;
}

static struct expect expect_at(struct run *r, int id, uintptr_t addr, int flg)
{
    enum shmc_err v = shmc_validate_at(id, (const void *)addr, flg, facts.lim);
    uintptr_t a = addr;
    struct expect e;

    if ((flg & SHM_RND) && (a & (facts.lim->shmlba - 1)))
        a &= ~(uintptr_t)(facts.lim->shmlba - 1);
    switch (v) {
    case SHMC_OK:
        e = at_state(find_id(r, id), a, addr != 0, flg);
        break;
    case SHMC_E_AT_FLAGS_UNKNOWN:
        if (flg & ~AT_READ)
            return via(R_AT_UNKNOWN, v, expect_at(r, id, addr, flg & AT_READ));
        e = only(EINVAL);
        break;
    case SHMC_E_AT_ADDR_LOW:
        if (!(flg & SHM_REMAP) && addr && a == 0)
            return via(R_AT_PAGE0, v, at_state(find_id(r, id), 0, 1, flg));
        e = only(EINVAL);
        break;
    case SHMC_E_AT_ADDR_RANGE:
        /* Refused after the lookup, by do_mmap or the wrap check. */
        e = at_state(find_id(r, id), a, 1, flg);
        e.ok = 0;
        break;
    default:
        e = only(EINVAL); /* id < 0, alignment, SHM_REMAP: before lookup */
        break;
    }
    e.verdict = e.final = v;
    return e;
}

/* Clears SHM_REMAP or SHM_RND where the kernel would map without its
 * overlap check over memory that is not ours to lose (Safety in oracle.h). */
static int make_safe(struct run *r, int id, uintptr_t addr, int flg)
{
    const struct seg *s = find_id(r, id);
    uintptr_t a = addr, lba = facts.lim->shmlba;

    if (s == NULL || addr == 0)
        return flg;
    if (a & (lba - 1)) {
        if (!(flg & SHM_RND))
            return flg;
        a &= ~(lba - 1);
    }
    if (a == 0)
        return (flg & SHM_REMAP) || facts.low_err || s->len <= facts.low_free
                   ? flg
                   : flg & ~SHM_RND;
    if ((flg & SHM_REMAP) &&
        !(r->reserved && a >= r->base && s->len <= REGION_LEN &&
          a - r->base <= REGION_LEN - s->len))
        flg &= ~SHM_REMAP;
    return flg;
}

static uintptr_t at_addr(struct run *r, unsigned cls, uint64_t v)
{
    switch (cls & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
        return region(r) + (uintptr_t)(v & (2 * REGION_LEN - 1));
    case 3:
        return (uintptr_t)(v & (LOW_AREA - 1));
    case 4:
        return facts.task_end - (uintptr_t)(v & 0xffffff);
    case 5:
        return facts.task_end + (uintptr_t)(v & 0xffffff);
    case 6:
        return ((uintptr_t)1 << (v & 63)) + (uintptr_t)(v >> 8 & 0xfff);
    default:
        return (uintptr_t)v;
    }
}

/* An id of this input, or a raw one. Outside a namespace a raw id that is
 * not ours is made negative, unless the call ignores it (any): never
 * another process's segment. */
int pick_id(struct run *r, unsigned cls, uint32_t raw, int any)
{
    int id = (int)raw;

    if ((cls & 3) < 2 && r->nsegs)
        id = r->segs[(cls & 3) == 0 ? r->nsegs - 1 : 0].id;
    if (!facts.ns && !any && find_id(r, id) == NULL)
        id = (int)((unsigned)id | 0x80000000u);
    return id;
}

void do_at(struct run *r, unsigned sel, uint32_t raw, uint64_t v, int flg)
{
    int id = pick_id(r, sel, raw, 0);
    uintptr_t addr = at_addr(r, sel >> 2, v);
    struct expect e;
    void *p;
    int err;

    flg = make_safe(r, id, addr, flg);
    if (r->reserved && in_map(r, addr) && !(flg & SHM_REMAP) && !(sel & 128)) {
        munmap(r->map, r->map_len); /* free space for a fixed attach */
        r->reserved = 0;
    }
    e = expect_at(r, id, addr, flg);
    errno = 0;
    p = shmat(id, (void *)addr, flg);
    err = p == (void *)-1 ? errno : 0;
    CHECK(r, e, err ? -1 : (long)p, err,
          "shmat(shmid=%d, addr=%#zx, shmflg=%#x)", id, (size_t)addr,
          (unsigned)flg);
    if (err)
        return;
    struct seg *s = find_id(r, id);
    uintptr_t want =
        addr & ~(uintptr_t)(flg & SHM_RND ? facts.lim->shmlba - 1 : 0);
    if (s == NULL || r->natts == MAX_ATTS ||
        (addr ? (uintptr_t)p != want
              : (uintptr_t)p & ((s->hpage ? s->hpage : facts.lim->shmlba) - 1)))
        fail(r, "shmat attached an unexpected segment or address", &e, (long)p,
             0, "shmat(shmid=%d, addr=%#zx, shmflg=%#x)", id, (size_t)addr,
             (unsigned)flg);
    r->atts[r->natts++] = (struct att){(uintptr_t)p, s, flg};
    s->nattch++;
}
