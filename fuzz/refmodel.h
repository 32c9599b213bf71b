/*
 * refmodel.h - a reference model of System V shared memory for a small world:
 * up to MODEL_PROCS processes, MODEL_SEGS segments and MODEL_ATTS
 * attachment records per process. Pure: no system calls, no globals, no
 * allocation; the whole state is one struct model, a plain value.
 *
 * A driver applies operations one by one, in the order the real system
 * saw them, and each call returns the outcome the real system gives:
 *   - model_lib_*: what the library call (shmc_*) returns, with errno;
 *   - model_raw_*: what the raw call (shmget/shmat/shmdt/shmctl) returns;
 *   - model_fork/exit/exec: process events, which have no return value.
 * Every call predicts and applies at once; call it before (or after) the
 * real call, never twice. A result with skip set means the operation does
 * not fit this world (a dead process, a full table, no such record):
 * nothing changed and the driver must not run it.
 *
 * Names: a process is a slot 0..MODEL_PROCS-1; each incarnation of a slot
 * has a serial (the first processes have serial == slot, forked children
 * get MODEL_PROCS, MODEL_PROCS+1, ...) that findings and creators use, so
 * a driver maps serials to pids. A segment is a slot 0..nseg-1 in creation
 * order; it keeps its slot after it is destroyed (a stale id). An
 * attachment record is an index in its process's table; a forked child
 * starts with a copy of its parent's table. Addresses are opaque tokens:
 * the driver labels a new record with the address the real shmat returned
 * (model_label); the model only compares them for equality, as shmdt does.
 * Keys are key values, IPC_PRIVATE (0) making a new segment every time.
 *
 * Kernel facts the model relies on (Linux, shm_rmid_forced = 0, a
 * privileged caller unless it dropped root (model_drop_root), segments
 * made with mode 0666, sizes far below SHMMAX, no other process in the
 * IPC namespace):
 *   - IPC_RMID marks a segment (SHM_DEST) and makes its key private; it is
 *     destroyed when nattch reaches 0 (at once when it is 0 already).
 *   - shmat by id still works on a marked segment; a destroyed id is EINVAL
 *     for shmat and shmctl.
 *   - shmdt(addr) detaches the attachment that starts at addr in the
 *     calling process, whichever record it came from, else EINVAL.
 *   - fork duplicates every live attachment (nattch + 1 each); exit and
 *     exec detach them all, like shmdt. A raw clone without CLONE_VM is a
 *     fork to the kernel (the driver calls model_fork for it).
 *   - a process that dropped root (setuid to an unprivileged user, kept
 *     through fork and exec) may still get, attach and stat every segment
 *     (mode 0666), but IPC_RMID of a segment another user made is EPERM
 *     (ipcctl_obtain_check: neither creator, owner nor CAP_SYS_ADMIN).
 * Findings follow docs/leak-semantics.md: an unmatched attach per live
 * attachment at exit or exec, an invalid detach per shmdt the kernel
 * refused (library calls refused before the kernel are not findings), a
 * leaked segment per segment that still exists unmarked once every
 * process ended (model_finish).
 *
 * The model's code is in refmodel/: state.c (the world, findings, names),
 * raw.c (model_raw_*), library.c (model_lib_*), process.c (fork, exit,
 * exec, dropping root, finish).
 */
#ifndef SHMC_FUZZ_REFMODEL_H
#define SHMC_FUZZ_REFMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "shmcheck.h"

#define MODEL_PROCS 4
#define MODEL_SEGS 8
#define MODEL_ATTS 16
#define MODEL_FINDINGS 256

/* model_raw_get flags, as IPC_CREAT and IPC_EXCL. */
#define MODEL_CREAT 1
#define MODEL_EXCL 2

/* The library handle a record has in its process's memory. */
enum model_handle {
    MODEL_H_NONE,     /* zeroed: a raw shmat, or wiped by exec  */
    MODEL_H_ATTACHED, /* filled by shmc_attach                  */
    MODEL_H_DETACHED, /* shmc_detach/shmc_release succeeded     */
};

struct model_seg {
    int exists;       /* 0: destroyed; its id names nothing now   */
    int marked;       /* IPC_RMID done (SHM_DEST): key is private */
    int32_t key;      /* key it was made with; 0: IPC_PRIVATE     */
    size_t size;      /* shm_segsz                                */
    unsigned nattch;  /* live attachments in all processes        */
    int creator;      /* serial of the process that made it       */
    int unprivileged; /* made by a process that dropped root      */
};

struct model_att {
    int seg;                  /* segment slot                         */
    uint64_t addr;            /* address token (model_label)          */
    int live;                 /* mapped in this process now           */
    int inherited;            /* came from the parent through fork    */
    enum model_handle handle; /* library handle state                 */
};

struct model_proc {
    int alive;
    int serial;
    int unprivileged; /* dropped root (model_drop_root)         */
    int natt;         /* records in att[] */
    struct model_att att[MODEL_ATTS];
};

enum model_kind {
    MODEL_LEAKED_SEGMENT,   /* error   */
    MODEL_UNMATCHED_ATTACH, /* warning */
    MODEL_INVALID_DETACH,   /* error   */
};

enum model_end { MODEL_END_EXIT, MODEL_END_EXEC };

struct model_finding {
    enum model_kind kind;
    int proc;             /* serial: the process (leaked: the creator)       */
    int seg;              /* segment slot; -1 for an invalid detach          */
    uint64_t addr;        /* unmatched/invalid: the address token   */
    size_t size;          /* leaked: its size                       */
    int inherited;        /* unmatched: through fork                */
    enum model_end ended; /* unmatched: exit or exec                */
};

/* Exact counts, also when the finding list is full. */
struct model_summary {
    unsigned long leaked_segments, leaked_bytes, unmatched_attaches,
        inherited_unmatched, invalid_detaches;
};

struct model {
    struct model_seg seg[MODEL_SEGS];
    int nseg;
    struct model_proc proc[MODEL_PROCS];
    int next_serial;
    struct model_finding finding[MODEL_FINDINGS]; /* in event order */
    int nfinding;
    struct model_summary summary;
    int finished; /* model_finish ran: no process is alive */
};

/* A predicted outcome. Only the fields the call names are meaningful. */
struct model_res {
    int skip;          /* not applicable: nothing changed, do not run  */
    enum shmc_err err; /* library calls: the code returned             */
    int err_no;        /* errno after a failure; 0 when it succeeded   */
    int seg;           /* create/open/get: slot made or found; else -1 */
    int created;       /* get/create: 1 when a new segment was made    */
    int att;           /* attach: index of the new record; else -1     */
    size_t size;       /* open, stat: shm_segsz                        */
    unsigned nattch;   /* stat                                         */
    int marked;        /* stat: SHM_DEST                               */
    int creator;       /* stat: serial of the creator (shm_cpid)       */
    int removed;       /* release: *removed                            */
};

/* Starts a world: the processes whose bit is set in live_mask (bit p for
 * slot p) are alive, with no attachments; no segment exists. */
void model_init(struct model *m, unsigned live_mask);

/* Labels record att of process p with the address token the real shmat
 * returned. Labels never change a prediction except through shmdt, which
 * finds a live record by address. */
void model_label(struct model *m, int p, int att, uint64_t addr);

/* --- raw calls: err_no is the errno of a -1 return, 0 on success --- */

/* shmget(key, size, flags): key 0 is IPC_PRIVATE. ENOENT without
 * MODEL_CREAT when no unmarked segment has the key, EEXIST with both flags
 * when one has, EINVAL when it is smaller than size or a new one would
 * have size 0. Skipped when it would need a segment slot and none is
 * left. */
struct model_res model_raw_get(struct model *m, int p, int32_t key, size_t size,
                               int flags);

/* shmat(id of seg, NULL, 0): a new live record (handle NONE), or EINVAL
 * when the segment was destroyed. Skipped when p's table is full. */
struct model_res model_raw_at(struct model *m, int p, int seg);

/* shmdt(addr) in process p: detaches p's live record at addr; EINVAL (an
 * invalid detach finding) when none starts there. */
struct model_res model_raw_dt(struct model *m, int p, uint64_t addr);

/* shmctl(id of seg, IPC_STAT): size, nattch, marked, creator; EINVAL when
 * destroyed. */
struct model_res model_raw_stat(struct model *m, int p, int seg);

/* shmctl(id of seg, IPC_RMID): marks it (destroys it if nobody is
 * attached); EINVAL when destroyed; EPERM when p dropped root and seg was
 * made by a privileged process. */
struct model_res model_raw_rmid(struct model *m, int p, int seg);

/* --- library calls: err is the enum shmc_err returned --- */

/* shmc_segment_create(key, size, mode, &out): SHMC_E_SIZE_ZERO for size
 * 0, SHMC_E_EXISTS when an unmarked segment has the key. */
struct model_res model_lib_create(struct model *m, int p, int32_t key,
                                  size_t size);

/* shmc_segment_create_or_open(key, size, mode, &out): create, or open
 * the unmarked segment with the key when it exists (created 0), which is
 * SHMC_E_TOO_SMALL when smaller than size. (No other process runs
 * between the two steps here, so never SHMC_E_RACE.) */
struct model_res model_lib_create_or_open(struct model *m, int p, int32_t key,
                                          size_t size);

/* shmc_segment_open(key, min_size, 0, &out): SHMC_E_OPEN_PRIVATE for
 * IPC_PRIVATE, SHMC_E_NOT_FOUND, SHMC_E_TOO_SMALL; size is the real one. */
struct model_res model_lib_open(struct model *m, int p, int32_t key,
                                size_t min_size);

/* shmc_attach(handle of seg, NULL, 0, &out): a new record with an
 * ATTACHED handle, or SHMC_E_REMOVED. Skipped when p's table is full. */
struct model_res model_lib_attach(struct model *m, int p, int seg);

/* shmc_detach(handle of record att): SHMC_E_ALREADY_DETACHED (a detached
 * handle) and SHMC_E_HANDLE_INVALID (a zeroed one) without the kernel;
 * else shmdt of the record's address, SHMC_E_KERNEL_INVALID if refused. */
struct model_res model_lib_detach(struct model *m, int p, int att);

/* shmc_release(handle of record att, &removed): the handle checks of
 * detach; IPC_STAT (SHMC_E_REMOVED when destroyed); IPC_RMID when nattch
 * is 1 and it is not marked; then shmdt as detach does. */
struct model_res model_lib_release(struct model *m, int p, int att);

/* shmc_segment_stat(handle of seg): as model_raw_stat, SHMC_E_REMOVED. */
struct model_res model_lib_stat(struct model *m, int p, int seg);

/* shmc_segment_remove(handle of seg): as model_raw_rmid, SHMC_E_REMOVED. */
struct model_res model_lib_remove(struct model *m, int p, int seg);

/* --- process events --- */

/* fork() in parent: child (a dead slot) comes alive with a new serial and
 * a copy of the parent's records, marked inherited; each live one adds an
 * attachment. Returns the child's serial, or -1 (nothing changed) when
 * the parent is dead, the child slot alive or out of range. */
int model_fork(struct model *m, int parent, int child);

/* Process p exits: each live record is an unmatched attach (ended by
 * exit) and is detached; p's slot becomes dead and empty. 0, or -1 when p
 * is not alive. */
int model_exit(struct model *m, int p);

/* Process p execs: as exit, ended by exec, but p stays alive; its records
 * stay, not live, with their handles wiped (NONE): a raw shmdt of an old
 * address is still possible. 0, or -1 when p is not alive. */
int model_exec(struct model *m, int p);

/* Process p drops root for good (setgroups, setgid, setuid to an
 * unprivileged user): its later IPC_RMID of segments it does not own fail
 * (model_raw_rmid), and the segments it makes are its user's. Kept by its
 * forks and across exec. 0, or -1 (nothing changed) when p is not alive
 * or dropped root already. */
int model_drop_root(struct model *m, int p);

/* The whole tree ends: every live process exits, in slot order, then
 * every segment that still exists unmarked is a leaked segment. */
void model_finish(struct model *m);

/* Names for traces: the reports' name of a kind ("unmatched_attach", from
 * src/journal/kinds.h), and "exit" or "exec". */
const char *model_kind_name(enum model_kind kind);
const char *model_end_name(enum model_end end);

#endif
