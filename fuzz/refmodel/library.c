/*
 * library.c - the reference model's library calls (refmodel.h:
 * model_lib_*): what shmc_segment_*, shmc_attach, shmc_detach and
 * shmc_release return, as the raw calls they make (raw.c) and the checks
 * the library makes before the kernel. Pure: it reads and writes only the
 * struct model.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "state.h"

/* The library validates the size, then shmget(IPC_CREAT | IPC_EXCL):
 * EEXIST is SHMC_E_EXISTS. */
struct model_res model_lib_create(struct model *m, int p, int32_t key,
                                  size_t size)
{
    struct model_res r;

    if (!alive(m, p))
        return skipped();
    if (size == 0)
        return fail(SHMC_E_SIZE_ZERO, EINVAL);
    r = model_raw_get(m, p, key, size, MODEL_CREAT | MODEL_EXCL);
    if (!r.skip && r.err_no == EEXIST)
        r.err = SHMC_E_EXISTS;
    return r;
}

/* Create; on SHMC_E_EXISTS, open with the same size (segment.c). */
struct model_res model_lib_create_or_open(struct model *m, int p, int32_t key,
                                          size_t size)
{
    struct model_res r = model_lib_create(m, p, key, size);

    return r.err == SHMC_E_EXISTS ? model_lib_open(m, p, key, size) : r;
}

/* The library refuses IPC_PRIVATE, then shmget(key, min, 0): ENOENT is
 * SHMC_E_NOT_FOUND, EINVAL SHMC_E_TOO_SMALL; IPC_STAT gives the size. */
struct model_res model_lib_open(struct model *m, int p, int32_t key,
                                size_t min_size)
{
    struct model_res r;

    if (!alive(m, p))
        return skipped();
    if (key == 0)
        return fail(SHMC_E_OPEN_PRIVATE, EINVAL);
    r = model_raw_get(m, p, key, min_size, 0);
    if (r.err_no == ENOENT)
        r.err = SHMC_E_NOT_FOUND;
    else if (r.err_no == EINVAL)
        r.err = SHMC_E_TOO_SMALL;
    else
        r.size = m->seg[r.seg].size;
    return r;
}

/* shmat at a kernel-chosen address: EINVAL means SHMC_E_REMOVED. */
struct model_res model_lib_attach(struct model *m, int p, int seg)
{
    struct model_res r;

    if (!alive(m, p) || !known_seg(m, seg) || m->proc[p].natt == MODEL_ATTS)
        return skipped();
    if (!m->seg[seg].exists)
        return fail(SHMC_E_REMOVED, EINVAL);
    r = ok();
    r.att = model_add_att(m, p, seg, MODEL_H_ATTACHED);
    return r;
}

/* The library's handle check (check_attached in attach.c): a detached or
 * zeroed handle never reaches the kernel. */
static struct model_res check_handle(const struct model_att *att)
{
    if (att->handle == MODEL_H_DETACHED)
        return fail(SHMC_E_ALREADY_DETACHED, EINVAL);
    if (att->handle == MODEL_H_NONE)
        return fail(SHMC_E_HANDLE_INVALID, EINVAL);
    return ok();
}

/* The library's final shmdt of record a's address: EINVAL from shmdt is
 * SHMC_E_KERNEL_INVALID and leaves the handle attached. */
static struct model_res lib_dt(struct model *m, int p, int a)
{
    struct model_res r = model_raw_dt(m, p, m->proc[p].att[a].addr);

    if (r.err_no != 0)
        return fail(SHMC_E_KERNEL_INVALID, r.err_no);
    m->proc[p].att[a].handle = MODEL_H_DETACHED;
    return r;
}

/* shmc_detach: the handle check, then shmdt of the record's address. */
struct model_res model_lib_detach(struct model *m, int p, int att)
{
    struct model_res r;

    if (!known_att(m, p, att))
        return skipped();
    r = check_handle(&m->proc[p].att[att]);
    return r.err != SHMC_OK ? r : lib_dt(m, p, att);
}

/* shmc_release in attach.c: IPC_STAT, IPC_RMID when last, then shmdt. */
struct model_res model_lib_release(struct model *m, int p, int att)
{
    struct model_res r;
    struct model_seg *seg;
    int last;

    if (!known_att(m, p, att))
        return skipped();
    r = check_handle(&m->proc[p].att[att]);
    if (r.err != SHMC_OK)
        return r;
    seg = &m->seg[m->proc[p].att[att].seg];
    if (!seg->exists)
        return fail(SHMC_E_REMOVED, EINVAL);
    last = seg->nattch == 1 && !seg->marked;
    if (last)
        seg->marked = 1; /* nattch is 1: marked, not destroyed */
    r = lib_dt(m, p, att);
    r.removed = r.err == SHMC_OK ? last : 0;
    return r;
}

/* IPC_STAT through the library: EINVAL (destroyed) is SHMC_E_REMOVED. */
struct model_res model_lib_stat(struct model *m, int p, int seg)
{
    struct model_res r = model_raw_stat(m, p, seg);

    if (r.err_no != 0)
        r.err = SHMC_E_REMOVED;
    return r;
}

/* IPC_RMID through the library: EINVAL is SHMC_E_REMOVED. */
struct model_res model_lib_remove(struct model *m, int p, int seg)
{
    struct model_res r = model_raw_rmid(m, p, seg);

    if (r.err_no != 0)
        r.err = SHMC_E_REMOVED;
    return r;
}
