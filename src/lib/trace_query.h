/*
 * trace_query.h - what the leak check (leakcheck.c) may ask the tracer
 * when libshmcheck-trace.so is preloaded: the stack of the call that made
 * a segment or an attachment. The library never links the tracer: it
 * looks the function up by name (dlsym) and does without when it is not
 * there. The tracer defines it (src/trace/query.c) and exports it.
 */
#ifndef SHMC_LIB_TRACE_QUERY_H
#define SHMC_LIB_TRACE_QUERY_H

#include <stdint.h>

/* The exported name; a change of meaning takes a new name. */
#define SHMC_TRACE_QUERY_SYMBOL "shmc_trace_stack_v1"

enum shmc_trace_what {
    SHMC_TRACE_CREATED = 1, /* the shmget that created shmid   */
    SHMC_TRACE_ATTACHED = 2 /* the shmat that attached at addr */
};

/* Writes at most max return addresses (the innermost call first) of the
 * call what names into frames; returns how many, 0 when this process's
 * tracer does not know it (made in another process, before the tracer
 * started, or with stacks off). Safe to call from any thread; it makes no
 * System V call and keeps errno. */
typedef unsigned shmc_trace_stack_fn(int what, int shmid, uintptr_t addr,
                                     uintptr_t *frames, unsigned max);

#endif
