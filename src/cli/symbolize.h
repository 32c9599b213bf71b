/*
 * symbolize.h - turning the tracer's return addresses into function, file
 * and line, in process (elfutils' libdw: symbolize_dwfl.h says where the
 * debug information comes from).
 *
 * Frames come as (module path, offset from the module's load bias): for a
 * PIE executable or a shared object that offset is the ELF virtual
 * address; for a fixed-address executable the bias is 0 and the offset is
 * the address itself, its ELF virtual address too.
 */
#ifndef SHMC_CLI_SYMBOLIZE_H
#define SHMC_CLI_SYMBOLIZE_H

#include <stddef.h>

#include "findings.h"

struct cli_symbolizer;

/* A symbolizer looking up separate debug information in
 * $SHMCHECK_DEBUG_DIR (SHMC_CLI_DEBUG_DIR) when set and not empty, else in
 * /usr/lib/debug. Returns it (release with cli_symbolizer_stop), or NULL
 * with a message in err (errlen bytes, may be 0) when memory runs out or
 * $SHMCHECK_DEBUG_DIR is not an absolute path without ':'. */
struct cli_symbolizer *cli_symbolizer_start(char *err, size_t errlen);

/* Fills f->function, f->file and f->line (strings interned in run) from
 * f->module and f->offset. f->offset is taken as a return address, which
 * points after the call: offset - 1 is looked up (offset 0 as is), so the
 * line is the call's. What is not known, a NULL module and a module that
 * cannot be read leave NULL / 0. Returns 0, or -1 when s is NULL. */
int cli_symbolize_frame(struct cli_symbolizer *s, struct cli_run *run,
                        struct cli_frame *f);

/* Symbolizes every frame of every finding in run, looking each distinct
 * (module, offset) up once, however many frames share it; frames that
 * share one get the same pointers. */
void cli_symbolize_stacks(struct cli_symbolizer *s, struct cli_run *run);

/* How many addresses s has looked up in debug information so far: what
 * the cache of cli_symbolize_stacks saves is counted here. */
unsigned long cli_symbolizer_lookups(const struct cli_symbolizer *s);

/* Frees s and everything it opened; NULL is a no-op. */
void cli_symbolizer_stop(struct cli_symbolizer *s);

#endif
