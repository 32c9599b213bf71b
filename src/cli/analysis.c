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
#include <sys/ipc.h>
#include <unistd.h>

#include "analysis.h"

void cli_analysis_init(struct analysis *a, const struct cli_inputs *in,
                       struct cli_run *run)
{
    memset(a, 0, sizeof *a);
    a->in = in;
    a->run = run;
    shmc_table_init(&a->created, sizeof(struct created));
    shmc_table_init(&a->removed, 1);
    shmc_table_init(&a->sizes, sizeof(uint64_t));
    shmc_table_init(&a->exited, sizeof(uint64_t));
    shmc_table_init(&a->procidx, sizeof(size_t));
    shmc_table_init(&a->lineage, CLI_LINEAGE_VALUE);
    cli_groups_init(&a->groups, in->ungrouped);
    a->tl = a->groups.tl = in->timeline;
    cli_depot_init(&a->depot);
}

void cli_analysis_end(struct analysis *a)
{
    shmc_table_destroy(&a->created);
    shmc_table_destroy(&a->removed);
    shmc_table_destroy(&a->sizes);
    shmc_table_destroy(&a->exited);
    shmc_table_destroy(&a->procidx);
    shmc_table_destroy(&a->reapidx);
    shmc_table_destroy(&a->lineage);
    a->reaped_indexed = 0;
    cli_depot_destroy(&a->depot);
    free(a->kins);
    a->kins = NULL;
    a->nkins = a->cap_kins = 0;
}

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

struct cli_process *cli_analysis_find_process(const struct analysis *a, int pid)
{
    const struct cli_run *run = a->run;
    const size_t *i;

    /* The index has every process the analysis added, unless memory ran
     * out (or a test made the analysis by hand): then search. */
    if (a->procidx.count == run->nprocs) {
        i = shmc_table_get(&a->procidx, (uint64_t)(uint32_t)pid);
        return i != NULL ? &run->procs[*i] : NULL;
    }
    for (size_t k = 0; k < run->nprocs; k++)
        if (run->procs[k].pid == pid)
            return &run->procs[k];
    return NULL;
}

struct cli_process *cli_analysis_process(struct analysis *a, int pid)
{
    struct cli_run *run = a->run;
    struct cli_process *p = cli_analysis_find_process(a, pid);
    size_t *i;

    if (p != NULL)
        return p;
    p = cli_analysis_grow(run->procs, &a->cap_procs, run->nprocs, sizeof *p);
    if (p == NULL) {
        a->oom = 1;
        return NULL;
    }
    run->procs = p;
    if (a->procidx.value_size == 0) /* a zeroed analysis */
        shmc_table_init(&a->procidx, sizeof(size_t));
    /* LCOV_EXCL_BR_START: shmc_table_put is NULL only if mmap fails */
    if (a->procidx.count == run->nprocs &&
        (i = shmc_table_put(&a->procidx, (uint64_t)(uint32_t)pid, NULL)) !=
            NULL)
        *i = run->nprocs;
    /* LCOV_EXCL_BR_STOP */
    p = &p[run->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->ppid = -1;
    return p;
}

int cli_analysis_created_size(const struct analysis *a, int shmid,
                              uint64_t *size)
{
    const struct created *c = shmc_table_get(&a->created, (uint64_t)shmid);
    const uint64_t *s = shmc_table_get(&a->sizes, (uint64_t)shmid);

    if (c != NULL)
        *size = c->size;
    else if (s != NULL)
        *size = *s;
    return c != NULL || s != NULL;
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

/* The index of the reaped processes by pid; 0, or -1 when memory ran
 * out (then the list is searched). The first of a pid listed twice
 * counts, as a search finds it. */
static int index_reaped(struct analysis *a)
{
    const struct cli_inputs *in = a->in;
    int existed;

    shmc_table_init(&a->reapidx, sizeof(size_t));
    for (size_t i = 0; i < in->nreaped; i++) {
        size_t *k = shmc_table_put(
            &a->reapidx, (uint64_t)(uint32_t)in->reaped[i].pid, &existed);
        if (k == NULL) { /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
            shmc_table_destroy(&a->reapidx); /* LCOV_EXCL_LINE */
            return -1;                       /* LCOV_EXCL_LINE */
        }
        if (!existed)
            *k = i;
    }
    a->reaped_indexed = 1;
    return 0;
}

int cli_analysis_reaped(struct analysis *a, int pid, int *status)
{
    const struct cli_inputs *in = a->in;
    const size_t *k;

    /* index_reaped fails only if mmap fails */
    if (a->reaped_indexed || index_reaped(a) == 0) { /* LCOV_EXCL_BR_LINE */
        if ((k = shmc_table_get(&a->reapidx, (uint64_t)(uint32_t)pid)) == NULL)
            return 0;
        *status = in->reaped[*k].status;
        return 1;
    }
    for (size_t i = 0; i < in->nreaped; i++) /* LCOV_EXCL_START: no memory */
        if (in->reaped[i].pid == pid) {
            *status = in->reaped[i].status;
            return 1;
        }
    return 0; /* LCOV_EXCL_STOP */
}

void cli_image_stack(const struct image *im, const struct shmc_jrec *r,
                     struct cli_stack *out)
{
    cli_image_place(im, shmc_jrec_frames(r), r->nframes, out);
}

void cli_image_place(const struct image *im, const uint64_t *pcs, unsigned n,
                     struct cli_stack *out)
{
    out->n = 0;
    /* LCOV_EXCL_BR_START: the reader passes no more than SHMC_JMAX_FRAMES,
     * which is CLI_MAX_FRAMES; the bound is for safety should they part */
    for (unsigned i = 0; i < n && i < CLI_MAX_FRAMES; i++) {
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

/* A creation of shmid done with (its IPC_RMID replayed): nothing of it
 * is needed but, for a segment made with a key, its size, which a join
 * replayed later is compared with (lints.c, size_mismatch). A segment
 * made IPC_PRIVATE cannot be joined: nothing is kept. */
static void forget(struct analysis *a, int shmid, const struct created *c)
{
    uint64_t *size;

    if (c->key == IPC_PRIVATE) {
        shmc_table_del(&a->sizes, (uint64_t)shmid);
        return;
    }
    size =
        cli_analysis_need(a, shmc_table_put(&a->sizes, (uint64_t)shmid, NULL));
    if (size != NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
        *size = c->size;
}

void cli_analysis_created(struct analysis *a, int shmid,
                          const struct created *c)
{
    struct created *e;

    shmc_table_del(&a->sizes, (uint64_t)shmid); /* this one's size now */
    if (shmc_table_del(&a->removed, (uint64_t)shmid)) {
        forget(a, shmid, c); /* a journal replayed before removed it */
        return;
    }
    e = cli_analysis_need(a,
                          shmc_table_put(&a->created, (uint64_t)shmid, NULL));
    if (e != NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
        *e = *c;
}

void cli_analysis_removed(struct analysis *a, int shmid)
{
    struct created *c = shmc_table_get(&a->created, (uint64_t)shmid);

    if (c != NULL) {
        forget(a, shmid, c);
        shmc_table_del(&a->created, (uint64_t)shmid);
        return;
    }
    cli_analysis_need(a, shmc_table_put(&a->removed, (uint64_t)shmid, NULL));
}
