/*
 * judge.c - fuzz_tracer's verdict: the CLI's analysis (cli_analyze) over
 * the tracer's journals, the kernel's segments and the reaped processes
 * must find exactly the model's leaked segments, unmatched attaches and
 * invalid detaches, and a never_removed lint only for a segment that a
 * process aborting (SHMCHECK_ON_ERROR=abort, abort.c) removed, and no
 * call of the tree since (every other removal here is the tree's own);
 * and every image of every worker has a journal.
 *
 * A process whose journal lost records (its header's lost count: the
 * cap of a capped run) is judged by what the analysis promises for it
 * (docs/leak-semantics.md, "Lost journal records"): its unmatched
 * attaches and invalid detaches must be some of the model's (none
 * invented), no more. Leaked segments are the kernel's view: exact
 * whoever lost records.
 *
 * The model's findings are each one occurrence, so the analysis is run
 * ungrouped (cli_inputs.ungrouped) to compare them one by one; then
 * grouped as the CLI runs it, which must account for the same
 * occurrences: per kind the same count, the same processes, and every
 * leaked segment in its leak's group.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "harness.h"
#include "journal/reader.h"

/* A finding as both sides can state it. */
struct key {
    int kind, pid, shmid, inherited, ended;
    uint64_t addr;
};

/* The findings of both sides, the processes that lost records, and the
 * shmids of the never_removed lints. */
struct sides {
    struct key want[MODEL_FINDINGS], got[MODEL_FINDINGS];
    size_t nwant, ngot;
    int lossy[64];
    size_t nlossy;
    int lint[MODEL_FINDINGS];
    size_t nlint;
};

static int key_cmp(const void *x, const void *y)
{
    return memcmp(x, y, sizeof(struct key));
}

static void expected(struct world *w, struct sides *sd)
{
    for (int i = 0; i < w->m.nfinding && sd->nwant < MODEL_FINDINGS; i++) {
        const struct model_finding *f = &w->m.finding[i];
        struct key *e = &sd->want[sd->nwant++];
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
}

static void found(struct world *w, const struct cli_run *run, struct sides *sd)
{
    for (size_t i = 0; i < run->nfindings && sd->ngot < MODEL_FINDINGS; i++) {
        const struct cli_finding *f = &run->findings[i];
        struct key *e;
        if (f->kind == CLI_LINT && f->rule != NULL &&
            strcmp(f->rule, "never_removed") == 0 &&
            sd->nlint < MODEL_FINDINGS) {
            note(w, "found: never_removed lint, shmid %d\n", f->shmid);
            sd->lint[sd->nlint++] = f->shmid;
        }
        if (f->kind != CLI_LEAKED_SEGMENT && f->kind != CLI_UNMATCHED_ATTACH &&
            f->kind != CLI_INVALID_DETACH)
            continue;
        e = &sd->got[sd->ngot++];
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
}

/* Journal file name's header, if it counts lost records: its pid noted
 * in sd. Only the cap of a capped run may take records: a journal that
 * could not grow otherwise (a worker that dropped root, say, not let
 * reopen it) is a failure, not a loss to forgive. */
static void check_loss(struct world *w, struct sides *sd, int dir,
                       const char *name)
{
    struct shmc_jheader h;
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);

    if (fd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
        memcmp(h.magic, SHMC_JMAGIC, 8) == 0 && h.lost != 0) {
        note(w, "%s lost %llu record(s): reason %u, errno %d\n", name,
             (unsigned long long)h.lost, h.lost_reason, h.lost_errno);
        if (w->cap == 0 || h.lost_reason != SHMC_JLOST_CAP)
            fail(w, "a journal lost records, not to the cap");
        if (sd->nlossy < 64)
            sd->lossy[sd->nlossy++] = h.pid;
    }
    if (fd >= 0)
        close(fd);
}

/* Every journal: which lost records; and every worker has one per image
 * (its first, and one per exec), so none ran untraced, findings or
 * not. */
static void check_journals(struct world *w, struct sides *sd)
{
    DIR *d = opendir(journal_dir);
    struct dirent *e;
    int images[64] = {0}, pid;

    while (d && (e = readdir(d)) != NULL) {
        if (!shmc_journal_name(e->d_name))
            continue;
        check_loss(w, sd, dirfd(d), e->d_name);
        for (int s = 0; s < 64 && sscanf(e->d_name, "%d.", &pid) == 1; s++)
            images[s] += pid == w->pid_of_serial[s];
    }
    if (d)
        closedir(d);
    for (int s = 0; s < 64; s++)
        if (w->pid_of_serial[s] != 0 &&
            images[s] != 1 + w->execs_of_serial[s]) {
            note(w, "pid %d: %d journal(s), %d image(s)\n", w->pid_of_serial[s],
                 images[s], 1 + w->execs_of_serial[s]);
            fail(w, "a worker's image has no journal of its own");
        }
}

/* A never_removed lint for each segment an abort removed and no call of
 * the tree after it, and no other: the tree removes every other segment
 * itself. None when a journal lost records (the CLI then judges none). */
static void lints_agree(struct world *w, const struct sides *sd)
{
    size_t want = 0;

    for (int s = 0; s < w->m.nseg; s++) {
        size_t i = 0;
        if (!w->swept[s] || sd->nlossy > 0)
            continue;
        want++;
        while (i < sd->nlint && sd->lint[i] != w->shmid_of_seg[s])
            i++;
        if (i == sd->nlint)
            fail(w, "no never_removed lint for a segment an abort removed");
    }
    if (sd->nlint != want)
        fail(w, "a never_removed lint, though the tree removed it");
}

/* Whether k is a finding of a process that lost records. */
static int of_lossy(const struct sides *sd, const struct key *k)
{
    for (size_t i = 0; k->kind != CLI_LEAKED_SEGMENT && i < sd->nlossy; i++)
        if (sd->lossy[i] == k->pid)
            return 1;
    return 0;
}

/* Both sorted. Every found finding must be the model's, once each; the
 * model's ones must all be found but those of lossy processes. */
static int agree(const struct sides *sd)
{
    size_t i = 0, j = 0;

    while (i < sd->nwant || j < sd->ngot) {
        int c = i == sd->nwant  ? 1
                : j == sd->ngot ? -1
                                : key_cmp(&sd->want[i], &sd->got[j]);
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0 && of_lossy(sd, &sd->want[i])) {
            i++; /* lost with its process's records */
        } else {
            return 0;
        }
    }
    return 1;
}

/* The report says which process lost records (a warning). */
static void warned(struct world *w, const struct sides *sd,
                   const struct cli_run *run)
{
    char what[32];

    for (size_t i = 0; i < sd->nlossy; i++) {
        size_t k = 0;
        snprintf(what, sizeof what, "pid %d lost ", sd->lossy[i]);
        while (run->warnings && run->warnings[k] &&
               strstr(run->warnings[k], what) == NULL)
            k++;
        if (run->warnings == NULL || run->warnings[k] == NULL)
            fail(w, "no warning of a journal's lost records");
    }
}

static void show(struct world *w, const struct sides *sd,
                 const struct cli_run *run)
{
    for (size_t i = 0; i < sd->nwant; i++)
        note(w, "model: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
             sd->want[i].kind, sd->want[i].pid, sd->want[i].shmid,
             (unsigned long long)sd->want[i].addr, sd->want[i].inherited,
             sd->want[i].ended);
    for (size_t i = 0; i < sd->ngot; i++)
        note(w, "found: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
             sd->got[i].kind, sd->got[i].pid, sd->got[i].shmid,
             (unsigned long long)sd->got[i].addr, sd->got[i].inherited,
             sd->got[i].ended);
    for (size_t i = 0; run->warnings && run->warnings[i]; i++)
        note(w, "warning: %s\n", run->warnings[i]);
}

/* The occurrences of kind k in run, the pids they were in (a bit of
 * 1 << (pid % 64) each) and the sum of its leaks' shmids (grouped, their
 * segments'). */
struct tally {
    unsigned long long count, pids, shmids;
};

static struct tally tally(const struct cli_run *run, int k)
{
    struct tally t = {0, 0, 0};

    for (size_t i = 0; i < run->nfindings; i++) {
        const struct cli_finding *f = &run->findings[i];
        if ((int)f->kind != k)
            continue;
        t.count += f->count;
        for (size_t p = 0; p < f->npids; p++)
            t.pids |= 1ull << ((unsigned)f->pids[p] % 64);
        for (size_t s = 0; s < f->nsegments; s++)
            t.shmids += (unsigned)f->segments[s].shmid;
    }
    return t;
}

/* The grouped analysis accounts for every occurrence of the ungrouped
 * one (whose findings are each one record's). */
static void grouped_agrees(struct world *w, const struct cli_inputs *in,
                           const struct cli_run *each)
{
    struct cli_inputs grouped = *in;
    struct cli_run run = {0};

    grouped.ungrouped = 0;
    if (cli_analyze(&grouped, &run) != 0)
        fail(w, "analysis ran out of memory");
    for (int k = 0; k < CLI_KIND_COUNT; k++) {
        struct tally a = tally(each, k), b = tally(&run, k);
        if (a.count != b.count || a.pids != b.pids || a.shmids != b.shmids) {
            note(w, "kind %d: %llu occurrence(s) apart, %llu grouped\n", k,
                 a.count, b.count);
            fail(w, "the grouped findings differ from the ungrouped ones");
        }
    }
    if (run.nfindings > each->nfindings)
        fail(w, "grouping made more findings");
    cli_run_free(&run);
}

void judge(struct world *w, int top)
{
    static struct sides sd;
    struct cli_reaped reaped[64];
    struct cli_kseg *kernel = NULL;
    struct cli_run run = {0};
    long nk = cli_kernel_segments(NULL, &kernel);
    size_t nr = 0;

    if (shared_ns && nk > 0) { /* the others' segments are not the tree's */
        long kept = 0;
        for (long i = 0; i < nk; i++)
            if (tree_segment(w, &kernel[i]))
                kernel[kept++] = kernel[i];
        nk = kept;
    }
    for (int s = 0; s < 64; s++)
        if (w->pid_of_serial[s] != 0)
            reaped[nr++] = (struct cli_reaped){w->pid_of_serial[s],
                                               w->status_of_serial[s]};
    struct cli_inputs in = {.log_dir = journal_dir,
                            .kernel = kernel,
                            .nkernel = nk > 0 ? (size_t)nk : 0,
                            .reaped = reaped,
                            .nreaped = nr,
                            .top_pid = top,
                            .ungrouped = 1};
    if (cli_analyze(&in, &run) != 0)
        fail(w, "analysis ran out of memory");
    grouped_agrees(w, &in, &run);
    memset(&sd, 0, sizeof sd);
    expected(w, &sd);
    found(w, &run, &sd);
    check_journals(w, &sd);
    warned(w, &sd, &run);
    lints_agree(w, &sd);
    note(w, "model %zu, found %zu finding(s)\n", sd.nwant, sd.ngot);
    qsort(sd.want, sd.nwant, sizeof *sd.want, key_cmp);
    qsort(sd.got, sd.ngot, sizeof *sd.got, key_cmp);
    if (!agree(&sd)) {
        show(w, &sd, &run);
        fail(w, "the tracer's findings differ from the model's");
    }
    cli_run_free(&run);
    free(kernel);
}
