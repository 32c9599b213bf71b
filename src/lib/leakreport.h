/*
 * leakreport.h - the leak check's report (leakreport.c): lines to stderr,
 * as LeakSanitizer's, and the stacks a preloaded tracer recorded.
 */
#ifndef SHMC_LIB_LEAKREPORT_H
#define SHMC_LIB_LEAKREPORT_H

#include <stdint.h>

#include "internal.h"

/* One line, "==PID== " first, written whole to fd 2 (cut at 1 KiB). */
SHMC__PRINTF(1, 2) void shmc__leak_say(const char *fmt, ...);

/* The stack of the call that made what (enum shmc_trace_what) of shmid
 * or at addr, as libshmcheck-trace.so recorded it, one line a frame
 * (function, file:line when the program has a sanitizer's symbolizer);
 * when the tracer is not preloaded or does not know, one line saying
 * why: `made_by` is the creator's pid when another process made it. */
void shmc__leak_stack(int what, int shmid, uintptr_t addr, int made_by);

#endif
