/*
 * report_json.c - the JSON report, shmcheck's stable interface (its
 * format: docs/report-format.md; what this writer adds: report.h), and the
 * helpers the reports share.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "journal/textbuf.h"
#include "json.h"
#include "report.h"
#include "shmcheck.h"

static void put_file(void *arg, const char *text, size_t len)
{
    fwrite(text, 1, len, arg);
}

void cli_report_put_escaped(FILE *out, const char *s)
{
    struct shmc_textbuf t;
    char buf[256];

    if (s == NULL)
        return;
    shmc_textbuf_init_flush(&t, buf, sizeof buf, put_file, out);
    shmc_textbuf_put_escaped(&t, s, strlen(s));
    shmc_textbuf_flush(&t);
}

const char *cli_report_errno_name(int err, char buf[CLI_ERRNO_NAME_MAX])
{
    const char *name = strerrorname_np(err);

    if (name != NULL)
        return name;
    snprintf(buf, CLI_ERRNO_NAME_MAX, "%d", err);
    return buf;
}

const char *cli_report_end_name(enum cli_end end)
{
    switch (end) {
    case CLI_END_EXIT:
        return "exit";
    case CLI_END_EXEC:
        return "exec";
    case CLI_END_SIGNAL:
        return "signal";
    default:
        return NULL;
    }
}

void cli_report_occurrences(const struct cli_finding *f,
                            struct cli_report_occ *o)
{
    o->count = f->count;
    o->first = f->first;
    o->last = f->last;
    o->pids = f->pids;
    o->npids = f->npids;
    if (f->count == 0 || f->npids == 0) {
        o->count = f->count ? f->count : 1;
        o->first = o->last = (struct cli_occurrence){f->pid, f->when};
        o->pids = &f->pid;
        o->npids = 1;
    }
}

int64_t cli_report_since_start(const struct cli_run *run,
                               struct cli_occurrence o, int *known)
{
    *known = o.when != 0 && run->start_ns != 0;
    return *known ? (int64_t)(o.when - run->start_ns) : 0;
}

/* {"pid": P, "time_s": seconds since the run's start, or null}. */
static void put_occurrence(struct cli_json *j, const char *key,
                           const struct cli_run *run, struct cli_occurrence o)
{
    int known;
    int64_t ns = cli_report_since_start(run, o, &known);

    cli_json_key_object(j, key);
    cli_json_key_int(j, "pid", o.pid);
    cli_json_key(j, "time_s");
    if (known)
        cli_json_seconds(j, ns);
    else
        cli_json_null(j);
    cli_json_end(j);
}

void cli_report_put_occurrences(struct cli_json *j, const struct cli_run *run,
                                const struct cli_finding *f)
{
    struct cli_report_occ o;

    cli_report_occurrences(f, &o);
    cli_json_key_uint(j, "count", o.count);
    put_occurrence(j, "first", run, o.first);
    put_occurrence(j, "last", run, o.last);
    cli_json_key_array(j, "pids");
    for (size_t i = 0; i < o.npids; i++)
        cli_json_int(j, o.pids[i]);
    cli_json_end(j);
}

/* Every segment of a leak's group (the finding's own when it has no
 * list: one made without the analysis). */
static void put_segments(struct cli_json *j, const struct cli_finding *f)
{
    struct cli_segment own = {
        f->shmid, f->key, f->size, f->creator_pid, f->seen_by_kernel, f->when};
    const struct cli_segment *v = f->nsegments ? f->segments : &own;
    size_t n = f->nsegments ? f->nsegments : 1;

    cli_json_key_array(j, "segments");
    for (size_t i = 0; i < n; i++) {
        cli_json_object(j);
        cli_json_key_int(j, "shmid", v[i].shmid);
        cli_json_key_stringf(j, "key", "0x%08" PRIx32, (uint32_t)v[i].key);
        cli_json_key_uint(j, "size", v[i].size);
        cli_json_key_int(j, "creator_pid", v[i].creator_pid);
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* An exit is {"status": N} or {"signal": N}; an unknown end (or an exec,
 * which ends no process) has no status: {"status": null}. */
static void put_exit(struct cli_json *j, enum cli_end end, int value)
{
    cli_json_object(j);
    if (end == CLI_END_SIGNAL) {
        cli_json_key_int(j, "signal", value);
    } else if (end == CLI_END_EXIT) {
        cli_json_key_int(j, "status", value);
    } else {
        cli_json_key(j, "status");
        cli_json_null(j);
    }
    cli_json_end(j);
}

static void put_strings(struct cli_json *j, char *const *v)
{
    cli_json_array(j);
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        cli_json_string(j, v[i]);
    cli_json_end(j);
}

static void put_frame(struct cli_json *j, const struct cli_frame *fr)
{
    cli_json_object(j);
    cli_json_key_stringf(j, "pc", "0x%" PRIx64, fr->pc);
    cli_json_key_string(j, "function", fr->function);
    cli_json_key_string(j, "file", fr->file);
    cli_json_key(j, "line");
    if (fr->line > 0)
        cli_json_int(j, fr->line);
    else
        cli_json_null(j);
    cli_json_key_string(j, "module", fr->module);
    cli_json_key_stringf(j, "offset", "0x%" PRIx64, fr->offset);
    cli_json_end(j);
}

static void put_stack(struct cli_json *j, const struct cli_stack *st)
{
    unsigned n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;

    cli_json_key_array(j, "stack");
    for (unsigned i = 0; i < n; i++)
        put_frame(j, &st->f[i]);
    cli_json_end(j);
}

static void put_errno(struct cli_json *j, int err)
{
    char buf[CLI_ERRNO_NAME_MAX];

    cli_json_key_string(j, "errno", cli_report_errno_name(err, buf));
}

static void put_leaked_segment(struct cli_json *j, const struct cli_finding *f)
{
    cli_json_key_int(j, "shmid", f->shmid);
    cli_json_key_stringf(j, "key", "0x%08" PRIx32, (uint32_t)f->key);
    cli_json_key_uint(j, "size", f->size);
    cli_json_key_int(j, "creator_pid", f->creator_pid);
    cli_json_key_string(j, "seen_by", f->seen_by_kernel ? "kernel" : "tracer");
}

static void put_unmatched_attach(struct cli_json *j,
                                 const struct cli_finding *f)
{
    cli_json_key_int(j, "pid", f->pid);
    cli_json_key_int(j, "shmid", f->shmid);
    cli_json_key_stringf(j, "addr", "0x%" PRIx64, f->addr);
    cli_json_key_bool(j, "inherited", f->inherited);
    cli_json_key_string(j, "ended_by", cli_report_end_name(f->ended_by));
}

static void put_invalid_detach(struct cli_json *j, const struct cli_finding *f)
{
    cli_json_key_int(j, "pid", f->pid);
    cli_json_key_stringf(j, "addr", "0x%" PRIx64, f->addr);
    put_errno(j, f->err);
}

static void put_failed_call(struct cli_json *j, const struct cli_finding *f)
{
    cli_json_key_int(j, "pid", f->pid);
    cli_json_key_string(j, "call", f->call);
    cli_json_key_array(j, "args");
    for (size_t i = 0; i < sizeof f->args / sizeof f->args[0]; i++)
        cli_json_int(j, f->args[i]);
    cli_json_end(j);
    put_errno(j, f->err);
}

/* A lint's message is part of its shape, null when missing. */
static void put_lint(struct cli_json *j, const struct cli_finding *f)
{
    cli_json_key_string(j, "rule", f->rule);
    cli_json_key_int(j, "pid", f->pid);
    if (f->shmid >= 0)
        cli_json_key_int(j, "shmid", f->shmid);
    cli_json_key_string(j, "message", f->message);
}

typedef void put_fields_fn(struct cli_json *j, const struct cli_finding *f);

/* The fields between "kind" and "stack", by kind. */
static put_fields_fn *const put_fields[CLI_KIND_COUNT] = {
    [CLI_LEAKED_SEGMENT] = put_leaked_segment,
    [CLI_UNMATCHED_ATTACH] = put_unmatched_attach,
    [CLI_INVALID_DETACH] = put_invalid_detach,
    [CLI_FAILED_CALL] = put_failed_call,
    [CLI_LINT] = put_lint,
};

static void put_finding(struct cli_json *j, const struct cli_run *run,
                        const struct cli_finding *f)
{
    cli_json_object(j);
    cli_json_key_string(j, "kind", cli_kind_name(f->kind));
    if ((unsigned)f->kind < CLI_KIND_COUNT)
        put_fields[f->kind](j, f);
    else
        cli_json_key_int(j, "pid", f->pid);
    if (f->kind != CLI_LINT && f->message != NULL)
        cli_json_key_string(j, "message", f->message);
    cli_report_put_occurrences(j, run, f);
    if (f->kind == CLI_LEAKED_SEGMENT)
        put_segments(j, f);
    put_stack(j, &f->stack);
    cli_json_end(j);
}

static void put_process(struct cli_json *j, const struct cli_process *p)
{
    cli_json_object(j);
    cli_json_key_int(j, "pid", p->pid);
    cli_json_key_int(j, "ppid", p->ppid);
    cli_json_key(j, "argv");
    put_strings(j, p->argv);
    cli_json_key(j, "exit");
    put_exit(j, p->end, p->value);
    cli_json_key_bool(j, "traced", p->traced);
    if (!p->traced && p->reason != NULL)
        cli_json_key_string(j, "reason", p->reason);
    if (!p->traced && p->name != NULL)
        cli_json_key_string(j, "comm", p->name);
    cli_json_end(j);
}

static void put_summary(struct cli_json *j, const struct cli_summary *s)
{
    cli_json_object(j);
    cli_json_key_uint(j, "leaked_segments", s->leaked_segments);
    cli_json_key_uint(j, "leaked_bytes", s->leaked_bytes);
    cli_json_key_uint(j, "unmatched_attaches", s->unmatched_attaches);
    cli_json_key_uint(j, "inherited_unmatched", s->inherited_unmatched);
    cli_json_key_uint(j, "invalid_detaches", s->invalid_detaches);
    cli_json_key_uint(j, "suppressed", s->suppressed);
    cli_json_key_uint(j, "failed_calls", s->failed_calls);
    cli_json_key_uint(j, "lints", s->lints);
    cli_json_end(j);
}

void cli_report_json_value(struct cli_json *j, const struct cli_run *run)
{
    cli_json_object(j);
    cli_json_key_string(j, "tool", "shmcheck");
    cli_json_key_string(j, "version", SHMC_VERSION_STRING);
    cli_json_key(j, "command");
    put_strings(j, run->command);
    cli_json_key(j, "exit");
    put_exit(j, run->end, run->value);
    cli_json_key_array(j, "processes");
    for (size_t i = 0; i < run->nprocs; i++)
        put_process(j, &run->procs[i]);
    cli_json_end(j);
    cli_json_key_array(j, "findings");
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed)
            put_finding(j, run, &run->findings[i]);
    cli_json_end(j);
    cli_json_key(j, "summary");
    put_summary(j, &run->summary);
    cli_json_key(j, "warnings");
    put_strings(j, run->warnings);
    cli_json_end(j);
}

int cli_report_json(const struct cli_run *run, FILE *out)
{
    struct cli_json j;

    cli_json_init(&j, out);
    cli_report_json_value(&j, run);
    return cli_json_finish(&j);
}
