/*
 * group.h - repeated findings folded into one, as LeakSanitizer groups
 * leaks by stack: the findings of one kind made at one call stack are one
 * finding with a count, its first and last occurrence and the distinct
 * processes it was found in (the rule: docs/leak-semantics.md).
 *
 * The analysis folds as it goes (cli_analysis_finding): the run's array
 * holds one finding per group and the one handed out last, which its
 * caller is still filling in and which the next call (or cli_group_finish)
 * folds. A loop that repeats one mistake a million times thus costs one
 * finding, not a million.
 *
 * Leaked segments are folded only by cli_group_finish: the judgment of
 * the segments (kernel.c) looks through the run's findings for the leak
 * of a shmid, which must stay there until it is done. There are at most
 * as many as the kernel has segments (SHMMNI).
 */
#ifndef SHMC_CLI_GROUP_H
#define SHMC_CLI_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "journal/table.h"

struct cli_groups {
    /* A group's key hash -> its index in run->findings (size_t); a key
     * whose hash is taken by another group goes to the next free one
     * (hash + 1, ...): groups are never removed, so a lookup probes the
     * same way until it finds its group or a free hash. */
    struct shmc_table index;
    uint64_t (*hash)(const struct cli_finding *f); /* cli_group_hash; a
                                                      test forces
                                                      collisions   */
    size_t pending; /* 1 + index of the finding handed out last, not yet
                       folded; 0 when none                              */
    size_t found;   /* findings handed out so far: the next one's order */
    int ungrouped;  /* every occurrence stays a finding of its own      */
    struct cli_timeline *tl; /* told each fold (timeline.h), or NULL  */
};

/* Empty groups; ungrouped as cli_inputs.ungrouped says. */
void cli_groups_init(struct cli_groups *g, int ungrouped);

/* Frees what g holds (not the run's findings). */
void cli_groups_destroy(struct cli_groups *g);

/* The hash of f's group key: its kind as --errors names it (an inherited
 * unmatched attach apart), lint rule, call, errno, message, how the
 * attachment ended, who saw a leak, and each frame of its stack as
 * (module path, offset) when the module is known, else its pc. Not pid,
 * shmid, address, key, size nor time, which differ between occurrences. */
uint64_t cli_group_hash(const struct cli_finding *f);

/* Whether a and b have the same group key (all that cli_group_hash
 * hashes, compared in full). */
int cli_group_same(const struct cli_finding *a, const struct cli_finding *b);

/* Folds the pending finding, if any, into its group. 0, or -1 when
 * memory ran out (it then stays a finding of its own). */
int cli_group_fold(struct cli_groups *g, struct cli_run *run);

/* A new finding at the end of run->findings (grown by doubling *cap),
 * zeroed but for shmid -1, kind, pid, its order and a count of 1 +
 * repeat (1 for a leak: one segment); pending until the next fold. Fold
 * the pending one first. NULL when memory ran out. */
struct cli_finding *cli_group_new(struct cli_groups *g, struct cli_run *run,
                                  size_t *cap, enum cli_kind kind, int pid,
                                  uint32_t repeat);

/* Folds the pending finding and every leaked segment: afterwards the run
 * holds one finding per group. 0, or -1 when memory ran out (a finding
 * then may stay apart from its group: counted, never lost). */
int cli_group_finish(struct cli_groups *g, struct cli_run *run);

/* Adds pid to the sorted unique f->pids; 0, or -1 when memory ran out. */
int cli_group_add_pid(struct cli_finding *f, int pid);

#endif
