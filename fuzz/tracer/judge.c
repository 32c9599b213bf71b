/*
 * judge.c - fuzz_tracer's verdict: the CLI's analysis (cli_analyze) over
 * the tracer's journals and the kernel's segments must find exactly the
 * model's leaked segments, unmatched attaches and invalid detaches.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "harness.h"

/* A finding as both sides can state it. */
struct key {
    int kind, pid, shmid, inherited, ended;
    uint64_t addr;
};

static int key_cmp(const void *x, const void *y)
{
    return memcmp(x, y, sizeof(struct key));
}

static size_t expected(struct world *w, struct key *k, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < w->m.nfinding && n < max; i++) {
        const struct model_finding *f = &w->m.finding[i];
        struct key *e = &k[n++];
        memset(e, 0, sizeof *e);
        e->pid = w->pid_of_serial[f->proc];
        e->shmid = -1;
        switch (f->kind) {
        case MODEL_LEAKED_SEGMENT:
            e->kind = CLI_LEAKED_SEGMENT;
            e->shmid = w->shmid_of_seg[f->seg];
            break;
        case MODEL_UNMATCHED_ATTACH:
            e->kind = CLI_UNMATCHED_ATTACH;
            e->shmid = w->shmid_of_seg[f->seg];
            e->addr = f->addr;
            e->inherited = f->inherited;
            e->ended = f->ended == MODEL_END_EXEC ? CLI_END_EXEC : CLI_END_EXIT;
            break;
        default:
            e->kind = CLI_INVALID_DETACH;
            e->addr = f->addr;
            break;
        }
    }
    return n;
}

static size_t found(const struct cli_run *run, struct key *k, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nfindings && n < max; i++) {
        const struct cli_finding *f = &run->findings[i];
        struct key *e;
        if (f->kind != CLI_LEAKED_SEGMENT && f->kind != CLI_UNMATCHED_ATTACH &&
            f->kind != CLI_INVALID_DETACH)
            continue;
        e = &k[n++];
        memset(e, 0, sizeof *e);
        e->kind = (int)f->kind;
        e->pid = f->kind == CLI_LEAKED_SEGMENT ? f->creator_pid : f->pid;
        e->shmid = f->kind == CLI_INVALID_DETACH ? -1 : f->shmid;
        if (f->kind != CLI_LEAKED_SEGMENT)
            e->addr = f->addr;
        if (f->kind == CLI_UNMATCHED_ATTACH) {
            e->inherited = f->inherited;
            e->ended = (int)f->ended_by;
        }
    }
    return n;
}

void judge(struct world *w, int top)
{
    static struct key want[MODEL_FINDINGS], got[MODEL_FINDINGS];
    struct cli_kseg *kernel = NULL;
    struct cli_run run = {0};
    long nk = cli_kernel_segments(NULL, &kernel);
    struct cli_inputs in = {
        journal_dir, kernel, nk > 0 ? (size_t)nk : 0, NULL, 0, top, 0};

    if (cli_analyze(&in, &run) != 0)
        fail(w, "analysis ran out of memory");
    size_t nw = expected(w, want, MODEL_FINDINGS);
    size_t ng = found(&run, got, MODEL_FINDINGS);
    qsort(want, nw, sizeof *want, key_cmp);
    qsort(got, ng, sizeof *got, key_cmp);
    if (nw != ng || memcmp(want, got, nw * sizeof *want) != 0) {
        for (size_t i = 0; i < nw; i++)
            note(w, "model: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
                 want[i].kind, want[i].pid, want[i].shmid,
                 (unsigned long long)want[i].addr, want[i].inherited,
                 want[i].ended);
        for (size_t i = 0; i < ng; i++)
            note(w, "found: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
                 got[i].kind, got[i].pid, got[i].shmid,
                 (unsigned long long)got[i].addr, got[i].inherited,
                 got[i].ended);
        for (size_t i = 0; run.warnings && run.warnings[i]; i++)
            note(w, "warning: %s\n", run.warnings[i]);
        fail(w, "the tracer's findings differ from the model's");
    }
    cli_run_free(&run);
    free(kernel);
}
