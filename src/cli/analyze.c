/*
 * analyze.c - the whole analysis: every journal of the log directory
 * replayed (replay.c), the processes' ends from what the CLI reaped, the
 * processes no journal is of (untraced.c), the segments judged against
 * the kernel's view (kernel.c), and the findings put in report order
 * (what the kinds mean: docs/leak-semantics.md).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "analysis.h"
#include "signals.h"
#include "analyze.h"
#include "journal/reader.h"
#include "kernel.h"
#include "lineage.h"
#include "replay.h"
#include "timeline.h"
#include "untraced.h"

/* Every process the CLI reaped is in the run, with its end. */
static void exits(struct analysis *a)
{
    const struct cli_inputs *in = a->in;

    for (size_t i = 0; i < in->nreaped; i++)
        cli_analysis_process(a, in->reaped[i].pid);
    for (size_t i = 0; i < a->run->nprocs; i++) {
        struct cli_process *p = &a->run->procs[i];
        int status;
        if (!cli_analysis_reaped(a, p->pid, &status))
            continue;
        p->end = WIFSIGNALED(status) ? CLI_END_SIGNAL : CLI_END_EXIT;
        p->value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
        if (p->pid == in->top_pid) {
            a->run->end = p->end;
            a->run->value = p->value;
        }
    }
}

static int by_pid(const void *x, const void *y)
{
    const struct cli_process *a = x, *b = y;
    return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Errors by default first, then warnings, then the rest; within a kind by
 * the first occurrence (a group's fields are its first's): by process,
 * then in the order the process made the calls (a hash table's
 * order, or addresses that mmap hands out downwards, would reverse it),
 * then by segment, address and the order found, so that reports are the
 * same whatever the qsort (glibc's falls back from a stable merge sort to
 * quicksort when it cannot allocate). */
static int finding_order(const void *x, const void *y)
{
    static const int rank[CLI_KIND_COUNT] = {[CLI_LEAKED_SEGMENT] = 0,
                                             [CLI_INVALID_DETACH] = 1,
                                             [CLI_UNMATCHED_ATTACH] = 2,
                                             [CLI_FAILED_CALL] = 3,
                                             [CLI_LINT] = 4};
    const struct cli_finding *a = x, *b = y;

    if (rank[a->kind] != rank[b->kind])
        return rank[a->kind] - rank[b->kind];
    if (a->pid != b->pid)
        return (a->pid > b->pid) - (a->pid < b->pid);
    if (a->when != b->when)
        return (a->when > b->when) - (a->when < b->when);
    if (a->shmid != b->shmid)
        return (a->shmid > b->shmid) - (a->shmid < b->shmid);
    if (a->addr != b->addr)
        return (a->addr > b->addr) - (a->addr < b->addr);
    return (a->order > b->order) - (a->order < b->order);
}

/* Every journal in the log directory, in version order of their names. */
static void replay_all(struct analysis *a)
{
    const char *dir = a->in->log_dir;
    struct dirent **names = NULL;
    char path[4096];
    int n = scandir(dir, &names, shmc_journal_entry, versionsort);

    if (n < 0) {
        a->oom = errno == ENOMEM;
        cli_analysis_warn(a, "%s: cannot list journals: %s", dir,
                          strerror(errno));
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        cli_replay_journal(a, path);
        free(names[i]);
    }
    free(names);
}

/* What the signals sent to shmcheck did to the tree (signals.h). */
static void interrupted(struct analysis *a)
{
    const struct cli_interrupt *i = a->in->intr;

    if (i == NULL || i->sig == 0)
        return;
    if (i->killed)
        cli_analysis_warn(a,
                          "the run was stopped by a second SIG%s: the "
                          "processes of the tree still running were "
                          "killed (SIGKILL)",
                          sigabbrev_np(i->sig) ? sigabbrev_np(i->sig) : "?");
    else if (i->after_top)
        cli_analysis_warn(a,
                          "SIG%s came after the program ended: it was "
                          "forwarded to the processes of the tree still "
                          "running",
                          sigabbrev_np(i->sig) ? sigabbrev_np(i->sig) : "?");
}

/* The run's start on the journals' clock, which the reports give times
 * from: the earliest start of a tracer in the log directory (the top
 * program's), kept in the journals, so that --replay gives the same
 * times; the CLI's own start when no journal has one. */
static uint64_t start_of(const struct analysis *a)
{
    uint64_t start = 0;

    for (size_t i = 0; i < a->nkins; i++) {
        uint64_t t = a->kins[i].journal ? a->kins[i].start_ns : 0;
        if (t != 0 && (start == 0 || t < start))
            start = t;
    }
    return start != 0 ? start : a->in->start_mono_ns;
}

int cli_analyze(const struct cli_inputs *in, struct cli_run *run)
{
    struct analysis a;

    cli_analysis_init(&a, in, run);
    replay_all(&a);
    cli_lineage_finish(&a);
    a.repeat = 0; /* what follows judges segments, no replayed record */
    run->start_ns = start_of(&a);
    exits(&a);
    cli_untraced_known(&a);
    cli_judge_segments(&a);
    cli_timeline_settle(a.tl, in->kernel, in->nkernel);
    cli_analysis_end(&a); /* before the processes are sorted */
    if (run->nprocs)      /* qsort's array may not be NULL, even when empty */
        qsort(run->procs, run->nprocs, sizeof *run->procs, by_pid);
    cli_untraced_report(&a);
    interrupted(&a);
    if (cli_group_finish(&a.groups, run) != 0)
        a.oom = 1;
    cli_groups_destroy(&a.groups);
    if (run->nfindings)
        qsort(run->findings, run->nfindings, sizeof *run->findings,
              finding_order);
    cli_summarize(run);
    return a.oom ? -1 : 0;
}
