/*
 * symbolize.h - turning the tracer's return addresses into function, file
 * and line, by asking llvm-symbolizer, run once as a child process.
 *
 * Frames come as (module path, offset from the module's load bias): for a
 * PIE executable or a shared object that offset is the ELF virtual address
 * llvm-symbolizer expects; for a fixed-address executable the bias is 0.
 */
#ifndef SHMC_CLI_SYMBOLIZE_H
#define SHMC_CLI_SYMBOLIZE_H

#include <stddef.h>

#include "findings.h"

struct cli_symbolizer;

/* Starts the symbolizer: path_or_null, or when NULL $SHMCHECK_SYMBOLIZER if
 * set and not empty, else llvm-symbolizer-14, else llvm-symbolizer, both
 * looked up in $PATH. The program must speak llvm-symbolizer's stdin/stdout
 * protocol; its stderr goes to /dev/null, its SIGPIPE is reset to the
 * default. Our end of the channel is close-on-exec and written with
 * MSG_NOSIGNAL, so a dying symbolizer never raises SIGPIPE in the CLI.
 * Returns the symbolizer (release with cli_symbolizer_stop), or NULL with a
 * message naming the program(s) tried in err (errlen bytes, may be 0) when
 * none can be executed. (glibc's posix_spawn reports a failed exec; where
 * it cannot, as under valgrind, the first query returns -1 instead.) */
struct cli_symbolizer *cli_symbolizer_start(const char *path_or_null, char *err,
                                            size_t errlen);

/* Fills f->function, f->file and f->line (strings interned in run) from
 * f->module and f->offset. f->offset is taken as a return address, which
 * points after the call: offset - 1 is asked (offset 0 as is), so the line
 * is the call's. What the symbolizer does not know ("??", line 0), a NULL
 * module, and a module path it cannot be sent (a newline, both kinds of
 * quote, longer than PATH_MAX) leave NULL / 0. Returns 0, or -1 when the
 * symbolizer is NULL or has died: it closed its output, or did not answer
 * within its bounds (cli_symbolizer_set_timeouts; it is then taken as hung).
 * The frame is then unchanged, every later call returns -1 at once, and
 * cli_symbolizer_failure says why. */
int cli_symbolize_frame(struct cli_symbolizer *s, struct cli_run *run,
                        struct cli_frame *f);

/* The bounds on the symbolizer's replies: each within reply_ms, all of
 * them within total_ms of this call. cli_symbolizer_start sets 10 s and
 * 60 s: a big module's first reply loads its debug information. */
void cli_symbolizer_set_timeouts(struct cli_symbolizer *s, int reply_ms,
                                 int total_ms);

/* Why the symbolizer stopped answering, a phrase naming it ("symbolizer
 * PATH stopped answering ..."), or NULL while it answers (and for NULL). */
const char *cli_symbolizer_failure(const struct cli_symbolizer *s);

/* Symbolizes every frame of every finding in run, asking each distinct
 * (module, offset) once; frames that share one get the same pointers.
 * Stops early, leaving the rest unsymbolized, if the symbolizer dies. */
void cli_symbolize_stacks(struct cli_symbolizer *s, struct cli_run *run);

/* Closes the channel, which makes the symbolizer exit, and reaps it (killed
 * if it has not exited within 2 seconds). Frees s; NULL is a no-op. */
void cli_symbolizer_stop(struct cli_symbolizer *s);

#endif
