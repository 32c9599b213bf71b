/*
 * timeline_settle.c - the timeline once the analysis is done (API:
 * timeline.h, cli_timeline_settle): each attachment and IPC_RMID tied to
 * its segment, the segment's end worked out, the rows in report order.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "timeline.h"

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int by_shmid(const void *x, const void *y)
{
    const struct cli_tl_seg *a = x, *b = y;

    return a->shmid != b->shmid ? CMP(a->shmid, b->shmid)
                                : CMP(a->created, b->created);
}

static int by_created(const void *x, const void *y)
{
    const struct cli_tl_seg *a = x, *b = y;

    return a->created != b->created ? CMP(a->created, b->created)
                                    : CMP(a->shmid, b->shmid);
}

static int by_segment(const void *x, const void *y)
{
    const struct cli_tl_att *a = x, *b = y;

    return a->seg != b->seg ? CMP(a->seg, b->seg)
                            : CMP(a->attached, b->attached);
}

static int by_attached(const void *x, const void *y)
{
    const struct cli_tl_att *a = x, *b = y;

    if (a->attached != b->attached)
        return CMP(a->attached, b->attached);
    return a->pid != b->pid ? CMP(a->pid, b->pid) : CMP(a->addr, b->addr);
}

static int by_time(const void *x, const void *y)
{
    const struct cli_tl_mark *a = x, *b = y;

    if (a->when != b->when)
        return CMP(a->when, b->when);
    return a->pid != b->pid ? CMP(a->pid, b->pid) : CMP(a->kind, b->kind);
}

static int by_pid(const void *x, const void *y)
{
    const struct cli_tl_exec *a = x, *b = y;

    return a->pid != b->pid ? CMP(a->pid, b->pid) : CMP(a->when, b->when);
}

static void sort(void *v, size_t n, size_t size,
                 int (*cmp)(const void *, const void *))
{
    if (n > 1) /* qsort's array may not be NULL, even when empty */
        qsort(v, n, size, cmp);
}

/* The segment shmid was at time t: the row of shmid created last at or
 * before t (one made before the run, created 0, before every other),
 * among the first n rows of segs, sorted by_shmid; CLI_TL_NONE when
 * none. */
static size_t segment_at(const struct cli_timeline *tl, size_t n, int shmid,
                         uint64_t t)
{
    size_t lo = 0, hi = n;

    while (lo < hi) { /* the first row past (shmid, t) */
        size_t mid = lo + (hi - lo) / 2;
        const struct cli_tl_seg *s = &tl->segs[mid];
        if (s->shmid < shmid || (s->shmid == shmid && s->created <= t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && tl->segs[lo - 1].shmid == shmid ? lo - 1 : CLI_TL_NONE;
}

/* A row for shmid, which no journal created before t: its key, size and
 * creator as the kernel has them, if it still has it. */
static void unknown_segment(struct cli_timeline *tl, int shmid,
                            const struct cli_kseg *kernel, size_t nkernel)
{
    struct cli_kseg k = {.shmid = shmid, .cpid = -1};

    for (size_t i = 0; i < nkernel; i++)
        if (kernel[i].shmid == shmid)
            k = kernel[i];
    /* A row like a leak's without a creation, linked to no finding. */
    cli_timeline_leaked(tl, &k, 0, CLI_TL_NONE);
}

/* Every attachment and removal has a segment row to be tied to. */
static void segments_for_all(struct cli_timeline *tl,
                             const struct cli_kseg *kernel, size_t nkernel)
{
    size_t n = tl->nsegs;
    struct shmc_table made; /* shmid -> (nothing): a row was added */
    int existed;

    shmc_table_init(&made, 1);
    sort(tl->segs, tl->nsegs, sizeof *tl->segs, by_shmid);
    for (size_t i = 0; i < tl->natts + tl->nrmids; i++) {
        int shmid =
            i < tl->natts ? tl->atts[i].shmid : tl->rmids[i - tl->natts].shmid;
        uint64_t t = i < tl->natts ? tl->atts[i].attached
                                   : tl->rmids[i - tl->natts].when;
        if (segment_at(tl, n, shmid, t) != CLI_TL_NONE)
            continue;
        /* LCOV_EXCL_BR_START: NULL only if mmap fails */
        if (shmc_table_put(&made, (uint64_t)(uint32_t)shmid, &existed) &&
            !existed)
            unknown_segment(tl, shmid, kernel, nkernel);
        /* LCOV_EXCL_BR_STOP */
    }
    shmc_table_destroy(&made);
    sort(tl->segs, tl->nsegs, sizeof *tl->segs, by_shmid);
}

/* When each removed segment was freed: at its IPC_RMID, or at the end
 * of the last attachment that held it past then (unknown when one of
 * those has no known end). atts sorted by_segment. */
static void freed(struct cli_timeline *tl)
{
    size_t a = 0;

    for (size_t i = 0; i < tl->nsegs; i++) {
        struct cli_tl_seg *s = &tl->segs[i];
        uint64_t cur = s->removed;
        for (; a < tl->natts && tl->atts[a].seg == i; a++) {
            const struct cli_tl_att *t = &tl->atts[a];
            if (cur == 0 || t->attached > cur)
                continue;
            cur = t->ended == 0 || t->ended > cur ? t->ended : cur;
        }
        s->gone = cur;
    }
}

void cli_timeline_settle(struct cli_timeline *tl, const struct cli_kseg *kernel,
                         size_t nkernel)
{
    if (tl == NULL)
        return;
    segments_for_all(tl, kernel, nkernel);
    for (size_t i = 0; i < tl->natts; i++)
        tl->atts[i].seg =
            segment_at(tl, tl->nsegs, tl->atts[i].shmid, tl->atts[i].attached);
    for (size_t i = 0; i < tl->nrmids; i++) {
        size_t k =
            segment_at(tl, tl->nsegs, tl->rmids[i].shmid, tl->rmids[i].when);
        struct cli_tl_seg *s = k != CLI_TL_NONE ? &tl->segs[k] : NULL;
        if (s != NULL && (s->removed == 0 || tl->rmids[i].when < s->removed))
            s->removed = tl->rmids[i].when;
    }
    sort(tl->atts, tl->natts, sizeof *tl->atts, by_segment);
    freed(tl);
    sort(tl->segs, tl->nsegs, sizeof *tl->segs, by_created);
    sort(tl->atts, tl->natts, sizeof *tl->atts, by_attached);
    sort(tl->marks, tl->nmarks, sizeof *tl->marks, by_time);
    sort(tl->execs, tl->nexecs, sizeof *tl->execs, by_pid);
}
