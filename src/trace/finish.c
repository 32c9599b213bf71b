/*
 * finish.c - the end of a process image (API: finish.h): the EXIT or EXEC
 * record, the report, the root's exit status when errors were found (or,
 * with SHMCHECK_ON_ERROR=abort, the leaks removed and abort()), the
 * journal closed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "emit.h"
#include "finish.h"
#include "record.h"
#include "report.h"
#include "start.h"
#include "state.h"

enum shmc_end shmc__finish(const char *how, int status, int exit_how)
{
    struct shmc_trace *t = &shmc__trace;
    int expected = SHMC_READY, errors;
    int64_t args[4] = {status, exit_how, 0, 0};

    /* Not ours to end: a vfork or CLONE_VM child shares our memory, or
     * this image has already ended (report once). A raw clone child takes
     * its own journal first. */
    if (!shmc__adopt_clone() || !shmc__own_process() ||
        !atomic_compare_exchange_strong(&t->phase, &expected, SHMC_DONE))
        return SHMC_END_AS_ASKED;
    shmc__in_tracer = 1;
    shmc__on_exit(args);
    errors = shmc__report(how);
    /* Aborting: what it leaked goes first, so that a fuzzer's runs, each
     * a process that aborts, never fill the segment table. */
    if (errors && t->cfg.on_error == SHMC_ON_ERROR_ABORT)
        shmc__remove_leaks();
    if (t->journal_on)
        shmc_jwriter_close(&t->journal);
    t->journal_on = 0;
    shmc__in_tracer = 0;
    if (errors && t->cfg.on_error == SHMC_ON_ERROR_ABORT)
        return SHMC_END_ABORT;
    /* The exit status is the program's: only the root of the traced tree
     * (env.c) says that errors were found, and only instead of success,
     * as a test suite's runner reads it. A child's status is its parent's
     * business: changing it would change what the program does. */
    return errors && t->cfg.exitcode != 0 && t->root && (status & 0xff) == 0
               ? SHMC_END_EXITCODE
               : SHMC_END_AS_ASKED;
}

/* abort() raises SIGABRT; a handler of the program's runs, and if it
 * returns, glibc restores the default action and raises it again: the
 * process dies of SIGABRT all the same (unless the handler never
 * returns, longjmp'ing away: then the program goes on, untraced). */
void shmc__abort_now(void)
{
    SHMC_COVERAGE_FLUSH();
    abort(); /* LCOV_EXCL_LINE: after the flush */
}

void shmc__finish_exec(const char *file, const int64_t args[4])
{
    shmc__on_exec(file, args);
    shmc__report("exec");
    SHMC_COVERAGE_FLUSH();
}

static void finish_exit(int status)
{
    const struct shmc_trace *t = &shmc__trace;
    enum shmc_end end = shmc__finish("exit", status, SHMC_JEXIT_EXIT);

    if (end == SHMC_END_AS_ASKED)
        return;
    /* Errors found: the exit status says so, as LeakSanitizer's does, or
     * the process aborts. exit() would flush stdio after us, and the
     * program asked to exit: its output must not be lost either way. */
    fflush(NULL);
    shmc__resolve(); /* before the flush: counted */
    if (end == SHMC_END_ABORT)
        shmc__abort_now();
    SHMC_COVERAGE_FLUSH();
    SHMC_REAL._exit_(t->cfg.exitcode); /* LCOV_EXCL_LINE: after the flush */
}

/* Registered by the destructor, so it runs after every destructor: this
 * object is finalised before the libraries the program links (they were
 * initialised before it), and their destructors may still detach and
 * remove segments. gcov wrote this object's counts when it was
 * finalised: count anew from here, and write them at the end. */
static void late_exit(int status, void *arg) /* LCOV_EXCL_LINE: reset below */
{
    (void)arg;
    SHMC_COVERAGE_RESTART(); /* LCOV_EXCL_LINE: it zeroes its own count */
    finish_exit(status);
    SHMC_COVERAGE_FLUSH();
}

/* After main returns or exit() is called: on_exit, unlike atexit in a
 * shared object, queues the handler after the destructors still to run,
 * and tells it the exit status. */
SHMC_DESTRUCTOR static void trace_destructor(void)
{
    /* on_exit fails only out of memory: then report now, before the rest. */
    if (on_exit(late_exit, NULL) != 0) /* LCOV_EXCL_BR_LINE: ENOMEM only */
        finish_exit(-1); /* LCOV_EXCL_LINE: ENOMEM only; status unknown */
}
