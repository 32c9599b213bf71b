/*
 * process.c - the reference model's process events (refmodel.h):
 * fork, exit, exec, dropping root, and the end of the whole tree, which
 * turns what is left into findings. Pure: it reads and writes only the
 * struct model.
 */
#define _GNU_SOURCE

#include "state.h"

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
        model_report(m,
                     (struct model_finding){.kind = MODEL_UNMATCHED_ATTACH,
                                            .proc = pr->serial,
                                            .seg = pr->att[a].seg,
                                            .addr = pr->att[a].addr,
                                            .inherited = pr->att[a].inherited,
                                            .ended = how});
        model_unmap(m, p, a);
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
    m->proc[p].unprivileged = 0;
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

/* setuid(): the credentials are the process's, copied by fork, kept by
 * exec (no set-user-ID program here). */
int model_drop_root(struct model *m, int p)
{
    if (!alive(m, p) || m->proc[p].unprivileged)
        return -1;
    m->proc[p].unprivileged = 1;
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
            model_report(m, (struct model_finding){.kind = MODEL_LEAKED_SEGMENT,
                                                   .proc = seg->creator,
                                                   .seg = s,
                                                   .size = seg->size});
    }
    m->finished = 1;
}
