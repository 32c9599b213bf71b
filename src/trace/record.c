/*
 * record.c - what each call leaves behind (API: record.h): a journal
 * record, and the per-process tables the exit report reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "emit.h"
#include "record.h"
#include "registry.h"
#include "shmcheck.h"
#include "stack.h"
#include "state.h"

/* A failed call or invalid detach for the report; the lock is held. */
static void add_event(int op, const struct shmc_call *c, int check, int shmid,
                      const int64_t args[4])
{
    struct shmc_trace *t = &shmc__trace;
    struct shmc_event *e;

    if (t->nevents == SHMC_MAX_FINDINGS) {
        t->events_lost++;
        return;
    }
    e = &t->events[t->nevents++];
    e->op = op;
    e->err = c->err;
    e->check = check;
    e->shmid = shmid;
    memcpy(e->args, args, sizeof e->args);
    e->nframes = c->nframes;
    memcpy(e->frames, c->frames, 8u * c->nframes);
}

static void failed(int op, const struct shmc_call *c, int check,
                   const int64_t args[4])
{
    shmc__lock();
    shmc__trace.failed_calls++;
    add_event(op, c, check, -1, args);
    shmc__unlock();
}

/* Did this successful shmget create the segment? Certain for IPC_PRIVATE
 * and IPC_CREAT|IPC_EXCL; for IPC_CREAT alone the kernel's creator pid
 * tells, unless this process already knew the segment. */
static int created(key_t key, int flg, int shmid)
{
    struct shmc_trace *t = &shmc__trace;
    struct shmid_ds ds;
    int known;

    if (key == IPC_PRIVATE || ((flg & IPC_CREAT) && (flg & IPC_EXCL)))
        return 1;
    if (!(flg & IPC_CREAT) || shmc__kernel_stat(shmid, &ds) != 0)
        return 0;
    shmc__lock();
    known = shmc_table_get(&t->segs, (uint64_t)shmid) != NULL;
    shmc__unlock();
    return !known && ds.shm_cpid == t->pid;
}

void shmc__on_shmget(struct shmc_call *c, int err, key_t key, size_t size,
                     int flg, int r)
{
    struct shmc_trace *t = &shmc__trace;
    int made = r >= 0 && created(key, flg, r);
    int64_t args[4] = {key, (int64_t)size, flg, made};

    c->err = r < 0 ? err : 0;
    shmc__journal(SHMC_J_SHMGET, c, r, args, NULL, 0);
    if (r < 0) {
        failed(SHMC_J_SHMGET, c, shmc_validate_get(key, size, flg, NULL), args);
        return;
    }
    if (!made)
        return;
    shmc__lock();
    struct shmc_seg *s = shmc_table_put(&t->segs, (uint64_t)r, NULL);
    if (s != NULL) {
        s->key = key;
        s->size = size;
        s->stack = shmc__stack_save(c);
    }
    shmc__unlock();
}

_Atomic uintptr_t shmc__maps_lo, shmc__maps_hi;

/* The hull of every attachment's range ever (lock held): a call outside
 * it cannot touch one. It never shrinks: a stale part costs a table walk
 * under the lock, never a missed unmap. */
static void hull(uint64_t lo, uint64_t hi)
{
    if (atomic_load(&shmc__maps_hi) == 0 || lo < atomic_load(&shmc__maps_lo))
        atomic_store(&shmc__maps_lo, lo);
    if (hi > atomic_load(&shmc__maps_hi))
        atomic_store(&shmc__maps_hi, hi);
}

/* The range the kernel mapped for an attachment at p (lock held): the
 * segment's size (IPC_STAT; 0: unknown) up to whole pages; the hull of every
 * attachment grows to hold it. */
static void mapped(struct shmc_att *a, uintptr_t p, uint64_t size)
{
    uint64_t page = (uint64_t)getpagesize();

    a->lo = p;
    a->hi = size ? p + ((size + page - 1) & ~(page - 1)) : 0;
    if (a->hi != 0)
        hull(a->lo, a->hi);
}

void shmc__on_shmat(struct shmc_call *c, int err, int shmid, const void *addr,
                    int flg, void *p)
{
    struct shmc_trace *t = &shmc__trace;
    int64_t args[4] = {shmid, (int64_t)(uintptr_t)addr, flg, 0};
    struct shmc_att *a;
    struct shmid_ds ds;
    uint64_t size;

    c->err = p == (void *)-1 ? err : 0;
    if (p == (void *)-1) {
        shmc__journal(SHMC_J_SHMAT, c, -1, args, NULL, 0);
        failed(SHMC_J_SHMAT, c, shmc_validate_at(shmid, addr, flg, NULL), args);
        return;
    }
    size = shmc__kernel_stat(shmid, &ds) == 0 ? ds.shm_segsz : 0;
    shmc__lock();
    struct shmc_seg *s = shmc_table_get(&t->segs, (uint64_t)shmid);
    args[3] = s ? (int64_t)s->size : 0;
    a = shmc_table_put(&t->atts, (uint64_t)(uintptr_t)p, NULL);
    if (a != NULL) {
        a->shmid = shmid;
        a->shmflg = flg;
        a->segsz = (uint64_t)args[3];
        a->inherited = 0;
        a->detached = 0;
        a->remapped = 0;
        a->gen = ++t->gen;
        a->stack = shmc__stack_save(c);
        mapped(a, (uintptr_t)p, size);
    }
    t->attaches++;
    shmc__unlock();
    shmc__journal(SHMC_J_SHMAT, c, (int64_t)(uintptr_t)p, args, NULL, 0);
}

void shmc__before_shmdt(const void *addr, struct shmc_dt *d)
{
    struct shmc_trace *t = &shmc__trace;
    const struct shmc_att *a;

    shmc__lock();
    a = shmc_table_get(&t->atts, (uint64_t)(uintptr_t)addr);
    d->shmid = a ? a->shmid : -1;
    d->was_attached = a && !a->detached;
    d->remapped = a && !a->detached && a->remapped;
    d->gen = a ? a->gen : 0;
    shmc__unlock();
}

void shmc__on_shmdt(struct shmc_call *c, int err, const void *addr,
                    const struct shmc_dt *d, int r)
{
    struct shmc_trace *t = &shmc__trace;
    uint64_t key = (uint64_t)(uintptr_t)addr;
    int64_t args[4] = {(int64_t)key, d->shmid, d->was_attached, d->remapped};

    c->err = r < 0 ? err : 0;
    shmc__journal(SHMC_J_SHMDT, c, r, args, NULL, 0);
    shmc__lock();
    if (r == 0) {
        struct shmc_att *a = shmc_table_get(&t->atts, key);
        /* Only if no other thread attached anew at this address since. */
        if (a != NULL && a->gen == d->gen)
            a->detached = 1;
        t->detaches++;
    } else {
        t->invalid_detaches++;
        add_event(SHMC_J_SHMDT, c, shmc_validate_dt(addr, NULL), d->shmid,
                  args);
    }
    shmc__unlock();
}

void shmc__on_shmctl(struct shmc_call *c, int err, int shmid, int cmd,
                     const struct shmid_ds *buf, int r)
{
    struct shmc_trace *t = &shmc__trace;
    int64_t mode = cmd == IPC_SET && buf ? buf->shm_perm.mode : 0;
    int64_t args[4] = {shmid, cmd, mode, 0};

    c->err = r < 0 ? err : 0;
    shmc__journal(SHMC_J_SHMCTL, c, r, args, NULL, 0);
    if (r < 0) {
        failed(SHMC_J_SHMCTL, c, shmc_validate_ctl(shmid, cmd, buf), args);
        return;
    }
    if (cmd != IPC_RMID)
        return;
    /* Removed: it can no longer leak, so it leaves the table. */
    shmc__lock();
    shmc_table_del(&t->segs, (uint64_t)shmid);
    shmc__unlock();
}

void shmc__on_ftok(struct shmc_call *c, int err, const char *path, int proj,
                   key_t r)
{
    int64_t args[4] = {proj, 0, 0, 0};

    c->err = r == (key_t)-1 ? err : 0;
    shmc__journal(SHMC_J_FTOK, c, r, args, path, shmc__string_payload(path));
    if (r == (key_t)-1)
        failed(SHMC_J_FTOK, c, shmc_validate_proj(proj), args);
}

/* A lineage event of this image: into its journal, or, while it has
 * none (journal_wanted), into the CLI's image registry; when the registry
 * cannot take it, the journal is made now and takes it. */
static void lineage(uint16_t type, const struct shmc_call *c, int64_t result,
                    const int64_t args[4], const char *path,
                    enum shmc_reg_kind kind, int64_t reg_arg)
{
    struct shmc_trace *t = &shmc__trace;
    int saved = errno;

    if (!t->journal_on && atomic_load(&t->journal_wanted) == 1 &&
        shmc__registry_write(kind, reg_arg, NULL, path) != 0 &&
        t->journal_now != NULL) /* LCOV_EXCL_BR_LINE: set at every start */
        t->journal_now();
    shmc__journal(type, c, result, args, path, shmc__string_payload(path));
    errno = saved;
}

/* A fork: the child says where it comes from (start.c); the parent's
 * journal, when it has one, says it too. */
void shmc__on_fork(struct shmc_call *c, int err, pid_t pid)
{
    int64_t args[4] = {0, 0, 0, 0};

    c->time_ns = shmc__now_ns();
    c->err = pid < 0 ? err : 0;
    shmc__journal(SHMC_J_FORK, c, pid, args, NULL, 0);
}

void shmc__on_exit(const int64_t args[4])
{
    lineage(SHMC_J_EXIT, NULL, 0, args, NULL, SHMC_REG_EXIT, args[0]);
}

void shmc__on_exec(const char *file, const int64_t args[4])
{
    lineage(SHMC_J_EXEC, NULL, 0, args, file, SHMC_REG_EXEC, args[1]);
}

void shmc__on_exec_fail(int err, int r, const int64_t args[4])
{
    struct shmc_call c = {.time_ns = shmc__now_ns(), .err = err};

    lineage(SHMC_J_EXEC_FAIL, &c, r, args, NULL, SHMC_REG_EXEC_FAIL, err);
}

void shmc__on_spawn(int search, const char *file, int r, const pid_t *child)
{
    struct shmc_call c = {.time_ns = shmc__now_ns(), .err = r};
    int64_t args[4] = {search, 0, 0, 0};
    pid_t pid = r == 0 ? *child : -1;

    lineage(SHMC_J_SPAWN, &c, pid, args, file, SHMC_REG_SPAWN, pid);
}

/* What taking [a, end) away leaves of the attachment (lock held): nothing
 * (it is detached) or a part. A hole in its middle is not tracked: what
 * is left is still taken as the range around it. */
static int take(struct shmc_att *at, uint64_t a, uint64_t end)
{
    if (a <= at->lo && end >= at->hi) {
        at->detached = 1;
        return SHMC_JLEFT_NONE;
    }
    if (a <= at->lo)
        at->lo = end;
    else if (end >= at->hi)
        at->hi = a;
    return SHMC_JLEFT_PART;
}

/* mremap moved all of the attachment at key (lock held): it is now the
 * attachment at to minus its head that was already unmapped. */
static void move(uint64_t key, uint64_t to)
{
    struct shmc_trace *t = &shmc__trace;
    struct shmc_att copy = *(struct shmc_att *)shmc_table_get(&t->atts, key);
    uint64_t start = to - (copy.lo - key);
    struct shmc_att *n;

    shmc_table_del(&t->atts, key);
    copy.hi = to + (copy.hi - copy.lo);
    copy.lo = to;
    n = shmc_table_put(&t->atts, start, NULL);
    if (n == NULL) /* LCOV_EXCL_BR_LINE: only out of memory */
        return;    /* LCOV_EXCL_LINE: the attachment is forgotten */
    *n = copy;
    hull(copy.lo, copy.hi);
}

void shmc__on_unmap(struct shmc_call *c, int how, uintptr_t addr, size_t len,
                    uintptr_t to)
{
    struct shmc_trace *t = &shmc__trace;
    uint64_t page = (uint64_t)getpagesize(), a = addr, key, moved = 0;
    /* LCOV_EXCL_BR_START: a call past the end fails: never here */
    uint64_t end = len > UINT64_MAX - page
                       ? UINT64_MAX
                       : a + ((len + page - 1) & ~(page - 1));
    /* LCOV_EXCL_BR_STOP */
    size_t pos = 0;
    void *v;

    c->err = 0;
    /* LCOV_EXCL_START: (the same) */
    if (end < a)
        end = UINT64_MAX;
    /* LCOV_EXCL_STOP */
    shmc__lock();
    while (shmc_table_next(&t->atts, &pos, &key, &v)) {
        struct shmc_att *at = v;
        int64_t args[4] = {(int64_t)key, at->shmid, how, SHMC_JLEFT_MOVED};
        int64_t res = 0;
        if (at->detached || at->hi == 0 || end <= at->lo || a >= at->hi)
            continue;
        if (to != 0 && a == at->lo && end >= at->hi) {
            moved = key;
            res = (int64_t)(to - (at->lo - key));
        } else if (how == SHMC_JUNMAP_REMAP_FILE_PAGES) {
            /* Other pages of the same segment: still attached, but shmdt
             * finds an attachment only by its first page in place. */
            at->remapped |= a <= key && key < end;
            args[3] = SHMC_JLEFT_PART;
        } else
            args[3] = take(at, a, end);
        shmc__journal(SHMC_J_UNMAP, c, res, args, NULL, 0);
    }
    if (moved != 0)
        move(moved, to);
    shmc__unlock();
}
