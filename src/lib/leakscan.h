/*
 * leakscan.h - the leak check's view of the kernel (leakscan.c), which
 * leakcheck.c judges, reports and cleans up: the segments of the IPC
 * namespace, this process's attachments, and which processes are this
 * one's descendants.
 */
#ifndef SHMC_LIB_LEAKSCAN_H
#define SHMC_LIB_LEAKSCAN_H

#include <stdint.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <time.h>

#include "internal.h"

/* Who created a segment, as far as this process can tell. */
enum shmc__owner {
    SHMC__OWNER_OTHER, /* another process, alive, not a descendant */
    SHMC__OWNER_SELF,  /* this process, since it started           */
    SHMC__OWNER_CHILD, /* a process this one forked (or its child) */
    SHMC__OWNER_GONE   /* a process that ended, not known to be ours */
};

/* The process's start (the constructor), the fork handlers' parts: the
 * ring of children mapped before a fork, the child noted in it. */
void shmc__leak_started(void);
void shmc__leak_before_fork(void);
void shmc__leak_in_child(void);

/* Who created a segment whose shm_cpid is cpid and shm_ctime ctime. */
enum shmc__owner shmc__leak_owner(pid_t cpid, time_t ctime);

/* shmctl for the check's own looks at the kernel (SHM_INFO, SHM_STAT_ANY,
 * IPC_STAT): a system call of its own, so that a preloaded tracer does
 * not take it for the program's (an empty slot's failed SHM_STAT_ANY
 * would be a "failed call" in its report). Removal and detachment go
 * through the C library, and the tracer sees them. */
int shmc__leak_shmctl(int shmid, int cmd, struct shmid_ds *buf);

/* Calls fn (unless NULL) for each segment of the IPC namespace
 * (SHM_STAT_ANY) and returns 0; *none = 1 when the namespace has no
 * segment (then there is no attachment either). -1 with errno when
 * SHM_INFO is refused. */
int shmc__leak_each_segment(void (*fn)(void *ctx, int shmid,
                                       const struct shmid_ds *ds),
                            void *ctx, int *none);

/* Calls fn for each System V attachment of this process, as
 * /proc/self/maps shows it at the call (its start, which shmdt takes, and
 * the shmid), once per attachment even when it spans several mappings.
 * Returns 0, or -1 with errno when the maps cannot be read. */
int shmc__leak_each_attachment(void (*fn)(void *ctx, uintptr_t start,
                                          int shmid),
                               void *ctx);

#endif
