/*
 * checkpoint.h - a journal replaced by its folded form (fold.h), safely
 * against a SIGKILL at any moment (docs/journal-format.md, "Checkpoints").
 *
 * Run by the writer (writer.c) with its grow mutex held, in place of a
 * growth past the checkpoint size. It stops new reservations (busy) and
 * waits until every record reserved so far is committed, so the old file
 * holds every call that returned; then it writes <pid>.<n>.shmj.ckpt in
 * the checked log directory (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), allocates
 * its room, maps it where the old file was mapped, renames it over
 * <pid>.<n>.shmj (atomic: before it the name is the old, whole journal;
 * after it the new one) and lets the writers go on in the new file.
 */
#ifndef SHMC_JOURNAL_CHECKPOINT_H
#define SHMC_JOURNAL_CHECKPOINT_H

#include "wstate.h"

/* The steps at which the test seam (SHMC_JCKPT_KILL_ENV, space.h) kills
 * the process. */
enum shmc_jckpt_step {
    SHMC_JCKPT_CREATED = 1, /* the .ckpt file exists, empty          */
    SHMC_JCKPT_WRITTEN = 2, /* it holds the folded journal           */
    SHMC_JCKPT_MAPPED = 3,  /* it is mapped where the journal was     */
    SHMC_JCKPT_RENAMED = 4, /* it is the journal                     */
    SHMC_JCKPT_DONE = 5     /* the writer goes on in it              */
};

/* Replaces w's journal by its folded form. 0, or -1 with errno, the old
 * journal then left as it was, mapped and named (a stray .ckpt removed).
 * The grow mutex must be held. */
int shmc_jckpt_run(struct shmc_jwriter *w);

#endif
