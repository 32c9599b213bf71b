/*
 * html_data.c - the data of the HTML report (API: html_data.h; the
 * format: docs/report-format.md, "HTML report"): rows as arrays, times in
 * microseconds since the run's start, each item linked to the finding of
 * the report it is part of.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "html_data.h"
#include "journal/kinds.h"
#include "journal/table.h"
#include "json.h"
#include "report.h"
#include "sources.h"

struct data {
    struct cli_json *j;
    const struct cli_run *run;
    const struct cli_timeline *tl;
    struct shmc_table index; /* a group's id -> int64_t: its index in the
                                report's findings (the suppressed left
                                out)                                  */
};

/* t (the journals' clock, 0 unknown) in microseconds since the run's
 * start; -1 when unknown. */
static int64_t us(const struct data *d, uint64_t t)
{
    if (t == 0)
        return -1;
    return t <= d->run->start_ns ? 0 : (int64_t)((t - d->run->start_ns) / 1000);
}

/* The index in the report of the finding occurrence occ is part of, or
 * -1 (none, suppressed). */
static int64_t finding_of(const struct data *d, size_t occ)
{
    const int64_t *k;

    if (occ == CLI_TL_NONE)
        return -1;
    k = shmc_table_get(&d->index, (uint64_t)cli_timeline_group(d->tl, occ));
    return k != NULL ? *k : -1;
}

/* [pid, ppid, start, end, [exec, ...], traced], one per process of the
 * report, in its order. */
static void put_processes(struct data *d)
{
    struct cli_json *j = d->j;

    cli_json_key_array(j, "processes");
    for (size_t i = 0; i < d->run->nprocs; i++) {
        const struct cli_process *p = &d->run->procs[i];
        const struct cli_tl_proc *t = cli_timeline_proc(d->tl, p->pid);
        size_t n, e = cli_timeline_execs(d->tl, p->pid, &n);
        cli_json_array(j);
        cli_json_int(j, p->pid);
        cli_json_int(j, p->ppid);
        cli_json_int(j, us(d, t != NULL ? t->start : 0));
        cli_json_int(j, us(d, t != NULL ? t->end : 0));
        cli_json_array(j);
        for (size_t k = e; k < e + n; k++)
            cli_json_int(j, us(d, d->tl->execs[k].when));
        cli_json_end(j);
        cli_json_int(j, p->traced != 0);
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* [shmid, key, size, creator_pid, created, removed, gone, finding]. */
static void put_segments(struct data *d)
{
    struct cli_json *j = d->j;

    cli_json_key_array(j, "segments");
    for (size_t i = 0; i < d->tl->nsegs; i++) {
        const struct cli_tl_seg *s = &d->tl->segs[i];
        cli_json_array(j);
        cli_json_int(j, s->shmid);
        cli_json_uint(j, (uint32_t)s->key);
        cli_json_uint(j, s->size);
        cli_json_int(j, s->cpid);
        cli_json_int(j, us(d, s->created));
        cli_json_int(j, us(d, s->removed));
        cli_json_int(j, us(d, s->gone));
        cli_json_int(j, finding_of(d, s->occ));
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* [pid, shmid, "0xaddr", attached, ended, how, finding]. */
static void put_attachments(struct data *d)
{
    struct cli_json *j = d->j;

    cli_json_key_array(j, "attachments");
    for (size_t i = 0; i < d->tl->natts; i++) {
        const struct cli_tl_att *t = &d->tl->atts[i];
        cli_json_array(j);
        cli_json_int(j, t->pid);
        cli_json_int(j, t->shmid);
        cli_json_stringf(j, "0x%" PRIx64, t->addr);
        cli_json_int(j, us(d, t->attached));
        cli_json_int(j, us(d, t->ended));
        cli_json_int(j, t->how);
        cli_json_int(j, finding_of(d, t->occ));
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* [pid, time, kind, finding]. */
static void put_markers(struct data *d)
{
    struct cli_json *j = d->j;

    cli_json_key_array(j, "markers");
    for (size_t i = 0; i < d->tl->nmarks; i++) {
        const struct cli_tl_mark *m = &d->tl->marks[i];
        cli_json_array(j);
        cli_json_int(j, m->pid);
        cli_json_int(j, us(d, m->when));
        cli_json_int(j, m->kind);
        cli_json_int(j, finding_of(d, m->occ));
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* {"INDEX": {"file", "line", "frame", "first", "lines"}}: the lines
 * around the call of each of the report's first findings that has a
 * readable one. */
static void put_sources(struct data *d)
{
    static struct cli_source src; /* 1.4 KiB: not on the stack */
    struct cli_json *j = d->j;
    size_t k = 0;
    char key[32];

    cli_json_key_object(j, "sources");
    for (size_t i = 0; i < d->run->nfindings; i++) {
        const struct cli_finding *f = &d->run->findings[i];
        if (f->suppressed)
            continue;
        if (k++ >= CLI_SOURCE_MAX_FINDINGS)
            break;
        if (!cli_source_read(&f->stack, &src))
            continue;
        snprintf(key, sizeof key, "%zu", k - 1);
        cli_json_key_object(j, key);
        cli_json_key_string(j, "file", src.file);
        cli_json_key_int(j, "line", src.line);
        cli_json_key_int(j, "frame", src.frame);
        cli_json_key_int(j, "first", src.first);
        cli_json_key_array(j, "lines");
        for (unsigned l = 0; l < src.nlines; l++)
            cli_json_string(j, src.lines[l]);
        cli_json_end(j);
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* Each group's index in the report; 0, or -1 when memory ran out. */
static int index_findings(struct data *d)
{
    int64_t k = 0, *slot;

    for (size_t i = 0; i < d->run->nfindings; i++) {
        if (d->run->findings[i].suppressed)
            continue;
        slot = shmc_table_put(&d->index, d->run->findings[i].id, NULL);
        if (slot == NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
            return -1;    /* LCOV_EXCL_LINE */
        *slot = k++;
    }
    return 0;
}

void cli_html_data(struct cli_json *j, const struct cli_run *run,
                   const struct cli_timeline *tl)
{
    struct data d = {.j = j, .run = run, .tl = tl};

    shmc_table_init(&d.index, sizeof(int64_t));
    if (index_findings(&d) != 0) /* LCOV_EXCL_BR_LINE: no memory */
        cli_json_fail(j);        /* LCOV_EXCL_LINE */
    cli_json_object(j);
    cli_json_key(j, "report");
    cli_report_json_value(j, run);
    /* Which kinds are errors: --errors, which the report does not say. */
    cli_json_key_array(j, "errors");
    for (unsigned ix = 0; shmc_kind_name(ix) != NULL; ix++)
        if (run->errors & (1u << ix))
            cli_json_string(j, shmc_kind_name(ix));
    cli_json_end(j);
    cli_json_key_object(j, "timeline");
    cli_json_key_string(j, "unit", "us");
    cli_json_key_int(j, "end", us(&d, tl->end));
    put_processes(&d);
    put_segments(&d);
    put_attachments(&d);
    put_markers(&d);
    put_sources(&d);
    cli_json_key_uint(j, "dropped", tl->dropped);
    cli_json_end(j);
    cli_json_end(j);
    shmc_table_destroy(&d.index);
}
