/*
 * findings.c - the run's bookkeeping: kinds of findings, the summary,
 * string ownership and freeing.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "findings.h"

/* Strings are kept in a simple chain of blocks, freed all at once. */
struct cli_pool {
    struct cli_pool *next;
    size_t used, cap;
    char data[];
};

#define POOL_BLOCK 65536

const char *cli_kind_name(enum cli_kind kind)
{
    return (unsigned)kind < CLI_KIND_COUNT ? shmc_kind_name(kind) : "unknown";
}

unsigned cli_finding_kind(const struct cli_finding *f)
{
    if ((unsigned)f->kind >= CLI_KIND_COUNT)
        return SHMC_KIND_COUNT;
    return f->kind == CLI_UNMATCHED_ATTACH && f->inherited
               ? SHMC_KI_INHERITED_UNMATCHED
               : (unsigned)f->kind;
}

int cli_finding_is_error(const struct cli_finding *f, unsigned mask)
{
    unsigned k = cli_finding_kind(f);

    /* LCOV_EXCL_BR_START: every kind is below 32; the check keeps the
     * shift defined should one not be */
    return k < 32 && ((mask >> k) & 1u);
    /* LCOV_EXCL_BR_STOP */
}

const char *cli_run_strdup(struct cli_run *run, const char *s)
{
    size_t n;
    struct cli_pool *p;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    p = run->pool;
    if (p == NULL || p->cap - p->used < n) {
        size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
        struct cli_pool *b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->next = p;
        b->used = 0;
        b->cap = cap;
        run->pool = p = b;
    }
    memcpy(p->data + p->used, s, n);
    p->used += n;
    return p->data + p->used - n;
}

int cli_run_has_errors(const struct cli_run *run, unsigned mask)
{
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed &&
            cli_finding_is_error(&run->findings[i], mask))
            return 1;
    return 0;
}

/* The bytes of a leak's segments (its own size when it has no list: a
 * finding made by hand). */
/* Whether fr is in shmcheck's own library: its shared object, or one
 * of its functions (all named shmc_) linked into the program. */
static int in_library(const struct cli_frame *fr)
{
    const char *base = fr->module ? strrchr(fr->module, '/') : NULL;

    base = base != NULL ? base + 1 : fr->module;
    return (base != NULL && strncmp(base, "libshmcheck.so", 14) == 0) ||
           (fr->function != NULL && strncmp(fr->function, "shmc_", 5) == 0);
}

unsigned cli_stack_program_frame(const struct cli_stack *st)
{
    unsigned from = 0, n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;

    for (unsigned i = 0; i < n; i++)
        if (in_library(&st->f[i]))
            from = i + 1;
    return from;
}

static unsigned long leaked_bytes(const struct cli_finding *f)
{
    unsigned long n = f->nsegments ? 0 : (unsigned long)f->size;

    for (size_t i = 0; i < f->nsegments; i++)
        n += (unsigned long)f->segments[i].size;
    return n;
}

void cli_summarize(struct cli_run *run)
{
    struct cli_summary *s = &run->summary;

    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < run->nfindings; i++) {
        const struct cli_finding *f = &run->findings[i];
        unsigned long n = f->count > 0 ? (unsigned long)f->count : 1;
        if (f->suppressed) {
            s->suppressed += n;
            continue;
        }
        switch (f->kind) {
        case CLI_LEAKED_SEGMENT:
            s->leaked_segments += n;
            s->leaked_bytes += leaked_bytes(f);
            break;
        case CLI_UNMATCHED_ATTACH:
            *(f->inherited ? &s->inherited_unmatched
                           : &s->unmatched_attaches) += n;
            break;
        case CLI_INVALID_DETACH:
            s->invalid_detaches += n;
            break;
        case CLI_FAILED_CALL:
            s->failed_calls += n;
            break;
        default:
            s->lints += n;
            break;
        }
    }
}

int cli_run_warn(struct cli_run *run, const char *text)
{
    char *copy = strdup(text);
    char **w =
        copy ? realloc(run->warnings, (run->nwarnings + 2) * sizeof *w) : NULL;

    if (w == NULL) {
        free(copy);
        return -1;
    }
    w[run->nwarnings++] = copy;
    w[run->nwarnings] = NULL;
    run->warnings = w;
    return 0;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

void cli_run_free(struct cli_run *run)
{
    for (size_t i = 0; i < run->nprocs; i++)
        free_argv(run->procs[i].argv);
    free(run->procs);
    for (size_t i = 0; i < run->nfindings; i++) {
        free(run->findings[i].pids);
        free(run->findings[i].segments);
    }
    free(run->findings);
    free_argv(run->warnings);
    while (run->pool) {
        struct cli_pool *next = run->pool->next;
        free(run->pool);
        run->pool = next;
    }
    memset(run, 0, sizeof *run);
}
