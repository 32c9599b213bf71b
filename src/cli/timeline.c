/*
 * timeline.c - the HTML report's timeline, collected as the analysis
 * replays (API and costs: timeline.h); its settling: timeline_settle.c.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

void cli_timeline_init(struct cli_timeline *tl)
{
    memset(tl, 0, sizeof *tl);
    shmc_table_init(&tl->procidx, sizeof(size_t));
    tl->max_rows = CLI_TL_MAX_ROWS;
}

void cli_timeline_free(struct cli_timeline *tl)
{
    free(tl->procs);
    free(tl->execs);
    free(tl->segs);
    free(tl->rmids);
    free(tl->atts);
    free(tl->marks);
    free(tl->links);
    shmc_table_destroy(&tl->procidx);
    memset(tl, 0, sizeof *tl);
}

/* v (n rows of size bytes, room for *cap) with room for one more; NULL,
 * counted as dropped, past max_rows or out of memory (v is then kept). */
static void *room(struct cli_timeline *tl, void *v, size_t n, size_t *cap,
                  size_t size)
{
    if (n >= tl->max_rows) {
        tl->dropped++;
        return NULL;
    }
    if (n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        if ((v = realloc(v, c * size)) == NULL) { /* LCOV_EXCL_BR_LINE */
            tl->dropped++; /* LCOV_EXCL_LINE: out of memory */
            return NULL;   /* LCOV_EXCL_LINE */
        }
        *cap = c;
    }
    return v;
}

/* The next row of the table named t, into the variable r; r NULL when
 * it was dropped. */
#define NEW_ROW(tl, t, r)                                                   \
    do {                                                                    \
        void *v_ =                                                          \
            room(tl, (tl)->t, (tl)->n##t, &(tl)->cap_##t, sizeof *(tl)->t); \
        r = NULL;                                                           \
        if (v_ != NULL) {                                                   \
            (tl)->t = v_;                                                   \
            r = &(tl)->t[(tl)->n##t++];                                     \
        }                                                                   \
    } while (0)

static void later(struct cli_timeline *tl, uint64_t t)
{
    if (t > tl->end)
        tl->end = t;
}

void cli_timeline_span(struct cli_timeline *tl, int pid, uint64_t first,
                       uint64_t last)
{
    struct cli_tl_proc *p;
    size_t *i;
    int existed;

    if (tl == NULL)
        return;
    later(tl, last);
    i = shmc_table_put(&tl->procidx, (uint64_t)(uint32_t)pid, &existed);
    if (i == NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
        return;    /* LCOV_EXCL_LINE */
    if (existed) {
        p = &tl->procs[*i];
        if (first != 0 && (p->start == 0 || first < p->start))
            p->start = first;
        p->end = last > p->end ? last : p->end;
        return;
    }
    *i = tl->nprocs; /* one row a process: never more than the run's */
    NEW_ROW(tl, procs, p);
    if (p == NULL) {
        shmc_table_del(&tl->procidx, (uint64_t)(uint32_t)pid);
        return;
    }
    *p = (struct cli_tl_proc){pid, first, last};
}

void cli_timeline_exec(struct cli_timeline *tl, int pid, uint64_t when)
{
    struct cli_tl_exec *e;

    if (tl == NULL)
        return;
    NEW_ROW(tl, execs, e);
    if (e != NULL)
        *e = (struct cli_tl_exec){pid, when};
}

void cli_timeline_exec_failed(struct cli_timeline *tl, int pid)
{
    for (size_t i = tl != NULL ? tl->nexecs : 0; i-- > 0;)
        if (tl->execs[i].pid == pid) {
            tl->execs[i] = tl->execs[--tl->nexecs];
            return;
        }
}

void cli_timeline_created(struct cli_timeline *tl, int shmid, int32_t key,
                          uint64_t size, int pid, uint64_t when)
{
    struct cli_tl_seg *s;

    if (tl == NULL)
        return;
    NEW_ROW(tl, segs, s);
    if (s != NULL)
        *s = (struct cli_tl_seg){.shmid = shmid,
                                 .cpid = pid,
                                 .key = key,
                                 .size = size,
                                 .created = when,
                                 .occ = CLI_TL_NONE};
}

void cli_timeline_removed(struct cli_timeline *tl, int shmid, uint64_t when)
{
    struct cli_tl_rmid *r;

    if (tl == NULL)
        return;
    NEW_ROW(tl, rmids, r);
    if (r != NULL)
        *r = (struct cli_tl_rmid){shmid, when};
}

size_t cli_timeline_attached(struct cli_timeline *tl, int pid, int shmid,
                             uint64_t addr, uint64_t when)
{
    struct cli_tl_att *t;

    if (tl == NULL)
        return CLI_TL_NONE;
    NEW_ROW(tl, atts, t);
    if (t == NULL)
        return CLI_TL_NONE;
    *t = (struct cli_tl_att){.pid = pid,
                             .shmid = shmid,
                             .how = CLI_TL_UNKNOWN,
                             .addr = addr,
                             .attached = when,
                             .occ = CLI_TL_NONE};
    return tl->natts - 1;
}

void cli_timeline_ended(struct cli_timeline *tl, size_t row, uint64_t when,
                        enum cli_tl_how how, size_t occ)
{
    struct cli_tl_att *t;

    if (tl == NULL || row >= tl->natts)
        return;
    t = &tl->atts[row];
    t->ended = when;
    t->how = how;
    t->occ = occ;
}

void cli_timeline_mark(struct cli_timeline *tl, int pid, uint64_t when,
                       enum cli_tl_kind kind, size_t occ)
{
    struct cli_tl_mark *m;

    if (tl == NULL)
        return;
    NEW_ROW(tl, marks, m);
    if (m != NULL)
        *m = (struct cli_tl_mark){pid, kind, when, occ};
}

/* The row of shmid created at when (0: none was), or CLI_TL_NONE. */
static size_t created_row(const struct cli_timeline *tl, int shmid,
                          uint64_t when)
{
    for (size_t i = 0; when != 0 && i < tl->nsegs; i++)
        if (tl->segs[i].shmid == shmid && tl->segs[i].created == when)
            return i;
    return CLI_TL_NONE;
}

void cli_timeline_leaked(struct cli_timeline *tl, const struct cli_kseg *k,
                         uint64_t when, size_t occ)
{
    size_t i;
    struct cli_tl_seg *s;

    if (tl == NULL)
        return;
    if ((i = created_row(tl, k->shmid, when)) != CLI_TL_NONE) {
        tl->segs[i].occ = occ;
        return;
    }
    NEW_ROW(tl, segs, s);
    if (s != NULL)
        *s = (struct cli_tl_seg){.shmid = k->shmid,
                                 .cpid = k->cpid,
                                 .key = k->key,
                                 .size = k->size,
                                 .occ = occ};
}

void cli_timeline_link(struct cli_timeline *tl, size_t occ, size_t into)
{
    if (tl == NULL || occ == into)
        return;
    if (occ >= tl->cap_links) {
        size_t c = tl->cap_links ? tl->cap_links : 256, *v;
        while (c <= occ)
            c *= 2;
        /* LCOV_EXCL_BR_START: out of memory: the item stays alone */
        if ((v = realloc(tl->links, c * sizeof *v)) == NULL)
            return; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
        tl->links = v;
        tl->cap_links = c;
    }
    while (tl->nlinks <= occ)
        tl->links[tl->nlinks++] = CLI_TL_NONE;
    tl->links[occ] = into;
}

size_t cli_timeline_group(const struct cli_timeline *tl, size_t occ)
{
    /* A group is joined by occurrences folded into it, never into
     * another: one step, but a chain would be followed. */
    while (occ < tl->nlinks && tl->links[occ] != CLI_TL_NONE)
        occ = tl->links[occ];
    return occ;
}

const struct cli_tl_proc *cli_timeline_proc(const struct cli_timeline *tl,
                                            int pid)
{
    const size_t *i = shmc_table_get(&tl->procidx, (uint64_t)(uint32_t)pid);

    return i != NULL ? &tl->procs[*i] : NULL;
}

size_t cli_timeline_execs(const struct cli_timeline *tl, int pid, size_t *n)
{
    size_t lo = 0, hi = tl->nexecs, first;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->execs[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    first = lo;
    while (lo < tl->nexecs && tl->execs[lo].pid == pid)
        lo++;
    *n = lo - first;
    return first;
}
