/*
 * snapshot.h - the kernel's segments as the run left them, kept in the
 * log directory (--log-dir) so that a --replay judges the journals
 * against what the kernel held when the tree ended, not against today's
 * kernel (where the run's private IPC namespace, with --isolate, is
 * gone, and other segments came and went).
 *
 * The file is CLI_SNAPSHOT_NAME in the log directory: a first line
 * "# shmcheck kernel snapshot 1 isolated=I start=S" (I: 0 or 1, the
 * run's --isolate; S: the run's start, CLOCK_REALTIME seconds), then the
 * lines of /proc/sysvipc/shm as read at the end of the run.
 */
#ifndef SHMC_CLI_SNAPSHOT_H
#define SHMC_CLI_SNAPSHOT_H

#include "inputs.h"

#define CLI_SNAPSHOT_NAME "kernel.shm"

/* Writes the snapshot into dir (created O_EXCL|O_NOFOLLOW, mode 0600)
 * from the kernel's table at path (NULL: /proc/sysvipc/shm). 0, or -1
 * with errno. */
int cli_snapshot_save(const char *dir, const char *path, int isolated,
                      long start);

/* Reads dir's snapshot: its segments into *out (malloc'd) and the run's
 * isolated and start. The number of segments, or -1 with errno (ENOENT:
 * there is none; EPROTO: its first line is not a snapshot's). */
long cli_snapshot_load(const char *dir, struct cli_kseg **out, int *isolated,
                       long *start);

#endif
