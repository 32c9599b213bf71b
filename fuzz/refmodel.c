/*
 * refmodel.c - the reference model of System V shared memory (refmodel.h).
 * Every function is pure: it reads and writes only the struct model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "refmodel.h"

/* A result that changes nothing and must not be run. */
static struct model_res skipped(void)
{
    return (struct model_res){.skip = 1, .seg = -1, .att = -1};
}

/* A success, before the call fills in its own fields. */
static struct model_res ok(void)
{
    return (struct model_res){.seg = -1, .att = -1};
}

/* A failure: the library code (SHMC_OK for raw calls) and errno. */
static struct model_res fail(enum shmc_err err, int err_no)
{
    struct model_res r = ok();

    r.err = err;
    r.err_no = err_no;
    return r;
}

/* Process slot p is alive (and in range). */
static int alive(const struct model *m, int p)
{
    return p >= 0 && p < MODEL_PROCS && m->proc[p].alive;
}

/* Slot s names a segment that was made (it may be destroyed since). */
static int known_seg(const struct model *m, int s)
{
    return s >= 0 && s < m->nseg;
}

/* Record a of a live process p exists. */
static int known_att(const struct model *m, int p, int a)
{
    return alive(m, p) && a >= 0 && a < m->proc[p].natt;
}

/* Appends a finding and counts it; the count stays exact when the list
 * is full. */
static void report(struct model *m, struct model_finding f)
{
    struct model_summary *s = &m->summary;

    if (f.kind == MODEL_LEAKED_SEGMENT) {
        s->leaked_segments++;
        s->leaked_bytes += f.size;
    } else if (f.kind == MODEL_UNMATCHED_ATTACH) {
        *(f.inherited ? &s->inherited_unmatched : &s->unmatched_attaches) += 1;
    } else {
        s->invalid_detaches++;
    }
    if (m->nfinding < MODEL_FINDINGS)
        m->finding[m->nfinding++] = f;
}

/* The slot of the unmarked segment with key (not IPC_PRIVATE), or -1:
 * IPC_RMID made a marked one's key private. */
static int by_key(const struct model *m, int32_t key)
{
    for (int s = 0; s < m->nseg; s++)
        if (m->seg[s].exists && !m->seg[s].marked && m->seg[s].key == key)
            return s;
    return -1;
}

/* The kernel destroys a marked segment once nobody is attached. */
static void destroy_if_done(struct model_seg *seg)
{
    if (seg->exists && seg->marked && seg->nattch == 0)
        seg->exists = 0;
}

/* Unmaps record a of process p: the segment loses one attachment. */
static void unmap(struct model *m, int p, int a)
{
    struct model_att *att = &m->proc[p].att[a];
    struct model_seg *seg = &m->seg[att->seg];

    att->live = 0;
    seg->nattch--;
    destroy_if_done(seg);
}

/* A new segment in the next slot; its index. */
static int make_seg(struct model *m, int p, int32_t key, size_t size)
{
    m->seg[m->nseg] = (struct model_seg){
        .exists = 1, .key = key, .size = size, .creator = m->proc[p].serial};
    return m->nseg++;
}

/* A new live record of seg in p; its index. The caller checked room. */
static int add_att(struct model *m, int p, int s, enum model_handle h)
{
    struct model_proc *pr = &m->proc[p];

    pr->att[pr->natt] = (struct model_att){.seg = s, .live = 1, .handle = h};
    m->seg[s].nattch++;
    return pr->natt++;
}

/* An empty world; the first processes' serials are their slots. */
void model_init(struct model *m, unsigned live_mask)
{
    memset(m, 0, sizeof *m);
    for (int p = 0; p < MODEL_PROCS; p++) {
        m->proc[p].alive = (live_mask >> p) & 1;
        m->proc[p].serial = p;
    }
    m->next_serial = MODEL_PROCS;
}

/* The address a real shmat gave record att of p. */
void model_label(struct model *m, int p, int att, uint64_t addr)
{
    if (known_att(m, p, att))
        m->proc[p].att[att].addr = addr;
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
    r.att = add_att(m, p, seg, MODEL_H_NONE);
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
            unmap(m, p, a);
            return ok();
        }
    }
    report(m, (struct model_finding){.kind = MODEL_INVALID_DETACH,
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
 * nobody is attached. Marking twice is allowed. */
struct model_res model_raw_rmid(struct model *m, int p, int seg)
{
    if (!alive(m, p) || !known_seg(m, seg))
        return skipped();
    if (!m->seg[seg].exists)
        return fail(SHMC_OK, EINVAL);
    m->seg[seg].marked = 1;
    destroy_if_done(&m->seg[seg]);
    return ok();
}

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
    r.att = add_att(m, p, seg, MODEL_H_ATTACHED);
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

/* dup_mmap(): the child gets every mapping, shm_open() counts each. */
int model_fork(struct model *m, int parent, int child)
{
    struct model_proc *c;

    if (!alive(m, parent) || child < 0 || child >= MODEL_PROCS ||
        m->proc[child].alive)
        return -1;
    c = &m->proc[child];
    *c = m->proc[parent];
    c->serial = m->next_serial++;
    for (int a = 0; a < c->natt; a++) {
        c->att[a].inherited = 1;
        if (c->att[a].live)
            m->seg[c->att[a].seg].nattch++;
    }
    return c->serial;
}

/* Exit and exec alike: every live record is an unmatched attach, and the
 * kernel detaches it. */
static void drop_all(struct model *m, int p, enum model_end how)
{
    struct model_proc *pr = &m->proc[p];

    for (int a = 0; a < pr->natt; a++) {
        if (!pr->att[a].live)
            continue;
        report(m, (struct model_finding){.kind = MODEL_UNMATCHED_ATTACH,
                                         .proc = pr->serial,
                                         .seg = pr->att[a].seg,
                                         .addr = pr->att[a].addr,
                                         .inherited = pr->att[a].inherited,
                                         .ended = how});
        unmap(m, p, a);
    }
}

/* exit_mm(): everything detached; the slot is free for a fork. */
int model_exit(struct model *m, int p)
{
    if (!alive(m, p))
        return -1;
    drop_all(m, p, MODEL_END_EXIT);
    m->proc[p].alive = 0;
    m->proc[p].natt = 0;
    return 0;
}

/* exec_mmap(): everything detached; the new image has no handles. */
int model_exec(struct model *m, int p)
{
    if (!alive(m, p))
        return -1;
    drop_all(m, p, MODEL_END_EXEC);
    for (int a = 0; a < m->proc[p].natt; a++)
        m->proc[p].att[a].handle = MODEL_H_NONE;
    return 0;
}

/* Everyone exits, then unmarked survivors are leaked segments. */
void model_finish(struct model *m)
{
    for (int p = 0; p < MODEL_PROCS; p++)
        (void)model_exit(m, p);
    for (int s = 0; s < m->nseg; s++) {
        const struct model_seg *seg = &m->seg[s];
        if (seg->exists && !seg->marked)
            report(m, (struct model_finding){.kind = MODEL_LEAKED_SEGMENT,
                                             .proc = seg->creator,
                                             .seg = s,
                                             .size = seg->size});
    }
    m->finished = 1;
}

/* JSON names of the finding kinds (../shared/DESIGN.md). */
const char *model_kind_name(enum model_kind kind)
{
    static const char *const names[] = {"leaked_segment", "unmatched_attach",
                                        "invalid_detach"};
    return (unsigned)kind < 3 ? names[kind] : "?";
}

/* "exit" or "exec", as the report's "ended_by". */
const char *model_end_name(enum model_end end)
{
    return end == MODEL_END_EXEC ? "exec" : "exit";
}
