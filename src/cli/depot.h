/*
 * depot.h - the analysis's stack depot: every distinct stack stored once,
 * and found again by its hash (FNV-1a, lib/hash.h), so that the segments
 * the tree created and the attachments live in an image hold a pointer
 * to a shared copy rather than a whole struct cli_stack each: the
 * analysis's memory grows with the distinct stacks, not with the calls.
 *
 * A stack is either placed (each frame's pc with the module it is in and
 * its offset there, as cli_image_stack gives it) or raw (pcs only, placed
 * in their modules when a finding needs them); the two kinds never match
 * each other. Module paths are interned too (cli_depot_path), so that
 * frames compare and hash their module by pointer.
 *
 * Memory comes from malloc, in blocks; everything lives until
 * cli_depot_destroy. Out of memory, the calls return NULL.
 */
#ifndef SHMC_CLI_DEPOT_H
#define SHMC_CLI_DEPOT_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "journal/table.h"

/* One frame: what a struct cli_frame holds before symbolization. */
struct cli_dframe {
    uint64_t pc;
    const char *module; /* an interned path (cli_depot_path), or NULL */
    uint64_t offset;
};

struct cli_dstack {
    struct cli_dstack *next; /* the next stack of the same hash */
    uint64_t hash;
    unsigned n;
    unsigned raw; /* 1: pcs only (module NULL, offset 0) */
    struct cli_dframe f[];
};

struct cli_depot {
    struct shmc_table stacks; /* hash -> struct cli_dstack * (a chain) */
    struct shmc_table paths;  /* hash -> struct cli_dpath * (a chain) */
    struct cli_dblock *blocks;
    const struct cli_dstack *last_raw; /* the raw stack stored last */
    size_t count;                      /* distinct stacks stored */
};

void cli_depot_init(struct cli_depot *d);

/* Frees everything the depot holds: its stacks are gone after. */
void cli_depot_destroy(struct cli_depot *d);

/* The depot's copy of the placed stack s (its frames' pc, module and
 * offset; function, file and line are not kept); NULL when memory ran
 * out. s's module paths must come from cli_depot_path. */
const struct cli_dstack *cli_depot_stack(struct cli_depot *d,
                                         const struct cli_stack *s);

/* The depot's copy of the raw stack of n pcs (n <= CLI_MAX_FRAMES);
 * NULL when memory ran out. */
const struct cli_dstack *cli_depot_pcs(struct cli_depot *d, const uint64_t *pcs,
                                       unsigned n);

/* The one copy of path (equal paths give the same pointer), owned by
 * run; NULL for NULL or when memory ran out. */
const char *cli_depot_path(struct cli_depot *d, struct cli_run *run,
                           const char *path);

/* s as a struct cli_stack (nothing symbolized); s NULL: no frame. */
void cli_depot_copy(const struct cli_dstack *s, struct cli_stack *out);

#endif
