/*
 * lineage.h - how each process's images followed one another, from both
 * sources: the journals (an image that journaled: when it began, and the
 * exec that ended it) and the image registry (journal/registry.h: the
 * images that never needed a journal). The latest event of a pid says
 * whether it ended traced or in an exec nothing traced followed (a
 * static, setuid or foreign program: untraced.h warns).
 */
#ifndef SHMC_CLI_LINEAGE_H
#define SHMC_CLI_LINEAGE_H

#include <stdint.h>

#include "analysis.h"

/* Notes that an image of pid began traced at time t (path NULL), or
 * called exec of path at t (an exec that returned is noted as the image
 * going on: path NULL at the EXEC_FAIL's time). */
void cli_lineage_note(struct analysis *a, int pid, uint64_t t,
                      const char *path);

/* Reads <log dir>/images.shmr, if there is one: each image it names is a
 * traced process of the tree (its parent, its command line), each SPAWN
 * names a child; then sets every process's exec_path from its latest
 * lineage event. After the journals were replayed. */
void cli_lineage_finish(struct analysis *a);

#endif
