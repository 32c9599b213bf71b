/*
 * report_json.c - the JSON report, the stable interface of
 * ../shared/DESIGN.md "JSON report" (additions: report.h), and the helpers
 * the reports share.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "shmcheck.h"

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

/* DESIGN.md has only {"status": N} and {"signal": N}: an unknown end
 * (or an exec, which ends no process) has no status. */
static void put_exit(struct json *j, enum cli_end end, int value)
{
    json_object(j);
    if (end == CLI_END_SIGNAL) {
        json_key_int(j, "signal", value);
    } else if (end == CLI_END_EXIT) {
        json_key_int(j, "status", value);
    } else {
        json_key(j, "status");
        json_null(j);
    }
    json_end(j);
}

static void put_strings(struct json *j, char *const *v)
{
    json_array(j);
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_string(j, v[i]);
    json_end(j);
}

static void put_frame(struct json *j, const struct cli_frame *fr)
{
    json_object(j);
    json_key_stringf(j, "pc", "0x%" PRIx64, fr->pc);
    json_key_string(j, "function", fr->function);
    json_key_string(j, "file", fr->file);
    json_key(j, "line");
    if (fr->line > 0)
        json_int(j, fr->line);
    else
        json_null(j);
    json_key_string(j, "module", fr->module);
    json_key_stringf(j, "offset", "0x%" PRIx64, fr->offset);
    json_end(j);
}

static void put_stack(struct json *j, const struct cli_stack *st)
{
    unsigned n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;

    json_key_array(j, "stack");
    for (unsigned i = 0; i < n; i++)
        put_frame(j, &st->f[i]);
    json_end(j);
}

static void put_errno(struct json *j, int err)
{
    char buf[CLI_ERRNO_NAME_MAX];

    json_key_string(j, "errno", cli_report_errno_name(err, buf));
}

static void put_leaked_segment(struct json *j, const struct cli_finding *f)
{
    json_key_int(j, "shmid", f->shmid);
    json_key_stringf(j, "key", "0x%08" PRIx32, (uint32_t)f->key);
    json_key_uint(j, "size", f->size);
    json_key_int(j, "creator_pid", f->creator_pid);
    json_key_string(j, "seen_by", f->seen_by_kernel ? "kernel" : "tracer");
}

static void put_unmatched_attach(struct json *j, const struct cli_finding *f)
{
    json_key_int(j, "pid", f->pid);
    json_key_int(j, "shmid", f->shmid);
    json_key_stringf(j, "addr", "0x%" PRIx64, f->addr);
    json_key_bool(j, "inherited", f->inherited);
    json_key_string(j, "ended_by", cli_report_end_name(f->ended_by));
}

static void put_invalid_detach(struct json *j, const struct cli_finding *f)
{
    json_key_int(j, "pid", f->pid);
    json_key_stringf(j, "addr", "0x%" PRIx64, f->addr);
    put_errno(j, f->err);
}

static void put_failed_call(struct json *j, const struct cli_finding *f)
{
    json_key_int(j, "pid", f->pid);
    json_key_string(j, "call", f->call);
    json_key_array(j, "args");
    for (size_t i = 0; i < sizeof f->args / sizeof f->args[0]; i++)
        json_int(j, f->args[i]);
    json_end(j);
    put_errno(j, f->err);
}

/* A lint's message is part of its shape, null when missing. */
static void put_lint(struct json *j, const struct cli_finding *f)
{
    json_key_string(j, "rule", f->rule);
    json_key_int(j, "pid", f->pid);
    if (f->shmid >= 0)
        json_key_int(j, "shmid", f->shmid);
    json_key_string(j, "message", f->message);
}

static void put_finding(struct json *j, const struct cli_finding *f)
{
    json_object(j);
    json_key_string(j, "kind", cli_kind_name(f->kind));
    switch (f->kind) {
    case CLI_LEAKED_SEGMENT:
        put_leaked_segment(j, f);
        break;
    case CLI_UNMATCHED_ATTACH:
        put_unmatched_attach(j, f);
        break;
    case CLI_INVALID_DETACH:
        put_invalid_detach(j, f);
        break;
    case CLI_FAILED_CALL:
        put_failed_call(j, f);
        break;
    case CLI_LINT:
        put_lint(j, f);
        break;
    default:
        json_key_int(j, "pid", f->pid);
        break;
    }
    if (f->kind != CLI_LINT && f->message != NULL)
        json_key_string(j, "message", f->message);
    put_stack(j, &f->stack);
    json_end(j);
}

static void put_process(struct json *j, const struct cli_process *p)
{
    json_object(j);
    json_key_int(j, "pid", p->pid);
    json_key_int(j, "ppid", p->ppid);
    json_key(j, "argv");
    put_strings(j, p->argv);
    json_key(j, "exit");
    put_exit(j, p->end, p->value);
    json_end(j);
}

static void put_summary(struct json *j, const struct cli_summary *s)
{
    json_object(j);
    json_key_uint(j, "leaked_segments", s->leaked_segments);
    json_key_uint(j, "leaked_bytes", s->leaked_bytes);
    json_key_uint(j, "unmatched_attaches", s->unmatched_attaches);
    json_key_uint(j, "inherited_unmatched", s->inherited_unmatched);
    json_key_uint(j, "invalid_detaches", s->invalid_detaches);
    json_key_uint(j, "suppressed", s->suppressed);
    json_key_uint(j, "failed_calls", s->failed_calls);
    json_key_uint(j, "lints", s->lints);
    json_end(j);
}

int cli_report_json(const struct cli_run *run, FILE *out)
{
    struct json j;

    json_init(&j, out);
    json_object(&j);
    json_key_string(&j, "tool", "shmcheck");
    json_key_string(&j, "version", SHMC_VERSION_STRING);
    json_key(&j, "command");
    put_strings(&j, run->command);
    json_key(&j, "exit");
    put_exit(&j, run->end, run->value);
    json_key_array(&j, "processes");
    for (size_t i = 0; i < run->nprocs; i++)
        put_process(&j, &run->procs[i]);
    json_end(&j);
    json_key_array(&j, "findings");
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed)
            put_finding(&j, &run->findings[i]);
    json_end(&j);
    json_key(&j, "summary");
    put_summary(&j, &run->summary);
    json_key(&j, "warnings");
    put_strings(&j, run->warnings);
    json_end(&j);
    return json_finish(&j);
}
