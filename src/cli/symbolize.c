/*
 * symbolize.c - function, file and line for the tracer's return addresses,
 * looked up in process (symbolize_dwfl.c), once per distinct frame.
 *
 * A run's findings share most of their frames (every finding of one call
 * site, every caller above it), so cli_symbolize_stacks keeps what each
 * (module, offset) gave in a hash table for the duration of the call:
 * the cost of symbolization grows with the distinct frames, not with the
 * findings. The table lives only as long as that call because its strings
 * belong to the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal/settings.h"
#include "journal/table.h"
#include "lib/hash.h"
#include "symbolize.h"
#include "symbolize_dwfl.h"

#define MAX_PROBES 16 /* keys tried past a hash collision; then uncached */

struct cli_symbolizer {
    struct cli_dwfl *dwfl;
    unsigned long lookups;
};

/* What one (module, offset) gave; module NULL in a free slot. */
struct cached {
    const char *module;
    uint64_t offset;
    const char *function, *file;
    int line;
};

/* libdwfl takes the debug directory as a list of ':'-separated
 * directories, and a relative one as relative to each module's directory,
 * which another user may own: only an absolute path without ':' is
 * taken. */
static int debug_dir_ok(const char *dir)
{
    return dir[0] == '/' && strchr(dir, ':') == NULL;
}

struct cli_symbolizer *cli_symbolizer_start(char *err, size_t errlen)
{
    const char *dir = getenv(SHMC_CLI_DEBUG_DIR);
    struct cli_symbolizer *s = NULL;

    if (dir != NULL && dir[0] != '\0' && !debug_dir_ok(dir)) {
        if (errlen > 0)
            snprintf(err, errlen,
                     "cannot start the symbolizer: " SHMC_CLI_DEBUG_DIR
                     " is not an absolute path without ':'");
        return NULL;
    }
    if (!cli_dwfl_load()) {
        if (errlen > 0)
            snprintf(err, errlen,
                     "cannot start the symbolizer: " CLI_DW_LIBRARY
                     " (elfutils, Debian's libdw1) cannot be loaded");
        return NULL;
    }
    if ((s = calloc(1, sizeof *s)) != NULL &&
        (s->dwfl = cli_dwfl_open(dir && dir[0] ? dir : NULL)) != NULL)
        return s;
    free(s); /* LCOV_EXCL_START: calloc or strdup ran out of memory */
    if (errlen > 0)
        snprintf(err, errlen, "cannot start the symbolizer: %s",
                 strerror(ENOMEM));
    return NULL; /* LCOV_EXCL_STOP */
}

int cli_symbolize_frame(struct cli_symbolizer *s, struct cli_run *run,
                        struct cli_frame *f)
{
    struct cli_dwfl_answer a;

    if (s == NULL)
        return -1;
    f->function = f->file = NULL;
    f->line = 0;
    if (f->module == NULL)
        return 0;
    s->lookups++;
    cli_dwfl_lookup(s->dwfl, f->module, f->offset > 0 ? f->offset - 1 : 0, &a);
    f->function = cli_run_strdup(run, a.function);
    f->file = cli_run_strdup(run, a.file);
    f->line = a.line;
    return 0;
}

/* The cache's entry for f's (module, offset), new (*existed = 0) or not;
 * NULL when memory runs out. Keys are the FNV-1a of both; on a collision
 * the next keys are tried. */
static struct cached *entry(struct shmc_table *t, const struct cli_frame *f,
                            int *existed)
{
    uint64_t key = shmc_fnv1a_str(SHMC_FNV1A_BASIS, f->module);

    key = shmc_fnv1a_u64(key, f->offset);
    /* LCOV_EXCL_BR_START: probing on needs two frames whose 64-bit keys
     * collide, which no test can choose */
    for (int i = 0; i < MAX_PROBES; i++, key++) {
        struct cached *c = shmc_table_put(t, key, existed);
        if (c == NULL)   /* LCOV_EXCL_BR_LINE: NULL only if mmap fails */
            return NULL; /* LCOV_EXCL_LINE */
        if (!*existed) {
            c->module = f->module;
            c->offset = f->offset;
            return c;
        }
        if (c->offset == f->offset && strcmp(c->module, f->module) == 0)
            return c;
    }
    /* LCOV_EXCL_BR_STOP */
    return NULL; /* LCOV_EXCL_LINE: MAX_PROBES colliding keys */
}

/* f from the cache, or looked up and kept there. */
static void symbolize_cached(struct cli_symbolizer *s, struct cli_run *run,
                             struct shmc_table *t, struct cli_frame *f)
{
    int existed = 0;
    struct cached *c = f->module ? entry(t, f, &existed) : NULL;

    if (c != NULL && existed) {
        f->function = c->function;
        f->file = c->file;
        f->line = c->line;
        return;
    }
    cli_symbolize_frame(s, run, f);
    if (c != NULL) { /* no put since entry(): c is still valid */
        c->function = f->function;
        c->file = f->file;
        c->line = f->line;
    }
}

void cli_symbolize_stacks(struct cli_symbolizer *s, struct cli_run *run)
{
    struct shmc_table cache;

    if (s == NULL)
        return;
    shmc_table_init(&cache, sizeof(struct cached));
    for (size_t i = 0; i < run->nfindings; i++) {
        struct cli_stack *st = &run->findings[i].stack;
        unsigned n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;
        for (unsigned j = 0; j < n; j++)
            symbolize_cached(s, run, &cache, &st->f[j]);
    }
    shmc_table_destroy(&cache);
}

unsigned long cli_symbolizer_lookups(const struct cli_symbolizer *s)
{
    return s != NULL ? s->lookups : 0;
}

void cli_symbolizer_stop(struct cli_symbolizer *s)
{
    if (s == NULL)
        return;
    cli_dwfl_close(s->dwfl);
    free(s);
}
