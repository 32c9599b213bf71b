/*
 * cli_report_fixtures.h - what the report writers' unit tests
 * (test_cli_report*.c, test_cli_text.c) build by hand: a run, put together
 * process by process, finding by finding and frame by frame, and the last
 * report rendered from it, as text. Header-only (static inline functions),
 * like cli_fixtures.h; tests include cmocka before this file.
 *
 *     struct report_fx *fx = *state;          (report_setup/teardown)
 *     add_process(&fx->run, 100, ARGV("prog", "arg"));
 *     struct cli_finding *f = add_finding(&fx->run, CLI_LINT, 100);
 *     add_frame(&fx->run, f, &(struct frame){0x10, "prog", 0x10});
 *     int rc = render(fx, cli_report_json);   (fx->text holds the report)
 */
#ifndef SHMC_TESTS_CLI_REPORT_FIXTURES_H
#define SHMC_TESTS_CLI_REPORT_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

/* A NULL-terminated argv: ARGV("prog", "arg"); ARGV(NULL) is empty. */
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A report writer: cli_report_json, cli_report_sarif. */
typedef int writer(const struct cli_run *run, FILE *out);

struct report_fx {
    struct cli_run run;
    char *text; /* the last report rendered */
    size_t len; /* its length, for open_memstream */
};

static inline int report_setup(void **state)
{
    struct report_fx *fx = calloc(1, sizeof *fx);

    *state = fx;
    return fx == NULL ? -1 : 0;
}

static inline int report_teardown(void **state)
{
    struct report_fx *fx = *state;

    cli_run_free(&fx->run);
    free(fx->text);
    free(fx);
    return 0;
}

/* --- building runs ------------------------------------------------------ */

/* A malloc'd NULL-terminated copy, as cli_run_free frees it. */
static inline char **strv(const char *const *s)
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

/* A zeroed process appended, with a copy of argv (NULL: none); valid until
 * the next one. */
static inline struct cli_process *add_process(struct cli_run *run, int pid,
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

/* A zeroed finding (shmid -1) appended; valid until the next one. */
static inline struct cli_finding *add_finding(struct cli_run *run,
                                              enum cli_kind kind, int pid)
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

struct frame {
    uint64_t pc;
    const char *module;
    uint64_t offset;
    const char *function, *file;
    int line;
};

/* A leak's usual stack: main, called from libc. */
static const struct frame main_x12 = {0x401136, "/usr/bin/prog", 0x1136,
                                      "main",   "x.c",           12};
static const struct frame libc_start = {
    0x7f0000029d90, "/lib/libc.so.6", 0x29d90, NULL, NULL, 0};

/* Appends fr to f's stack, its strings interned in run. */
static inline void add_frame(struct cli_run *run, struct cli_finding *f,
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

/* --- rendering and checking --------------------------------------------- */

/* A stream that writes into fx->text (the last report freed); close it
 * with end_text. */
static inline FILE *begin_text(struct report_fx *fx)
{
    FILE *m;

    free(fx->text);
    fx->text = NULL;
    m = open_memstream(&fx->text, &fx->len);
    assert_non_null(m);
    return m;
}

static inline void end_text(FILE *m)
{
    assert_int_equal(fclose(m), 0);
}

/* Writes the run's report, as it stands, into fx->text; returns the
 * writer's result. */
static inline int render(struct report_fx *fx, writer *w)
{
    FILE *m = begin_text(fx);
    int rc = w(&fx->run, m);

    end_text(m);
    return rc;
}

/* How many times s occurs in text, not overlapping. */
static inline size_t count(const char *text, const char *s)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    return n;
}

static inline void assert_contains(const char *text, const char *s)
{
    if (strstr(text, s) == NULL)
        fail_msg("missing:\n%s\nin:\n%s", s, text);
}

#endif
