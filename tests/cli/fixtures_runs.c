/*
 * fixtures_runs.c - the part of the CLI's fixtures (fixtures.h) that
 * builds runs by hand, process by process, finding by finding and frame
 * by frame, and renders the reports of one.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

/* --- runs built by hand, for the reports ------------------------------- */

int report_setup(void **state)
{
    struct report_fx *fx = calloc(1, sizeof *fx);

    *state = fx;
    return fx == NULL ? -1 : 0;
}

int report_teardown(void **state)
{
    struct report_fx *fx = *state;

    cli_run_free(&fx->run);
    free(fx->text);
    free(fx);
    return 0;
}

char **strv(const char *const *s)
{
    size_t n = 0;
    char **v;

    while (s[n] != NULL)
        n++;
    v = calloc(n + 1, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = strdup(s[i]);
        assert_non_null(v[i]);
    }
    return v;
}

struct cli_process *add_process(struct cli_run *run, int pid,
                                const char *const *argv)
{
    struct cli_process *p;

    run->procs = realloc(run->procs, (run->nprocs + 1) * sizeof *p);
    assert_non_null(run->procs);
    p = &run->procs[run->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    if (argv != NULL) {
        p->argv = strv(argv);
        while (argv[p->argc] != NULL)
            p->argc++;
    }
    return p;
}

struct cli_finding *add_finding(struct cli_run *run, enum cli_kind kind,
                                int pid)
{
    struct cli_finding *f;

    run->findings = realloc(run->findings, (run->nfindings + 1) * sizeof *f);
    assert_non_null(run->findings);
    f = &run->findings[run->nfindings++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->pid = pid;
    f->shmid = -1;
    return f;
}

/* A leak's usual stack: main, called from libc. */
const struct frame main_x12 = {0x401136, "/usr/bin/prog", 0x1136,
                               "main",   "x.c",           12};
const struct frame libc_start = {
    0x7f0000029d90, "/lib/libc.so.6", 0x29d90, NULL, NULL, 0};

void add_frame(struct cli_run *run, struct cli_finding *f,
               const struct frame *fr)
{
    struct cli_frame *c = &f->stack.f[f->stack.n++];

    c->pc = fr->pc;
    c->module = cli_run_strdup(run, fr->module);
    c->offset = fr->offset;
    c->function = cli_run_strdup(run, fr->function);
    c->file = cli_run_strdup(run, fr->file);
    c->line = fr->line;
}

/* --- runs ending as the reports need ----------------------------------- */

/* A traced process that ended as end and value say. */
void add_traced(struct cli_run *run, int pid, int ppid, const char *const *argv,
                enum cli_end end, int value)
{
    struct cli_process *p = add_process(run, pid, argv);

    p->ppid = ppid;
    p->end = end;
    p->value = value;
    p->traced = 1;
}

const char *intern(struct cli_run *run, const char *s)
{
    const char *c = cli_run_strdup(run, s);

    assert_non_null(c);
    return c;
}

/* The traced command is borrowed (main's argv): cli_run_free leaves it. */
char *prog_arg[] = {"prog", "arg", NULL};

/* One finding of each kind (the invalid detach three times), a
 * suppressed leak, two processes, a warning. */
void build_full_run(struct cli_run *run)
{
    struct cli_finding *f;

    run->command = prog_arg;
    run->end = CLI_END_EXIT;
    run->value = 1;
    add_traced(run, 100, 1, ARGV("prog", "arg"), CLI_END_EXIT, 1);
    add_traced(run, 101, 100, ARGV("child"), CLI_END_SIGNAL, 9);

    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 5, f->key = 0xf00f, f->size = 4096, f->creator_pid = 100;
    add_frame(run, f, &main_x12);
    add_frame(run, f, &libc_start);

    f = add_finding(run, CLI_UNMATCHED_ATTACH, 101);
    f->shmid = 5, f->addr = 0x7f1234560000, f->inherited = 1;
    f->ended_by = CLI_END_SIGNAL;

    /* repeated: three times in two processes (group.h) */
    run->start_ns = 5000000000u;
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    f->addr = 0x7f1234561000, f->err = EINVAL;
    f->when = 5012000000u, f->count = 3;
    f->first = (struct cli_occurrence){100, 5012000000u};
    f->last = (struct cli_occurrence){101, 8400250000u};
    assert_non_null(f->pids = malloc(2 * sizeof *f->pids));
    f->pids[0] = 100, f->pids[1] = 101, f->npids = 2;
    add_frame(run, f,
              &(struct frame){0x401200, "/usr/bin/prog", 0x1200, "detach_twice",
                              "x.c", 30});

    f = add_finding(run, CLI_FAILED_CALL, 100);
    f->call = intern(run, "shmget"), f->err = EEXIST;
    f->args[0] = 0xf00f, f->args[1] = 4096, f->args[2] = 03600;
    f->message = intern(run, "key 0x0000f00f has a segment; IPC_EXCL");
    add_frame(run, f,
              &(struct frame){0x401300, "/usr/bin/prog", 0x1300, "open_seg",
                              "x.c", 40});

    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "creat-without-excl"), f->shmid = 5;
    f->message = intern(run, "IPC_CREAT without IPC_EXCL on key 0x0000f00f");
    add_frame(run, f,
              &(struct frame){0x401400, "/usr/bin/prog", 0x1400, "make_seg",
                              "x.c", 50});

    f = add_finding(run, CLI_LEAKED_SEGMENT, 101);
    f->shmid = 6, f->size = 100, f->creator_pid = 101;
    f->seen_by_kernel = 1, f->suppressed = 1;

    run->warnings = strv(ARGV("journal of pid 102 is damaged"));
    run->nwarnings = 1;
    cli_summarize(run);
}

/* --- rendering and checking --------------------------------------------- */

/* A stream that writes into fx->text (the last report freed); close it
 * with end_text. */
FILE *begin_text(struct report_fx *fx)
{
    FILE *m;

    free(fx->text);
    fx->text = NULL;
    m = open_memstream(&fx->text, &fx->len);
    assert_non_null(m);
    return m;
}

void end_text(FILE *m)
{
    assert_int_equal(fclose(m), 0);
}

int render(struct report_fx *fx, writer *w)
{
    FILE *m = begin_text(fx);
    int rc = w(&fx->run, m);

    end_text(m);
    return rc;
}

size_t count(const char *text, const char *s)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    return n;
}

void assert_contains(const char *text, const char *s)
{
    if (strstr(text, s) == NULL)
        fail_msg("missing:\n%s\nin:\n%s", s, text);
}

int render_summarized(struct report_fx *fx, writer *w)
{
    cli_summarize(&fx->run);
    return render(fx, w);
}

int broker_setup(void **state)
{
    struct broker_fx *fx = calloc(1, sizeof *fx);
    char err[256];

    assert_non_null(fx);
    mk_dir(fx->dir, sizeof fx->dir);
    assert_int_equal(cli_broker_start(&fx->b, fx->dir, NULL, err, sizeof err),
                     0);
    *state = fx;
    return 0;
}

int broker_teardown(void **state)
{
    struct broker_fx *fx = *state;

    cli_broker_stop(&fx->b);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}
