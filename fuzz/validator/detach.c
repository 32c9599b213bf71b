/*
 * detach.c - shmdt judged by shmc_validate_dt and made for real, at an
 * address that is never the start of a mapping the harness did not make
 * (Safety in oracle.h).
 */
#define _GNU_SOURCE
#include <errno.h>

#include "oracle.h"

void do_dt(struct run *r, uintptr_t addr)
{
    enum shmc_err v = shmc_validate_dt((const void *)addr, facts.lim);
    struct att *t = find_att(r, addr);
    struct expect e = v == SHMC_OK && t ? success() : only(EINVAL);
    int rc, err;

    e.verdict = e.final = v;
    if (v == SHMC_E_DT_ADDR && addr == 0 && t)
        e = via(R_DT_NULL, v, success());
    errno = 0;
    rc = shmdt((const void *)addr);
    err = rc ? errno : 0;
    if (!r->failing)
        CHECK(r, e, rc, err, "shmdt(addr=%#zx)", (size_t)addr);
    if (rc == 0 && t) {
        struct seg *s = t->seg;
        if (--s->nattch == 0 && s->marked)
            s->live = 0;
        *t = r->atts[--r->natts];
    }
}

/* Never the start of a mapping the harness did not make (Safety in oracle.h).
 */
uintptr_t dt_addr(struct run *r, unsigned cls, uint64_t v)
{
    uintptr_t a = (uintptr_t)v;

    switch (cls & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3: /* near an attachment: the next page may be someone else's */
        if (r->natts) {
            a = r->atts[0].addr + (uintptr_t)(v & 0x1fff);
            break;
        }
        /* fall through */
    case 4: /* up to 16 MiB past the reservation's base: past its end
             * lie other mappings, AFL++'s System V map among them, so the
             * checks below apply (an AFL++ run detached its map here) */
        a = region(r) + (uintptr_t)(v & (2 * REGION_LEN - 1));
        break;
    case 5:
        return (uintptr_t)(v & (LOW_AREA - 1));
    case 6:
        a = facts.task_end + (uintptr_t)(v & 0xffffff);
        break;
    }
    if ((a & (facts.page - 1)) || a < LOW_AREA || a >= facts.task_end ||
        in_map(r, a))
        return a;
    for (int i = 0; i < r->natts; i++)
        if (a >= r->atts[i].addr && a - r->atts[i].addr < r->atts[i].seg->len)
            return a;
    return region(r) + (a & (REGION_LEN - 1));
}
