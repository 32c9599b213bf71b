/*
 * replay_process.h - the handlers of replay.c for the records about the
 * process: START (its parent and argv), MODULE (a module loaded, its path
 * interned in the depot), EXEC and EXEC_FAIL (an exec pending, its path
 * copied), FORK and SPAWN (a child of the tree, untraced.h), EXIT (the
 * status exit was called with).
 */
#ifndef SHMC_CLI_REPLAY_PROCESS_H
#define SHMC_CLI_REPLAY_PROCESS_H

#include "analysis.h"

void cli_replay_start(struct image *im, const struct shmc_jrec *r);
void cli_replay_module(struct image *im, const struct shmc_jrec *r);
void cli_replay_exec(struct image *im, const struct shmc_jrec *r);
void cli_replay_child(struct image *im, const struct shmc_jrec *r);
void cli_replay_exit_call(struct image *im, const struct shmc_jrec *r);

#endif
