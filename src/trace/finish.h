/*
 * finish.h - the end of a process image: exit, _exit and exec. Each
 * image journals its end and gives its report once.
 */
#ifndef SHMC_TRACE_FINISH_H
#define SHMC_TRACE_FINISH_H

#include <stdint.h>

#include "journal/compiler.h"

/* What an image does once it has ended (shmc__finish). */
enum shmc_end {
    SHMC_END_AS_ASKED, /* exit with the program's own status           */
    SHMC_END_EXITCODE, /* exit with cfg.exitcode instead (the root)    */
    SHMC_END_ABORT,    /* abort: SHMCHECK_ON_ERROR=abort, errors found */
};

/* End of this image (once): journal EXIT, report, close the journal.
 * how = "exit" or "_exit", exit_how its enum shmc_jexit. SHMC_END_ABORT
 * when errors were found and SHMCHECK_ON_ERROR is abort, in any process
 * of the tree (the setting is opt-in): the segments the report counted as
 * leaked are removed already. SHMC_END_EXITCODE when the caller must exit
 * with cfg.exitcode instead of status: errors were found,
 * SHMCHECK_EXITCODE is not 0, this is the root of the traced tree (env.h)
 * and status would exit 0. exit() needs no call: the destructor sees to
 * it. */
enum shmc_end shmc__finish(const char *how, int status, int exit_how);

/* Writes the coverage counters (coverage builds) and calls abort(): the
 * process dies of SIGABRT. Stdio is the caller's business. */
SHMC_NORETURN void shmc__abort_now(void);

/* The image is about to exec file (args: the EXEC record's): journals
 * the exec and reports, as its attachments end if the exec succeeds, and
 * writes the coverage counters (coverage builds), which it would lose.
 * Called with the guard held. */
void shmc__finish_exec(const char *file, const int64_t args[4]);

#endif
