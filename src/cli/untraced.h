/*
 * untraced.h - the processes of the tree that wrote no journal: known
 * all the same from the journals (a traced parent's FORK and SPAWN
 * records name its children; a journal's header names its parent), from
 * what the CLI reaped and from the kernel's process events (inputs.h),
 * they are listed as untraced, with why, and warned about: a leak checker
 * must not say "no leak" of a process it could not see (what is reported:
 * docs/leak-semantics.md, "What shmcheck cannot see").
 */
#ifndef SHMC_CLI_UNTRACED_H
#define SHMC_CLI_UNTRACED_H

#include "analysis.h"

/* Notes a process a journal names (struct kin, analysis.h), while the
 * journals are replayed; k->name is copied. */
void cli_untraced_note(struct analysis *a, const struct kin *k);

/* After the replay and the CLI's own wait statuses, before the segments
 * are judged: every process the journals, the reaped list and the
 * process events name is in the run, so that a segment an untraced one
 * left counts as the tree's. The parent of the whole tree (the CLI) is
 * not one of them: the ppid of the top program's first journal, and our
 * own pid when top_pid says the tree was run here; with --replay, the
 * ppid of the journal that started first among those whose parent has
 * none. */
void cli_untraced_known(struct analysis *a);

/* After the segments were judged, with run->procs sorted: each process
 * without a journal gets its reason (its <pid>.messages file says its
 * journal could not be created; the log directory is read-only or full;
 * else no journal for a reason the CLI cannot tell) and one warning, as
 * does each traced pid whose last journal ends in an exec no journal
 * followed; and, when there was one and the run was neither isolated nor
 * saw the whole tree (tree_known), a warning that more may have gone
 * unseen, with the advice to use --isolate. */
void cli_untraced_report(struct analysis *a);

#endif
