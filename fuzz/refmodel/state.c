/*
 * state.c - the reference model's world (refmodel.h): a new world, the
 * address labels, the changes every kind of call shares (findings,
 * attachments made and unmapped), and the names of findings. Pure: it
 * reads and writes only the struct model.
 */
#define _GNU_SOURCE
#include <string.h>

#include "journal/kinds.h"
#include "state.h"

void model_report(struct model *m, struct model_finding f)
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

void model_destroy_if_done(struct model_seg *seg)
{
    if (seg->exists && seg->marked && seg->nattch == 0)
        seg->exists = 0;
}

void model_unmap(struct model *m, int p, int a)
{
    struct model_att *att = &m->proc[p].att[a];
    struct model_seg *seg = &m->seg[att->seg];

    att->live = 0;
    seg->nattch--;
    model_destroy_if_done(seg);
}

int model_add_att(struct model *m, int p, int s, enum model_handle h)
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

/* The reports' names of the finding kinds, from the table of kinds. */
const char *model_kind_name(enum model_kind kind)
{
#define MODEL_KIND_NAME_(id, ix, name, json, dflt) [SHMC_KI_##id] = name,
    static const char *const names[SHMC_KIND_COUNT] = {
        SHMC_KINDS(MODEL_KIND_NAME_)};
#undef MODEL_KIND_NAME_
    static const unsigned char kind_index[] = {
        [MODEL_LEAKED_SEGMENT] = SHMC_KI_LEAKED_SEGMENT,
        [MODEL_UNMATCHED_ATTACH] = SHMC_KI_UNMATCHED_ATTACH,
        [MODEL_INVALID_DETACH] = SHMC_KI_INVALID_DETACH,
    };

    return (unsigned)kind < sizeof kind_index ? names[kind_index[kind]] : "?";
}

/* "exit" or "exec", as the report's "ended_by". */
const char *model_end_name(enum model_end end)
{
    return end == MODEL_END_EXEC ? "exec" : "exit";
}
