/*
 * kernel.h - the kernel's view of the segments: read, judged against the
 * journals, and the leaked ones removed on request.
 */
#ifndef SHMC_CLI_KERNEL_H
#define SHMC_CLI_KERNEL_H

#include "findings.h"
#include "inputs.h"

struct analysis;

/* Reads /proc/sysvipc/shm (or path) into a malloc'd array. Returns the
 * count, or -1 with errno. */
long cli_kernel_segments(const char *path, struct cli_kseg **out);

/* Judges what the tree created (a->created, a->removed) against what the
 * kernel still holds (a->in->kernel): leaked segments, and lints for the
 * segments nobody in the tree removed. */
void cli_judge_segments(struct analysis *a);

/* --cleanup: removes the leaked segments of run that the kernel still
 * says the tree made (their creator pid, and a creation time not before
 * start), and nothing else. Returns how many it removed. */
unsigned cli_remove_leaked(const struct cli_run *run, long start);

#endif
