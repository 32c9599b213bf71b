/*
 * text.c - the human report: one block per finding, its stack as
 * `function file:line (module+offset)`, for a repeated one how many times
 * in which processes, and one grep-able SUMMARY line.
 * What the program or the file system named is escaped (report.h), so
 * each line is one line and the SUMMARY line is the only one.
 */
#define _GNU_SOURCE
#include <string.h>

#include "report.h"   /* cli_report_errno_name */
#include "suppress.h" /* CLI_SUPP_SUGGEST_MAX */
#include "text.h"

#define P "==shmcheck== "

/* Every text that a program or the file system chose (argv, comm, paths,
 * function names, messages quoting them) is written escaped: a newline or
 * a terminal escape in it must not forge a report line. */
#define E(out, s) cli_report_put_escaped(out, s)

static const char *level(const struct cli_text_opts *o,
                         const struct cli_finding *f, const char **on,
                         const char **off)
{
    int error = cli_finding_is_error(f, o->errors);
    *on = o->color ? (error ? "\033[1;31m" : "\033[1;33m") : "";
    *off = o->color ? "\033[0m" : "";
    return error ? "ERROR" : "WARNING";
}

static void command(const struct cli_run *run, int pid, FILE *out)
{
    for (size_t i = 0; i < run->nprocs; i++) {
        const struct cli_process *p = &run->procs[i];
        if (p->pid != pid)
            continue;
        if (p->argv == NULL && !p->traced && p->name != NULL) {
            fputs(" (", out);
            E(out, p->name);
            fputs(")", out);
        }
        if (p->argv == NULL)
            return;
        fputs(" (", out);
        for (int k = 0; k < p->argc && k < 8; k++) {
            fputs(k ? " " : "", out);
            E(out, p->argv[k]);
        }
        fputs(p->argc > 8 ? " ...)" : ")", out);
        return;
    }
}

static void stack(const struct cli_stack *s, FILE *out)
{
    for (unsigned i = 0; i < s->n; i++) {
        const struct cli_frame *f = &s->f[i];
        const char *mod = f->module ? strrchr(f->module, '/') : NULL;
        fprintf(out, P "    #%u 0x%llx in ", i, (unsigned long long)f->pc);
        E(out, f->function ? f->function : "??");
        if (f->file) {
            fputc(' ', out);
            E(out, f->file);
            fprintf(out, ":%d", f->line);
        }
        if (f->module) {
            fputs(" (", out);
            E(out, mod ? mod + 1 : f->module);
            fprintf(out, "+0x%llx)", (unsigned long long)f->offset);
        }
        fputc('\n', out);
    }
}

static const char *ended(enum cli_end e)
{
    return e == CLI_END_EXEC     ? "exec"
           : e == CLI_END_SIGNAL ? "a signal"
                                 : "exit";
}

static void headline(const struct cli_run *run, const struct cli_finding *f,
                     FILE *out)
{
    char num[CLI_ERRNO_NAME_MAX];

    switch (f->kind) {
    case CLI_LEAKED_SEGMENT:
        fprintf(out,
                "leaked segment: shmid %d key 0x%08x, %llu bytes, created "
                "by pid %d",
                f->shmid, (unsigned)f->key, (unsigned long long)f->size,
                f->creator_pid);
        command(run, f->creator_pid, out);
        fputs(f->seen_by_kernel ? ", seen by the kernel only (no journal "
                                  "has its creation):\n"
                                : ", never removed (IPC_RMID):\n",
              out);
        break;
    case CLI_UNMATCHED_ATTACH:
        fprintf(out, "unmatched attach%s: shmid %d at 0x%llx in pid %d",
                f->inherited ? " (inherited through fork)" : "", f->shmid,
                (unsigned long long)f->addr, f->pid);
        command(run, f->pid, out);
        fprintf(out, ", never detached before %s; attached at:\n",
                ended(f->ended_by));
        break;
    case CLI_INVALID_DETACH:
        fprintf(out, "invalid detach: shmdt(0x%llx) -> %s in pid %d",
                (unsigned long long)f->addr, cli_report_errno_name(f->err, num),
                f->pid);
        command(run, f->pid, out);
        fputs(": ", out);
        E(out, f->message ? f->message : "not attached");
        fputs(":\n", out);
        break;
    case CLI_FAILED_CALL:
        fputs("failed call: ", out);
        E(out, f->call);
        fprintf(out, " -> %s in pid %d", cli_report_errno_name(f->err, num),
                f->pid);
        command(run, f->pid, out);
        fputs(f->message ? ": shmcheck: " : "", out);
        E(out, f->message);
        fputs(":\n", out);
        break;
    default:
        fputs("lint ", out);
        E(out, f->rule);
        fputs(": ", out);
        E(out, f->message);
        fprintf(out, " (shmid %d, pid %d):\n", f->shmid, f->pid);
        break;
    }
}

/* How many pids (or shmids) an occurrence line names before "and N
 * more": all of them are in --json. */
#define SHOWN_IDS 10

static void occurrence(const struct cli_run *run, const char *which,
                       struct cli_occurrence o, FILE *out)
{
    int known;
    int64_t ns = cli_report_since_start(run, o, &known);

    if (known)
        fprintf(out, ", %s at %s%lld.%03lld s (pid %d)", which,
                ns < 0 ? "-" : "+", (long long)(ns < 0 ? -ns : ns) / 1000000000,
                (long long)((ns < 0 ? -ns : ns) % 1000000000) / 1000000, o.pid);
    else
        fprintf(out, ", %s in pid %d", which, o.pid);
}

/* A group of more than one occurrence: how many, in which processes,
 * when; for a leak, its segments. */
static void occurrences(const struct cli_run *run, const struct cli_finding *f,
                        FILE *out)
{
    struct cli_report_occ o;

    cli_report_occurrences(f, &o);
    if (o.count <= 1)
        return;
    fprintf(out, P "  %llu times in %zu process%s (pid%s ",
            (unsigned long long)o.count, o.npids, o.npids == 1 ? "" : "es",
            o.npids == 1 ? "" : "s");
    for (size_t i = 0; i < o.npids && i < SHOWN_IDS; i++)
        fprintf(out, "%s%d", i ? ", " : "", o.pids[i]);
    if (o.npids > SHOWN_IDS)
        fprintf(out, " and %zu more", o.npids - SHOWN_IDS);
    fputc(')', out);
    occurrence(run, "first", o.first, out);
    occurrence(run, "last", o.last, out);
    fputc('\n', out);
    if (f->kind != CLI_LEAKED_SEGMENT || f->nsegments <= 1)
        return;
    fputs(P "  segments: shmid ", out);
    for (size_t i = 0; i < f->nsegments && i < SHOWN_IDS; i++)
        fprintf(out, "%s%d", i ? ", " : "", f->segments[i].shmid);
    if (f->nsegments > SHOWN_IDS)
        fprintf(out, " and %zu more", f->nsegments - SHOWN_IDS);
    fputc('\n', out);
}

/* After the warnings that name them (the analysis gave each a reason):
 * what an untraced process means. */
static void untraced_hint(const struct cli_run *run, FILE *out)
{
    size_t n = 0;

    for (size_t i = 0; i < run->nprocs; i++)
        n += (!run->procs[i].traced && run->procs[i].reason != NULL) ||
             run->procs[i].exec_path != NULL;
    if (n > 0)
        fprintf(out,
                P "hint: %zu process(es) ran untraced: of those only the "
                  "segments left are judged, from the kernel's view (seen "
                  "by the kernel, no stack); their attaches, detaches and "
                  "failed calls are not checked\n",
                n);
}

int cli_report_text(const struct cli_run *run, const struct cli_text_opts *o,
                    FILE *out)
{
    const struct cli_summary *s = &run->summary;
    size_t shown = 0, hidden = 0;
    char rule[CLI_SUPP_SUGGEST_MAX + 1];

    for (size_t i = 0; run->warnings && run->warnings[i]; i++) {
        fputs(P "warning: ", out);
        E(out, run->warnings[i]);
        fputc('\n', out);
    }
    untraced_hint(run, out);
    for (size_t i = 0; i < run->nfindings; i++) {
        const struct cli_finding *f = &run->findings[i];
        const char *on, *off, *lv;
        if (f->suppressed)
            continue;
        if (shown == o->max_blocks) {
            hidden++;
            continue;
        }
        shown++;
        lv = level(o, f, &on, &off);
        fprintf(out, P "%s%s%s: ", on, lv, off);
        headline(run, f, out);
        stack(&f->stack, out);
        occurrences(run, f, out);
        if (o->suggest && o->suggest(f, rule, sizeof rule) < sizeof rule)
            fprintf(out, P "  suppression: %s\n", rule);
    }
    if (hidden)
        fprintf(out,
                P "... and %zu more findings (all of them are in --json)\n",
                hidden);
    fprintf(out,
            P "SUMMARY: shmcheck: %lu leaked segment(s) (%lu bytes), %lu "
              "unmatched attach(es), %lu inherited unmatched, %lu invalid "
              "detach(es), %lu failed call(s), %lu lint(s); %lu suppressed\n",
            s->leaked_segments, s->leaked_bytes, s->unmatched_attaches,
            s->inherited_unmatched, s->invalid_detaches, s->failed_calls,
            s->lints, s->suppressed);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
