/*
 * cleanup.c - the end of every input: everything it made detached and
 * removed, then the IPC namespace must be empty (outside a private
 * namespace: every id the input made must be gone).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "oracle.h"

void cleanup(struct run *r)
{
    while (r->natts > 0) {
        int n = r->natts;
        do_dt(r, r->atts[n - 1].addr);
        if (r->natts == n) /* failing, and shmdt failed: forget it */
            r->natts--;
    }
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && !r->segs[i].marked)
            do_ctl(r, r->segs[i].id, IPC_RMID, NULL);
    if (r->map && r->reserved)
        munmap(r->map, r->map_len);
    r->map = NULL;
}

void sweep(void)
{
    union ctlbuf b;
    int max;

    if (!facts.ns || (max = shmctl(0, IPC_INFO, &b.ds)) < 0)
        return;
    for (int i = 0; i <= max; i++) {
        int id = shmctl(i, SHM_STAT_ANY, &b.ds);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

void check_empty(struct run *r)
{
    union ctlbuf b;

    if (facts.ns) {
        if (shmctl(0, SHM_INFO, &b.ds) < 0 || b.sinfo.used_ids != 0)
            fail(r, "segment left behind", NULL, b.sinfo.used_ids, 0,
                 "shmctl(0, SHM_INFO): used_ids after cleanup");
        return;
    }
    for (int i = 0; i < r->nsegs; i++)
        if (shmctl(r->segs[i].id, IPC_STAT, &b.ds) == 0)
            fail(r, "segment left behind", NULL, r->segs[i].id, 0,
                 "shmctl(%d, IPC_STAT) after cleanup", r->segs[i].id);
}
