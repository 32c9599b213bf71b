/*
 * analyze.h - from journals and the kernel's view to findings.
 *
 * Every journal in the log directory is replayed on its own (a process
 * image's events are in order in its file: replay.c); segments are then
 * judged against what the kernel still holds once the whole tree has
 * ended (kernel.c). What each kind of finding means:
 * docs/leak-semantics.md.
 */
#ifndef SHMC_CLI_ANALYZE_H
#define SHMC_CLI_ANALYZE_H

#include "findings.h"
#include "inputs.h"
#include "kernel.h" /* cli_kernel_segments: the kernel's view to analyse */

/* Fills run (processes, findings, summary, warnings) from in. Frames get
 * module and offset, not yet function/file/line. Returns 0, or -1 when
 * memory ran out. A damaged journal is read up to its last whole record
 * and adds a warning. */
int cli_analyze(const struct cli_inputs *in, struct cli_run *run);

#endif
