/*
 * replay.h - one process image's journal, replayed into the analysis.
 */
#ifndef SHMC_CLI_REPLAY_H
#define SHMC_CLI_REPLAY_H

#include "analysis.h"

/* Replays the journal at path: its process, the segments it created and
 * removed, its findings; or a warning when it cannot be read. */
void cli_replay_journal(struct analysis *a, const char *path);

#endif
