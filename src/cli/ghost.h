/*
 * ghost.h - a journal record a checkpoint wrote as a GHOST (format:
 * docs/journal-format.md): it stands for calls whose effect on the state
 * the checkpoint already netted out, so only their findings are judged.
 */
#ifndef SHMC_CLI_GHOST_H
#define SHMC_CLI_GHOST_H

#include "analysis.h"

/* The lints of the successful call(s) r stands for, without its effect
 * (no segment created or removed, no attachment made or undone). A failed
 * call changes nothing: replay it as any other. */
void cli_ghost_judge(struct image *im, const struct shmc_jrec *r);

#endif
