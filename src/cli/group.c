/*
 * group.c - repeated findings folded into one as the analysis makes them
 * (the rule and why: group.h).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "lib/hash.h"
#include "timeline.h"

void cli_groups_init(struct cli_groups *g, int ungrouped)
{
    memset(g, 0, sizeof *g);
    shmc_table_init(&g->index, sizeof(size_t));
    g->hash = cli_group_hash;
    g->ungrouped = ungrouped;
}

void cli_groups_destroy(struct cli_groups *g)
{
    shmc_table_destroy(&g->index);
}

/* A frame is the same in every process by its module and offset, which
 * address space layout randomisation leaves alone; a frame outside any
 * known module has only its pc. */
static uint64_t hash_frame(uint64_t h, const struct cli_frame *fr)
{
    if (fr->module == NULL)
        return shmc_fnv1a_word(shmc_fnv1a_word(h, 0), fr->pc);
    return shmc_fnv1a_word(shmc_fnv1a_str(shmc_fnv1a_word(h, 1), fr->module),
                           fr->offset);
}

uint64_t cli_group_hash(const struct cli_finding *f)
{
    uint64_t h = shmc_fnv1a_word(SHMC_FNV1A_BASIS, cli_finding_kind(f));
    unsigned n = f->stack.n < CLI_MAX_FRAMES ? f->stack.n : CLI_MAX_FRAMES;

    h = shmc_fnv1a_str(shmc_fnv1a_str(h, f->rule), f->call);
    h = shmc_fnv1a_str(shmc_fnv1a_word(h, (uint64_t)(int64_t)f->err),
                       f->message);
    h = shmc_fnv1a_word(shmc_fnv1a_word(h, f->ended_by), f->seen_by_kernel);
    h = shmc_fnv1a_word(h, n);
    for (unsigned i = 0; i < n; i++)
        h = hash_frame(h, &f->stack.f[i]);
    return h;
}

/* Equal strings, NULL equal only to NULL; the same pointer (a module's
 * path within one process image) without reading it. */
static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_frame(const struct cli_frame *a, const struct cli_frame *b)
{
    if (a->module == NULL || b->module == NULL)
        return a->module == b->module && a->pc == b->pc;
    return a->offset == b->offset && same_str(a->module, b->module);
}

int cli_group_same(const struct cli_finding *a, const struct cli_finding *b)
{
    unsigned n = a->stack.n < CLI_MAX_FRAMES ? a->stack.n : CLI_MAX_FRAMES;

    if (cli_finding_kind(a) != cli_finding_kind(b) || a->err != b->err ||
        a->ended_by != b->ended_by || a->seen_by_kernel != b->seen_by_kernel ||
        a->stack.n != b->stack.n || !same_str(a->rule, b->rule) ||
        !same_str(a->call, b->call) || !same_str(a->message, b->message))
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (!same_frame(&a->stack.f[i], &b->stack.f[i]))
            return 0;
    return 1;
}

int cli_group_add_pid(struct cli_finding *f, int pid)
{
    size_t lo = 0, hi = f->npids;
    int *v;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->pids[mid] == pid)
            return 0;
        if (f->pids[mid] < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if ((v = realloc(f->pids, (f->npids + 1) * sizeof *v)) == NULL)
        return -1;
    memmove(v + lo + 1, v + lo, (f->npids - lo) * sizeof *v);
    v[lo] = pid;
    f->pids = v;
    f->npids++;
    return 0;
}

/* A finding its caller has filled in becomes one occurrence: its pid
 * and time are its first and last, its pid its process, a leak its own
 * segment. -1 when memory ran out: it stays a finding without them. */
static int settle(struct cli_finding *f)
{
    f->first = f->last = (struct cli_occurrence){f->pid, f->when};
    if (cli_group_add_pid(f, f->pid) != 0)
        return -1;
    if (f->kind != CLI_LEAKED_SEGMENT)
        return 0;
    if ((f->segments = malloc(sizeof *f->segments)) == NULL)
        return -1;
    f->segments[0] = (struct cli_segment){
        f->shmid, f->key, f->size, f->creator_pid, f->seen_by_kernel, f->when};
    f->nsegments = 1;
    return 0;
}

/* Whether the first occurrence of a came before b's: by time, a time
 * unknown (0) after every known one; on a tie as the report orders
 * findings (analyze.c), so that which comes first does not depend on the
 * order they were folded in. */
static int first_before(const struct cli_finding *a,
                        const struct cli_finding *b)
{
    if ((a->first.when == 0) != (b->first.when == 0))
        return b->first.when == 0;
    if (a->first.when != b->first.when)
        return a->first.when < b->first.when;
    if (a->pid != b->pid)
        return a->pid < b->pid;
    if (a->shmid != b->shmid)
        return a->shmid < b->shmid;
    if (a->addr != b->addr)
        return a->addr < b->addr;
    return a->order < b->order;
}

/* Whether occurrence a came after b: the latest known time, else the
 * highest pid. */
static int last_after(struct cli_occurrence a, struct cli_occurrence b)
{
    if ((a.when == 0) != (b.when == 0))
        return b.when == 0;
    if (a.when != b.when)
        return a.when > b.when;
    return a.pid > b.pid;
}

/* The occurrence f, settled, folded into its group g; f is then empty
 * (its arrays freed or taken). The group's fields stay those of its first
 * occurrence: f's when f came first. -1 when memory ran out, g and f
 * unchanged. */
static int merge(struct cli_finding *g, struct cli_finding *f)
{
    struct cli_segment *s = g->segments;

    /* LCOV_EXCL_BR_START: realloc fails only when memory runs out */
    if (f->nsegments > 0 &&
        (s = realloc(s, (g->nsegments + f->nsegments) * sizeof *s)) == NULL)
        return -1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    g->segments = s;
    for (size_t i = 0; i < f->npids; i++)
        if (cli_group_add_pid(g, f->pids[i]) != 0)
            return -1; /* the pids added so far are f's too: no harm */
    if (f->nsegments > 0)
        memcpy(s + g->nsegments, f->segments, f->nsegments * sizeof *s);
    g->nsegments += f->nsegments;
    g->count += f->count;
    if (last_after(f->last, g->last))
        g->last = f->last;
    if (first_before(f, g)) {
        struct cli_finding agg = *g;
        int *own_pids = f->pids;
        struct cli_segment *own_segments = f->segments;
        *g = *f;
        g->count = agg.count, g->last = agg.last, g->id = agg.id;
        g->pids = agg.pids, g->npids = agg.npids;
        g->segments = agg.segments, g->nsegments = agg.nsegments;
        f->pids = own_pids, f->segments = own_segments;
    }
    free(f->pids);
    free(f->segments);
    return 0;
}

/* The group of run->findings[i] among those indexed into *to, or, if
 * none has its key, i becomes the group of that key (*to = i). -1 when
 * memory ran out: it then stays alone (*to = i). */
static int group_of(struct cli_groups *g, struct cli_run *run, size_t i,
                    size_t *to)
{
    uint64_t h = g->hash(&run->findings[i]);
    size_t *slot;
    int existed;

    *to = i;
    for (;; h++) {
        /* LCOV_EXCL_BR_START: NULL only if mmap fails */
        if ((slot = shmc_table_put(&g->index, h, &existed)) == NULL)
            return -1; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
        if (!existed) {
            *slot = i;
            return 0;
        }
        if (cli_group_same(&run->findings[*slot], &run->findings[i])) {
            *to = *slot;
            return 0;
        }
    }
}

/* Folds the pending finding, the last of the run's: a leak waits for
 * cli_group_finish. -1 when memory ran out. */
static int fold_pending(struct cli_groups *g, struct cli_run *run)
{
    size_t i = g->pending - 1, to;

    g->pending = 0;
    if (settle(&run->findings[i]) != 0)
        return -1;
    if (g->ungrouped || run->findings[i].kind == CLI_LEAKED_SEGMENT)
        return 0;
    if (group_of(g, run, i, &to) != 0) /* LCOV_EXCL_BR_LINE: no memory */
        return -1;                     /* LCOV_EXCL_LINE */
    if (to == i)
        return 0;
    if (merge(&run->findings[to], &run->findings[i]) != 0)
        return -1;
    cli_timeline_link(g->tl, run->findings[i].id, run->findings[to].id);
    run->nfindings--;
    return 0;
}

int cli_group_fold(struct cli_groups *g, struct cli_run *run)
{
    return g->pending ? fold_pending(g, run) : 0;
}

struct cli_finding *cli_group_new(struct cli_groups *g, struct cli_run *run,
                                  size_t *cap, enum cli_kind kind, int pid,
                                  uint32_t repeat)
{
    struct cli_finding *f;

    if (run->nfindings >= *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        if ((f = realloc(run->findings, c * sizeof *f)) == NULL)
            return NULL;
        run->findings = f;
        *cap = c;
    }
    f = &run->findings[run->nfindings++];
    memset(f, 0, sizeof *f);
    f->order = f->id = g->found++;
    f->kind = kind;
    f->pid = pid;
    f->shmid = -1;
    /* A leak is one segment, whatever record was replayed last. */
    f->count = kind == CLI_LEAKED_SEGMENT ? 1 : 1 + (uint64_t)repeat;
    g->pending = run->nfindings;
    return f;
}

int cli_group_finish(struct cli_groups *g, struct cli_run *run)
{
    int rc = cli_group_fold(g, run);
    size_t w = 0;

    /* Only leaks are left to fold: the index is made again of them, at
     * the places the findings move to. */
    shmc_table_clear(&g->index);
    for (size_t i = 0; i < run->nfindings; i++) {
        size_t to = w;
        run->findings[w] = run->findings[i];
        /* LCOV_EXCL_BR_START: group_of and merge fail only when memory
         * runs out */
        if (!g->ungrouped && run->findings[w].kind == CLI_LEAKED_SEGMENT &&
            group_of(g, run, w, &to) != 0)
            rc = -1; /* LCOV_EXCL_LINE */
        if (to == w || merge(&run->findings[to], &run->findings[w]) != 0) {
            rc = to == w ? rc : -1;
            w++;
        } else {
            cli_timeline_link(g->tl, run->findings[w].id, run->findings[to].id);
        }
        /* LCOV_EXCL_BR_STOP */
    }
    run->nfindings = w;
    return rc;
}
