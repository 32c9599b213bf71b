/*
 * fold.c - a journal folded for a checkpoint (what is kept and what
 * folds: fold.h).
 *
 * Three walks of the old journal: the first finds what is live at its end
 * (attachments by address, through mremap moves; segments this image
 * created and did not remove); the second counts the folded records of
 * each group; the third writes, in the old order, the kept records and the
 * first and last of each group. Whether an IPC_RMID removed a segment this
 * image created is decided as the walk goes (the second and the third walk
 * replay the same creations), so no per-record table is needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fold.h"
#include "fold_key.h"
#include "format.h"
#include "lib/hash.h"
#include "reader.h"
#include "table.h"

#define OUT_BUF ((size_t)65536)

struct group {
    uint64_t total; /* calls the group's records stand for      */
    uint64_t first; /* offsets of its first and last record     */
    uint64_t last;
    uint64_t ghost; /* its records are ghosts                   */
};

struct fold {
    const unsigned char *data;
    size_t len;
    struct shmc_table atts;   /* live address -> offset of its SHMAT      */
    struct shmc_table segs;   /* live created shmid -> offset of SHMGET   */
    struct shmc_table keep;   /* offset of a kept SHMAT -> its address now */
    struct shmc_table own;    /* created so far (walks 2, 3)            */
    struct shmc_table groups; /* key hash -> struct group               */
    int oom;
    int fd; /* the output, buffered */
    unsigned char *buf;
    size_t n, total;
    int err;
};

enum verdict { KEEP, FOLD, GHOST };

static void *need(struct fold *f, void *p)
{
    f->oom |= p == NULL;
    return p;
}

static int walk(struct fold *f, struct shmc_jreader *rd)
{
    return shmc_jreader_init(rd, f->data, f->len) == SHMC_JOK ? 0 : -1;
}

/* Walk 1: what is live at the end. */
static void live_one(struct fold *f, const struct shmc_jrec *r, uint64_t off)
{
    uint64_t *v;

    if (shmc_jrec_ghost(r) || r->err != 0)
        return;
    if (r->type == SHMC_J_SHMGET && r->args[3] &&
        (v = need(f, shmc_table_put(&f->segs, (uint64_t)r->result, NULL))))
        *v = off;
    else if (r->type == SHMC_J_SHMCTL && (int)r->args[1] == IPC_RMID)
        shmc_table_del(&f->segs, (uint64_t)r->args[0]);
    else if ((r->type == SHMC_J_SHMAT || r->type == SHMC_J_INHERIT) &&
             (v = need(f, shmc_table_put(&f->atts,
                                         (uint64_t)(r->type == SHMC_J_SHMAT
                                                        ? r->result
                                                        : r->args[0]),
                                         NULL))))
        *v = off;
    else if (r->type == SHMC_J_SHMDT ||
             (r->type == SHMC_J_UNMAP && r->args[3] == SHMC_JLEFT_NONE))
        shmc_table_del(&f->atts, (uint64_t)r->args[0]);
    else if (r->type == SHMC_J_UNMAP && r->args[3] == SHMC_JLEFT_MOVED &&
             (v = shmc_table_get(&f->atts, (uint64_t)r->args[0])) != NULL) {
        uint64_t at = *v;
        shmc_table_del(&f->atts, (uint64_t)r->args[0]);
        /* LCOV_EXCL_BR_START: never NULL; an entry was just deleted, so
         * the put needs no room the table does not have */
        if ((v = need(f, shmc_table_put(&f->atts, (uint64_t)r->result,
                                        NULL))) != NULL)
            *v = at;
        /* LCOV_EXCL_BR_STOP */
    }
}

static int find_live(struct fold *f)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    size_t pos = 0;
    uint64_t addr;
    void *v;

    if (walk(f, &rd) != 0)
        return -1;
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        live_one(f, r, (uint64_t)((const unsigned char *)r - f->data));
    while (shmc_table_next(&f->atts, &pos, &addr, &v)) {
        uint64_t *k = need(f, shmc_table_put(&f->keep, *(uint64_t *)v, NULL));
        /* LCOV_EXCL_BR_START: NULL only out of memory for the keep table
         * after as many live attachments found memory */
        if (k != NULL)
            *k = addr;
        /* LCOV_EXCL_BR_STOP */
    }
    return 0;
}

/* Walks 2 and 3: what becomes of the record at off. */
static enum verdict judge(struct fold *f, const struct shmc_jrec *r,
                          uint64_t off)
{
    const uint64_t *v;

    if (shmc_jrec_ghost(r))
        return GHOST;
    switch (r->type) {
    case SHMC_J_SHMGET:
        if (r->err != 0 || !r->args[3])
            return FOLD;
        need(f, shmc_table_put(&f->own, (uint64_t)r->result, NULL));
        v = shmc_table_get(&f->segs, (uint64_t)r->result);
        return v != NULL && *v == off ? KEEP : GHOST;
    case SHMC_J_SHMCTL:
        if (r->err != 0 || (int)r->args[1] != IPC_RMID)
            return FOLD;
        return shmc_table_del(&f->own, (uint64_t)r->args[0]) ? GHOST : KEEP;
    case SHMC_J_SHMAT:
    case SHMC_J_INHERIT:
        if (r->err == 0 && shmc_table_get(&f->keep, off) != NULL)
            return KEEP;
        /* fall through */
    case SHMC_J_SHMDT:
    case SHMC_J_FTOK:
    case SHMC_J_UNMAP:
        return shmc_jfold_effect(r) ? GHOST : FOLD;
    default: /* START, MODULE, FORK, SPAWN, EXEC, EXEC_FAIL, EXIT */
        return KEEP;
    }
}

static const struct shmc_jrec *rec_at(const struct fold *f, uint64_t off)
{
    return (const struct shmc_jrec *)(const void *)(f->data + off);
}

/* The group of r (a folded record at off), added when add is set and it
 * has none yet; NULL when there is none (or no memory). Two groups whose
 * hashes collide are told apart by their first records, the second one
 * going on to another hash. */
static struct group *group_of(struct fold *f, const struct shmc_jrec *r,
                              int ghost, uint64_t off, int add)
{
    struct shmc_jfold_key k, other;
    uint64_t h;

    shmc_jfold_key(r, ghost, &k);
    h = shmc_jfold_hash(&k);
    for (;;) {
        int existed = 1;
        struct group *g = add ? need(f, shmc_table_put(&f->groups, h, &existed))
                              : shmc_table_get(&f->groups, h);
        if (g == NULL)
            return NULL;
        if (!existed) {
            *g = (struct group){0, off, off, (uint64_t)ghost};
            return g;
        }
        shmc_jfold_key(rec_at(f, g->first), (int)g->ghost, &other);
        if (shmc_jfold_same(&k, &other))
            return g;
        h = h * SHMC_FNV1A_PRIME + 1;
    }
}

static int count_groups(struct fold *f)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;

    /* LCOV_EXCL_START: never; find_live read the same journal first */
    if (walk(f, &rd) != 0)
        return -1;
    /* LCOV_EXCL_STOP */
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK) {
        uint64_t off = (uint64_t)((const unsigned char *)r - f->data);
        enum verdict v = judge(f, r, off);
        struct group *g;
        if (v != KEEP && (g = group_of(f, r, v == GHOST, off, 1)) != NULL) {
            g->total += 1u + shmc_jrec_repeat(r);
            g->last = off;
        }
    }
    shmc_table_clear(&f->own);
    return 0;
}

static void flush(struct fold *f)
{
    for (size_t done = 0; done < f->n && f->err == 0;) {
        ssize_t w = write(f->fd, f->buf + done, f->n - done);
        /* LCOV_EXCL_BR_START: the output is the journal's .ckpt, a regular
         * file: no EINTR (signals wait for a write to a file), and no 0
         * for a write of more than 0 bytes */
        if (w < 0 && errno == EINTR)
            continue; /* LCOV_EXCL_LINE: as above */
        if (w <= 0)
            f->err = w < 0 ? errno : EIO;
        /* LCOV_EXCL_BR_STOP */
        else
            done += (size_t)w;
    }
    f->n = 0;
}

/* Appends size bytes from p to the output; the copy, to be amended. */
static void *put(struct fold *f, const void *p, size_t size)
{
    if (f->n + size > OUT_BUF)
        flush(f);
    void *at = f->buf + f->n;
    memcpy(at, p, size);
    f->n += size;
    f->total += size;
    return at;
}

/* The repeat count a group's record at off is written with, or -1 when it
 * is a middle one (dropped). */
static int64_t repeat_of(const struct group *g, uint64_t off)
{
    uint64_t n = g->first == g->last ? g->total - 1
                 : off == g->last    ? g->total - 2
                                     : 0;

    if (off != g->first && off != g->last)
        return -1;
    return (int64_t)(n < SHMC_JREPEAT_COUNT ? n : SHMC_JREPEAT_COUNT);
}

static void emit_one(struct fold *f, const struct shmc_jrec *r, uint64_t off)
{
    enum verdict v = judge(f, r, off);
    const struct group *g;
    struct shmc_jrec *o;
    int64_t rep;

    if (v == KEEP) {
        const uint64_t *addr = shmc_table_get(&f->keep, off);
        o = put(f, r, r->size);
        if (addr != NULL && r->type == SHMC_J_SHMAT)
            o->result = (int64_t)*addr; /* where mremap moved it */
        else if (addr != NULL)
            o->args[0] = (int64_t)*addr;
        return;
    }
    g = group_of(f, r, v == GHOST, off, 0);
    /* LCOV_EXCL_START: never; count_groups made every group (emit runs
     * only when it had the memory) */
    if (g == NULL)
        return;
    /* LCOV_EXCL_STOP */
    if ((rep = repeat_of(g, off)) < 0)
        return;
    o = put(f, r, r->size);
    o->repeat = (uint32_t)rep | (v == GHOST ? SHMC_JREPEAT_GHOST : 0u);
}

static int emit(struct fold *f)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;

    /* LCOV_EXCL_START: never; find_live read the same journal first */
    if (walk(f, &rd) != 0)
        return -1;
    /* LCOV_EXCL_STOP */
    if (rd.header.header_size > OUT_BUF)
        return -1; /* (a header bigger than the buffer: not ours) */
    put(f, f->data, rd.header.header_size);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        emit_one(f, r, (uint64_t)((const unsigned char *)r - f->data));
    flush(f);
    return 0;
}

static void fold_init(struct fold *f, const void *data, size_t len, int fd)
{
    memset(f, 0, sizeof *f);
    f->data = data;
    f->len = len;
    f->fd = fd;
    shmc_table_init(&f->atts, sizeof(uint64_t));
    shmc_table_init(&f->segs, sizeof(uint64_t));
    shmc_table_init(&f->keep, sizeof(uint64_t));
    shmc_table_init(&f->own, 8);
    shmc_table_init(&f->groups, sizeof(struct group));
}

static void fold_free(struct fold *f)
{
    shmc_table_destroy(&f->atts);
    shmc_table_destroy(&f->segs);
    shmc_table_destroy(&f->keep);
    shmc_table_destroy(&f->own);
    shmc_table_destroy(&f->groups);
    if (f->buf != NULL)
        munmap(f->buf, OUT_BUF);
}

int shmc_jfold(const void *data, size_t len, int fd, size_t *out)
{
    struct fold f;
    int rc = -1, err = EINVAL;

    fold_init(&f, data, len, fd);
    void *buf = mmap(NULL, OUT_BUF, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        err = errno;
    } else {
        f.buf = buf;
        /* LCOV_EXCL_BR_START: count_groups fails only where find_live did,
         * and emit allocates nothing (its puts into own repeat count_groups'
         * into the table cleared, not shrunk): no oom after it. Every other
         * outcome is tested in test_cov3_fold.c. */
        if (find_live(&f) == 0 && count_groups(&f) == 0 && !f.oom &&
            emit(&f) == 0) {
            err = f.oom ? ENOMEM : f.err;
            /* LCOV_EXCL_BR_STOP */
            rc = err == 0 ? 0 : -1;
        } else if (f.oom) {
            err = ENOMEM;
        }
    }
    *out = f.total;
    fold_free(&f);
    errno = err;
    return rc;
}
