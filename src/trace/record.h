/*
 * record.h - what each call leaves behind: its journal record, and for the
 * System V calls the per-process tables and findings the report reads.
 *
 * Each shmc__on_* takes the call (time and stack), the errno the real
 * function left (kept in call->err when it failed), the arguments and the
 * result.
 */
#ifndef SHMC_TRACE_RECORD_H
#define SHMC_TRACE_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

/* What shmdt needs to know before the attachment is gone. */
struct shmc_dt {
    int shmid;        /* -1 when the address was never attached here */
    int was_attached; /* attached and not yet detached               */
    uint32_t gen;
};

struct shmid_ds;
void shmc__on_shmget(struct shmc_call *c, int err, key_t key, size_t size,
                     int flg, int r);
void shmc__on_shmat(struct shmc_call *c, int err, int shmid, const void *addr,
                    int flg, void *p);
void shmc__before_shmdt(const void *addr, struct shmc_dt *d);
void shmc__on_shmdt(struct shmc_call *c, int err, const void *addr,
                    const struct shmc_dt *d, int r);
void shmc__on_shmctl(struct shmc_call *c, int err, int shmid, int cmd,
                     const struct shmid_ds *buf, int r);
void shmc__on_ftok(struct shmc_call *c, int err, const char *path, int proj,
                   key_t r);

/* The process calls, journaled only: a fork seen from the parent, an
 * exec that returned (args: its EXEC record's), a posix_spawn (r: its
 * result; *child read only when r is 0). */
void shmc__on_fork(struct shmc_call *c, int err, pid_t pid);
void shmc__on_exec_fail(int err, int r, const int64_t args[4]);
void shmc__on_spawn(int search, const char *file, int r, const pid_t *child);

#endif
