/*
 * finish.h - the end of a process image: exit, _exit and exec. Each
 * image journals its end and gives its report once.
 */
#ifndef SHMC_TRACE_FINISH_H
#define SHMC_TRACE_FINISH_H

#include <stdint.h>

/* End of this image (once): journal EXIT, report, close the journal.
 * how = "exit" or "_exit", exit_how its enum shmc_jexit. Returns 1 when
 * the caller must exit with cfg.exitcode instead of status: errors were
 * found, SHMCHECK_EXITCODE is not 0, this is the root of the traced tree
 * (env.h) and status would exit 0. exit() needs no call: the destructor
 * sees to it. */
int shmc__finish(const char *how, int status, int exit_how);

/* The image is about to exec file (args: the EXEC record's): journals
 * the exec and reports, as its attachments end if the exec succeeds, and
 * writes the coverage counters (coverage builds), which it would lose.
 * Called with the guard held. */
void shmc__finish_exec(const char *file, const int64_t args[4]);

#endif
