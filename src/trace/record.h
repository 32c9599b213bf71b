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

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

/* What shmdt needs to know before the attachment is gone. */
struct shmc_dt {
    int shmid;        /* -1 when the address was never attached here */
    int was_attached; /* attached and not yet detached               */
    int remapped;     /* remap_file_pages replaced its first page     */
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

/* The hull of every attachment's range, [lo, hi) (hi 0: none yet). */
extern _Atomic uintptr_t shmc__maps_lo, shmc__maps_hi;

/* Whether [addr, addr + len) may touch an attachment: two loads, no lock,
 * for the interposers of munmap, mremap and mmap(MAP_FIXED). */
static inline int shmc__maps_touch(const void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr, lo, hi;

    hi = atomic_load_explicit(&shmc__maps_hi, memory_order_relaxed);
    lo = atomic_load_explicit(&shmc__maps_lo, memory_order_relaxed);
    return a < hi && (a >= lo || lo - a < len);
}

/* A successful call (how: SHMC_JUNMAP_*) took [addr, addr + len) away;
 * for an mremap that moved it, to is where it went (else 0). Journals
 * one UNMAP per live attachment it touched and updates the table: the
 * attachment ends when none of it is left where it was, follows a move
 * of all of it, and keeps what is left otherwise. */
void shmc__on_unmap(struct shmc_call *c, int how, uintptr_t addr, size_t len,
                    uintptr_t to);

/* The process calls, journaled only: a fork seen from the parent, an
 * exec that returned (args: its EXEC record's), a posix_spawn (r: its
 * result; *child read only when r is 0). */
void shmc__on_fork(struct shmc_call *c, int err, pid_t pid);
/* The end of the image by exit (args: status, how). */
void shmc__on_exit(const int64_t args[4]);

/* An exec about to be made (args: fd, how), and one that returned. */
void shmc__on_exec(const char *file, const int64_t args[4]);
void shmc__on_exec_fail(int err, int r, const int64_t args[4]);
void shmc__on_spawn(int search, const char *file, int r, const pid_t *child);

#endif
