/*
 * run.h - runs the program tree under the tracer and reaps all of it.
 */
#ifndef SHMC_CLI_RUN_H
#define SHMC_CLI_RUN_H

#include "journal/jfile.h"

struct cli_interrupt; /* signals.h */

#include <stddef.h>

#include "inputs.h" /* struct cli_reaped */

struct cli_spawn {
    char **argv;          /* the program and its arguments            */
    const char *trace_so; /* absolute path of libshmcheck-trace.so    */
    const char *log_dir;  /* journals go here                         */
    int quiet_tracer;     /* SHMCHECK_REPORT=none for the tree        */
    const struct shmc_jdir_pin *pin; /* log_dir's identity, or NULL    */
    struct cli_interrupt *intr;      /* out: the signals seen, or NULL */
};

/* Enters a private IPC namespace (as root, or through a user namespace
 * where the kernel allows it). 0, or -1 with a message in err. */
int cli_isolate(char *err, size_t errlen);

/* Becomes child subreaper, starts the program with the tracer preloaded
 * (after any LD_PRELOAD the user has), forwards SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT to it, or once it ended to the rest of the tree (signals.h),
 * and waits until every descendant has ended, daemons and double forks
 * included. Leaves those signals blocked (for the report to be made). Fills
 * *reaped (malloc'd) and *top_pid. Returns 0, 126 (cannot run) or 127 (not
 * found) with err set, or -1. */
int cli_spawn_tree(const struct cli_spawn *sp, struct cli_reaped **reaped,
                   size_t *nreaped, int *top_pid, char *err, size_t errlen);

#endif
