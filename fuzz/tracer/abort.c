/*
 * abort.c - fuzz_tracer's inputs run with SHMCHECK_ON_ERROR=abort: which
 * processes end with an error in their own report (src/trace/report.c),
 * predicted from the model and from what each image did, as the tracer
 * counts it:
 *   - leaked segments: those the image created (a shmget of IPC_PRIVATE,
 *     or with IPC_CREAT of a segment its process created: the tracer
 *     takes the kernel's creator pid, which an exec keeps), not removed
 *     by it since (IPC_RMID), that at its exit still exist unmarked with
 *     no attachment but its own;
 *   - unmatched attaches, own and inherited: its live attachments;
 *   - invalid detaches: a shmdt the kernel refused in this image;
 *   - failed calls: a shmget, shmat or shmctl that failed in this image.
 * A fork or raw clone child starts with no segments and no findings but
 * its inherited attachments; an exec starts anew. Those whose findings
 * hold a kind of the input's SHMCHECK_ERRORS die of SIGABRT, having
 * removed their leaked segments (IPC_RMID, which a process that dropped
 * root may not do to a segment it made as root); the CLI then finds those
 * gone, never removed by a call of the tree: a never_removed lint each.
 */
#define _GNU_SOURCE
#include <string.h>

#include "harness.h"
#include "journal/kinds.h"

/* The input's SHMCHECK_ERRORS: its value (NULL: the default) and kinds. */
static const struct {
    const char *env;
    unsigned kinds;
} error_sets[4] = {
    {NULL, SHMC_KINDS_DEFAULT_ERRORS},
    {"SHMCHECK_ERRORS=leaked_segment", SHMC_KIND_LEAKED_SEGMENT},
    {"SHMCHECK_ERRORS=all", SHMC_KINDS_ALL},
    {"SHMCHECK_ERRORS=none", 0},
};

void abort_configure(struct world *w, const uint8_t *data, size_t size)
{
    uint8_t d = size % 4 >= 2 ? data[size - 2] : 0;

    if (!(d & 1))
        return;
    w->on_error = 1;
    w->errors = error_sets[d >> 1 & 3].kinds;
    w->errors_env = error_sets[d >> 1 & 3].env;
    note(w, "SHMCHECK_ON_ERROR=abort, %s\n",
         w->errors_env ? w->errors_env : "default errors");
}

void abort_after_get(struct world *w, int p, int32_t key, int flags,
                     const struct model_res *r)
{
    struct image *im = &w->img[p];

    if (r->err_no != 0) {
        im->failed = 1;
        return;
    }
    if (r->seg >= 0 &&
        (key == 0 || ((flags & MODEL_CREAT) &&
                      w->m.seg[r->seg].creator == w->m.proc[p].serial)))
        im->own[r->seg] = 1;
}

void abort_after_call(struct world *w, int p, int op, int seg,
                      const struct model_res *r)
{
    struct image *im = &w->img[p];

    if (op == W_DT)
        im->invalid |= r->err_no != 0;
    else if (r->err_no != 0)
        im->failed = 1;
    else if (op == W_RMID) {
        im->own[seg] = 0;  /* it leaves the image's table */
        w->swept[seg] = 0; /* a call of the tree removed it */
    }
}

void abort_new_image(struct world *w, int p)
{
    memset(&w->img[p], 0, sizeof w->img[p]);
}

/* p's live attachments of segment s. */
static unsigned live_of(const struct model_proc *pr, int s)
{
    unsigned n = 0;

    for (int a = 0; a < pr->natt; a++)
        n += pr->att[a].live && pr->att[a].seg == s;
    return n;
}

int abort_at_exit(struct world *w, int p)
{
    const struct model_proc *pr = &w->m.proc[p];
    const struct image *im = &w->img[p];
    unsigned found = (im->invalid ? SHMC_KIND_INVALID_DETACH : 0) |
                     (im->failed ? SHMC_KIND_FAILED_CALL : 0);
    int leaked[MODEL_SEGS], nl = 0;

    if (!w->on_error)
        return 0;
    for (int a = 0; a < pr->natt; a++)
        if (pr->att[a].live)
            found |= pr->att[a].inherited ? SHMC_KIND_INHERITED_UNMATCHED
                                          : SHMC_KIND_UNMATCHED_ATTACH;
    for (int s = 0; s < w->m.nseg; s++) {
        const struct model_seg *g = &w->m.seg[s];
        if (im->own[s] && g->exists && !g->marked &&
            g->nattch <= live_of(pr, s)) {
            leaked[nl++] = s;
            found |= SHMC_KIND_LEAKED_SEGMENT;
        }
    }
    if (!(found & w->errors))
        return 0;
    for (int i = 0; i < nl; i++)
        if (model_raw_rmid(&w->m, p, leaked[i]).err_no == 0)
            w->swept[leaked[i]] = 1;
    w->aborts_of_serial[pr->serial % 64] = 1;
    note(w, "p%d aborts (findings %#x, %d leaked segment(s))\n", p, found, nl);
    return 1;
}
