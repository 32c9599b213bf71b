/*
 * raw.c - the reference model's raw calls (refmodel.h: model_raw_*):
 * what shmget, shmat, shmdt and shmctl return, each with the kernel
 * function whose checks it follows. Pure: it reads and writes only the
 * struct model.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "state.h"

/* The slot of the unmarked segment with key (not IPC_PRIVATE), or -1:
 * IPC_RMID made a marked one's key private. */
static int by_key(const struct model *m, int32_t key)
{
    for (int s = 0; s < m->nseg; s++)
        if (m->seg[s].exists && !m->seg[s].marked && m->seg[s].key == key)
            return s;
    return -1;
}

/* A new segment in the next slot; its index. */
static int make_seg(struct model *m, int p, int32_t key, size_t size)
{
    m->seg[m->nseg] =
        (struct model_seg){.exists = 1,
                           .key = key,
                           .size = size,
                           .creator = m->proc[p].serial,
                           .unprivileged = m->proc[p].unprivileged};
    return m->nseg++;
}

/* ipcget(): a key finds an unmarked segment, else IPC_CREAT makes one;
 * newseg() refuses size 0 (< SHMMIN); shm_more_checks() a size larger
 * than the segment's. */
struct model_res model_raw_get(struct model *m, int p, int32_t key, size_t size,
                               int flags)
{
    struct model_res r = ok();
    int s = key == 0 ? -1 : by_key(m, key);

    if (!alive(m, p))
        return skipped();
    if (s >= 0 && (flags & MODEL_CREAT) && (flags & MODEL_EXCL))
        return fail(SHMC_OK, EEXIST);
    if (s >= 0 && size > m->seg[s].size)
        return fail(SHMC_OK, EINVAL);
    if (s < 0 && key != 0 && !(flags & MODEL_CREAT))
        return fail(SHMC_OK, ENOENT);
    if (s < 0 && size == 0)
        return fail(SHMC_OK, EINVAL);
    if (s < 0 && m->nseg == MODEL_SEGS)
        return skipped();
    r.created = s < 0;
    r.seg = s >= 0 ? s : make_seg(m, p, key, size);
    return r;
}

/* do_shmat(): a destroyed id is EINVAL; a marked segment attaches. */
struct model_res model_raw_at(struct model *m, int p, int seg)
{
    struct model_res r = ok();

    if (!alive(m, p) || !known_seg(m, seg) || m->proc[p].natt == MODEL_ATTS)
        return skipped();
    if (!m->seg[seg].exists)
        return fail(SHMC_OK, EINVAL);
    r.att = model_add_att(m, p, seg, MODEL_H_NONE);
    return r;
}

/* ksys_shmdt(): the shm mapping that starts at addr in this process. */
struct model_res model_raw_dt(struct model *m, int p, uint64_t addr)
{
    struct model_proc *pr;

    if (!alive(m, p))
        return skipped();
    pr = &m->proc[p];
    for (int a = 0; a < pr->natt; a++) {
        if (pr->att[a].live && pr->att[a].addr == addr) {
            model_unmap(m, p, a);
            return ok();
        }
    }
    model_report(m, (struct model_finding){.kind = MODEL_INVALID_DETACH,
                                           .proc = pr->serial,
                                           .seg = -1,
                                           .addr = addr});
    return fail(SHMC_OK, EINVAL);
}

/* shmctl(IPC_STAT): works on a marked segment, EINVAL on a destroyed
 * one. */
struct model_res model_raw_stat(struct model *m, int p, int seg)
{
    struct model_res r = ok();
    const struct model_seg *s;

    if (!alive(m, p) || !known_seg(m, seg))
        return skipped();
    s = &m->seg[seg];
    if (!s->exists)
        return fail(SHMC_OK, EINVAL);
    r.size = s->size;
    r.nattch = s->nattch;
    r.marked = s->marked;
    r.creator = s->creator;
    return r;
}

/* do_shm_rmid(): mark and make the key private, or destroy at once when
 * nobody is attached. Marking twice is allowed. ipcctl_obtain_check():
 * only the creator's user, the owner's or CAP_SYS_ADMIN may. */
struct model_res model_raw_rmid(struct model *m, int p, int seg)
{
    if (!alive(m, p) || !known_seg(m, seg))
        return skipped();
    if (!m->seg[seg].exists)
        return fail(SHMC_OK, EINVAL);
    if (m->proc[p].unprivileged && !m->seg[seg].unprivileged)
        return fail(SHMC_OK, EPERM);
    m->seg[seg].marked = 1;
    model_destroy_if_done(&m->seg[seg]);
    return ok();
}
