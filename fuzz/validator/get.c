/*
 * get.c - shmget judged by shmc_validate_get and made for real. An
 * accepted call may fail only for the state and resource reasons of
 * oracle.h; a refused one with the key lookup's error (it comes before
 * every argument check) or EINVAL, or it is a deliberate rule.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "guard/guard.h"
#include "oracle.h"

static unsigned long pages_of(size_t size)
{
    return size / facts.page + (size % facts.page != 0);
}

static struct expect get_state(struct run *r, const struct seg *s, key_t key,
                               size_t size, int flg)
{
    unsigned long pages = pages_of(size), used = 0;
    int creat = flg & IPC_CREAT, live = 0;
    struct expect e = success();

    if (s) {
        if (creat && (flg & IPC_EXCL))
            return only(EEXIST);
        if (size > s->size)
            return only(EINVAL); /* shm_more_checks */
        if (!facts.priv &&
            (((unsigned)flg >> 6 | (unsigned)flg >> 3 | (unsigned)flg) & 7 &
             ~(s->mode >> 6)))
            return only(EACCES);
        return e;
    }
    if (key != IPC_PRIVATE && !creat)
        return only(ENOENT);
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live)
            used += pages_of(r->segs[i].size), live++;
    if ((unsigned long)live >= facts.lim->shmmni || pages > facts.lim->shmall ||
        used > facts.lim->shmall - pages)
        return only(ENOSPC);
    if (flg & SHM_HUGETLB) {
        int err = facts.huge_err[((unsigned)flg >> HUGE_SHIFT) & 0x3f];
        if (err)
            return only(err);
        if (!(flg & SHM_NORESERVE))
            e.errs |= EB(ENOMEM); /* the pool */
    } else if (facts.overcommit == 2) {
        e.errs |= EB(ENOMEM);
    } else if (facts.overcommit == 0 && !(flg & SHM_NORESERVE)) {
        if (pages > facts.ram_pages / 2)
            e.errs |= EB(ENOMEM);
        e.ok = pages <= facts.ram_pages * 2;
    }
    return e;
}

/* vkey is what the validator sees, key what the kernel looks up. */
static struct expect expect_get(struct run *r, key_t vkey, key_t key,
                                size_t size, int flg)
{
    enum shmc_err v = shmc_validate_get(vkey, size, flg, facts.lim);
    const struct seg *s = find_key(r, key);
    int creat = flg & IPC_CREAT, excl = flg & IPC_EXCL;
    int joins = key != IPC_PRIVATE && (s ? !(creat && excl) : !creat);
    struct expect e;

    switch (v) {
    case SHMC_OK:
        e = get_state(r, s, key, size, flg);
        e.verdict = e.final = v;
        return e;
    /* Each rule holds only when its condition does; the rewrite removes
     * that condition, so the recursion ends. */
    case SHMC_E_KEY_FTOK_FAILED:
        if (vkey == (key_t)-1)
            return via(R_KEY_M1, v, expect_get(r, KEY_B, key, size, flg));
        break;
    case SHMC_E_GET_FLAGS_UNKNOWN:
        if (flg & ~GET_READ)
            return via(R_GET_UNKNOWN, v,
                       expect_get(r, vkey, key, size, flg & GET_READ));
        break;
    case SHMC_E_GET_EXCL_WITHOUT_CREAT:
        if (excl && !creat)
            return via(R_EXCL_ALONE, v,
                       expect_get(r, vkey, key, size, flg & ~IPC_EXCL));
        break;
    case SHMC_E_GET_HUGE_WITHOUT_HUGETLB:
        if ((flg & HUGE_BITS) && !(flg & SHM_HUGETLB))
            return via(R_HUGE_ALONE, v,
                       expect_get(r, vkey, key, size, flg & ~HUGE_BITS));
        break;
    case SHMC_E_GET_HUGE_SIZE_UNKNOWN:
        if (joins && (flg & HUGE_BITS))
            return via(R_JOIN_HUGE, v,
                       expect_get(r, vkey, key, size,
                                  flg & ~(SHM_HUGETLB | HUGE_BITS)));
        break;
    case SHMC_E_SIZE_ZERO:
        if (s && creat && !excl)
            return via(R_CREAT_ZERO, v,
                       expect_get(r, vkey, key, size, flg & ~IPC_CREAT));
        break;
    case SHMC_E_SIZE_TOO_BIG:
        if (!s && !joins && (flg & SHM_HUGETLB) && size <= facts.lim->shmmax)
            return via(R_HUGE_BIG, v, get_state(r, NULL, key, size, flg));
        break;
    default:
        break;
    }
    /* Refused: the key lookup comes before every argument check. */
    e = only(s ? (creat && excl ? EEXIST : EINVAL)
               : (key != IPC_PRIVATE && !creat ? ENOENT : EINVAL));
    e.verdict = e.final = v;
    return e;
}

void do_get(struct run *r, key_t key, size_t size, int flg)
{
    struct expect e = expect_get(r, key, key, size, flg);
    struct seg *s = find_key(r, key);
    int id, err;

    errno = 0;
    id = shmget(key, size, flg);
    err = id < 0 ? errno : 0;
    CHECK(r, e, id, err, "shmget(key=%#x, size=%#zx, shmflg=%#x)",
          (unsigned)key, size, (unsigned)flg);
    if (id < 0)
        return;
    if (s ? id != s->id : find_id(r, id) != NULL || r->nsegs == MAX_SEGS)
        fail(r, "shmget returned an unexpected id", &e, id, 0,
             "shmget(key=%#x, size=%#zx, shmflg=%#x), joined id %d",
             (unsigned)key, size, (unsigned)flg, s ? s->id : -1);
    if (s)
        return;
    guard_note_id(id);
    s = &r->segs[r->nsegs++];
    *s = (struct seg){.id = id,
                      .live = 1,
                      .key = key,
                      .size = size,
                      .mode = (unsigned)flg & 0777};
    if (flg & SHM_HUGETLB)
        s->hpage = facts.hpage[((unsigned)flg >> HUGE_SHIFT) & 0x3f];
    /* What shmat maps: i_size, rounded to the page; it can wrap to 0. */
    s->len = size + (s->hpage ? s->hpage : facts.page) - 1;
    s->len &= ~((s->hpage ? s->hpage : facts.page) - 1);
}
