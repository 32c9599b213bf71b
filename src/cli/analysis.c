/*
 * analysis.c - an analysis's bookkeeping: the run's growing lists of
 * processes, findings and warnings, running out of memory noted rather
 * than fatal, and stack frames placed in their modules.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"

void *cli_analysis_grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? 2 * *cap : 16;
    void *q = realloc(p, c * size);
    if (q != NULL)
        *cap = c;
    return q;
}

void *cli_analysis_need(struct analysis *a, void *p)
{
    if (p == NULL)
        a->oom = 1;
    return p;
}

void cli_analysis_warn(struct analysis *a, const char *fmt, ...)
{
    struct cli_run *run = a->run;
    char *text;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    char **w = cli_analysis_grow(run->warnings, &a->cap_warnings,
                                 run->nwarnings + 1, sizeof *w);
    if (w != NULL) { /* the run owns it, and frees it, from now on */
        run->warnings = w;
        w[run->nwarnings] = NULL;
    }
    if (text == NULL || w == NULL) {
        free(text);
        a->oom = 1;
        return;
    }
    w[run->nwarnings++] = text;
    w[run->nwarnings] = NULL;
}

struct cli_finding *cli_analysis_finding(struct analysis *a, enum cli_kind kind,
                                         int pid)
{
    struct cli_finding *f;

    if (cli_group_fold(&a->groups, a->run) != 0)
        a->oom = 1;
    f = cli_group_new(&a->groups, a->run, &a->cap_findings, kind, pid,
                      a->repeat);
    if (f == NULL)
        a->oom = 1;
    return f;
}

struct cli_process *cli_analysis_find_process(const struct cli_run *run,
                                              int pid)
{
    for (size_t i = 0; i < run->nprocs; i++)
        if (run->procs[i].pid == pid)
            return &run->procs[i];
    return NULL;
}

struct cli_process *cli_analysis_process(struct analysis *a, int pid)
{
    struct cli_run *run = a->run;
    struct cli_process *p = cli_analysis_find_process(run, pid);

    if (p != NULL)
        return p;
    p = cli_analysis_grow(run->procs, &a->cap_procs, run->nprocs, sizeof *p);
    if (p == NULL) {
        a->oom = 1;
        return NULL;
    }
    run->procs = p;
    p = &p[run->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->ppid = -1;
    return p;
}

int cli_analysis_lost(struct analysis *a, const char *path,
                      const struct shmc_jheader *h)
{
    static const char *const why[SHMC_JLOST_MAX] = {
        [SHMC_JLOST_NOSPACE] = "no space for the journal",
        [SHMC_JLOST_FSIZE] = "the file size limit (RLIMIT_FSIZE)",
        [SHMC_JLOST_CAP] = "the journal's size cap",
        [SHMC_JLOST_FILE] = "the journal file was removed or replaced",
    };
    const char *reason = h->lost_reason < SHMC_JLOST_MAX && why[h->lost_reason]
                             ? why[h->lost_reason]
                             : "the journal could not grow";

    if (h->lost == 0)
        return 0;
    a->lost = 1;
    cli_analysis_warn(a,
                      "%s: pid %d lost %llu record(s) (%s%s%s): its "
                      "attachments could not be checked (no unmatched_attach "
                      "for it) nor the segments it may have removed (no "
                      "never_removed lint in this run)",
                      path, (int)h->pid, (unsigned long long)h->lost, reason,
                      h->lost_errno ? ": " : "",
                      h->lost_errno ? strerror(h->lost_errno) : "");
    return 1;
}

size_t cli_journal_extent(int fd, size_t size)
{
    off_t hole = lseek(fd, 0, SEEK_HOLE);

    return hole >= 0 && (size_t)hole < size ? (size_t)hole : size;
}

int cli_analysis_reaped(const struct cli_inputs *in, int pid, int *status)
{
    for (size_t i = 0; i < in->nreaped; i++)
        if (in->reaped[i].pid == pid) {
            *status = in->reaped[i].status;
            return 1;
        }
    return 0;
}

void cli_image_stack(const struct image *im, const struct shmc_jrec *r,
                     struct cli_stack *out)
{
    const uint64_t *pcs = shmc_jrec_frames(r);

    out->n = 0;
    /* LCOV_EXCL_BR_START: the reader passes no more than SHMC_JMAX_FRAMES,
     * which is CLI_MAX_FRAMES; the bound is for safety should they part */
    for (unsigned i = 0; i < r->nframes && i < CLI_MAX_FRAMES; i++) {
        /* LCOV_EXCL_BR_STOP */
        struct cli_frame *f = &out->f[out->n++];
        memset(f, 0, sizeof *f);
        f->pc = pcs[i];
        for (size_t m = 0; m < im->nmods; m++)
            if (pcs[i] >= im->mods[m].start && pcs[i] < im->mods[m].end) {
                f->module = im->mods[m].path;
                f->offset = pcs[i] - im->mods[m].bias;
                break;
            }
    }
}
