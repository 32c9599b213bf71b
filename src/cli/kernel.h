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

/* Seconds a segment's creation time (shm_ctime, whole seconds) may be off
 * the time its shmget was journaled. */
#define CLI_CTIME_SLACK 2.0

struct cli_cleanup {
    unsigned removed;  /* leaked segments removed */
    unsigned unproven; /* leaked ones left: not proven the tree's */
};

/* --cleanup: removes the leaked segments of run (every segment of each
 * leak's group, findings.h) that are proven to be
 * the ones the tree made: its journal recorded their creation, and the
 * live segment has that shmid, that creator pid and a creation time
 * within CLI_CTIME_SLACK of the call (a process that took a reaped pid of
 * the tree and made a segment is never touched). Segments only the
 * kernel saw (an untraced creator) are left, unless isolated (the tree's
 * own IPC namespace, where all is the tree's). Works the same on a
 * --replay: old journals prove nothing about today's segments. */
struct cli_cleanup cli_remove_leaked(const struct cli_run *run, int isolated);

#endif
