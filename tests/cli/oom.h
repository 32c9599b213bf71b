/*
 * oom.h - for the CLI's out-of-memory tests (test_oom*.c): an allocation
 * failure injector, SQLite's countdown ("let N allocations succeed, fail
 * the next one", or every one from there on), and a tree of journals with
 * a finding of every kind to run the analysis on (tests/cli/oom.c).
 *
 * The injector replaces malloc, calloc, realloc and free in the program
 * it is linked into (glibc's own calls go through them too), and counts
 * the allocations not yet freed. Sanitizer builds have their own
 * allocator: there nothing is replaced, and the tests skip (need_faults).
 * Link it into the out-of-memory tests only.
 */
#ifndef SHMC_TESTS_CLI_OOM_H
#define SHMC_TESTS_CLI_OOM_H

#include "analyze.h"

#define MAX_STEPS 100000 /* allocations one operation may make */

/* Skips the test where the injector is not built (sanitizers). */
void need_faults(void);
/* Let n allocations succeed, then fail one, or with persistent, all. */
void arm_mode(long n, int persistent);
void arm(long n);
/* Stops injecting; whether a failure was injected. */
int disarm(void);
/* Allocations of this process not freed yet. */
long live_allocations(void);
/* Fails unless the live allocations are live again (after failure n). */
void assert_leaked(long n, long live);

struct oom_fx {
    char dir[64];
    struct cli_kseg kernel[2];
    struct cli_reaped reaped[3];
    struct cli_inputs in;
};

/* A tree with a finding of every kind, a damaged journal and an exec, and
 * the kernel's and the reaper's view of it (one fixture for the group). */
int oom_setup(void **state);
int oom_teardown(void **state);
/* The whole of a run as the JSON report has it, malloc'd. */
char *as_json(const struct cli_run *run);

#endif
