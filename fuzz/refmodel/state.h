/*
 * state.h - what the files of the reference model (fuzz/refmodel/) share: the
 * outcomes a call starts from, the checks of its arguments, and the
 * changes of the world more than one kind of call makes. Internal to the
 * model; drivers use refmodel.h.
 */
#ifndef SHMC_FUZZ_REFMODEL_STATE_H
#define SHMC_FUZZ_REFMODEL_STATE_H

#include "../refmodel.h"

/* A result that changes nothing and must not be run. */
static inline struct model_res skipped(void)
{
    return (struct model_res){.skip = 1, .seg = -1, .att = -1};
}

/* A success, before the call fills in its own fields. */
static inline struct model_res ok(void)
{
    return (struct model_res){.seg = -1, .att = -1};
}

/* A failure: the library code (SHMC_OK for raw calls) and errno. */
static inline struct model_res fail(enum shmc_err err, int err_no)
{
    struct model_res r = ok();

    r.err = err;
    r.err_no = err_no;
    return r;
}

/* Process slot p is alive (and in range). */
static inline int alive(const struct model *m, int p)
{
    return p >= 0 && p < MODEL_PROCS && m->proc[p].alive;
}

/* Slot s names a segment that was made (it may be destroyed since). */
static inline int known_seg(const struct model *m, int s)
{
    return s >= 0 && s < m->nseg;
}

/* Record a of a live process p exists. */
static inline int known_att(const struct model *m, int p, int a)
{
    return alive(m, p) && a >= 0 && a < m->proc[p].natt;
}

/* Appends a finding and counts it; the count stays exact when the list
 * is full. */
void model_report(struct model *m, struct model_finding f);

/* The kernel destroys a marked segment once nobody is attached. */
void model_destroy_if_done(struct model_seg *seg);

/* Unmaps record a of process p: the segment loses one attachment. */
void model_unmap(struct model *m, int p, int a);

/* A new live record of seg in p; its index. The caller checked room. */
int model_add_att(struct model *m, int p, int s, enum model_handle h);

#endif
