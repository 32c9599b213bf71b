/*
 * segment.c - create, open, create-or-open, stat and remove a segment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/shm.h>

#include "internal.h"

int shmc__segment_ok(const struct shmc_segment *seg)
{
    return seg->magic == SHMC__SEGMENT_MAGIC && seg->id >= 0;
}

static enum shmc_err check_segment(const struct shmc_segment *seg)
{
    if (seg == NULL)
        return shmc__reject(SHMC_E_NULL);
    if (!shmc__segment_ok(seg))
        return shmc__reject(SHMC_E_HANDLE_INVALID);
    return SHMC_OK;
}

static void fill(struct shmc_segment *out, int id, key_t key, size_t size,
                 int created)
{
    out->id = id;
    out->key = key;
    out->size = size;
    out->created = created;
    out->magic = SHMC__SEGMENT_MAGIC;
}

enum shmc_err shmc_segment_create(key_t key, size_t size, int shmflg,
                                  struct shmc_segment *out)
{
    int flags = shmflg | IPC_CREAT | IPC_EXCL, id;
    enum shmc_err err;

    if (out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if ((err = shmc_validate_get(key, size, flags, NULL)) != SHMC_OK)
        return shmc__reject(err);
    id = shmget(key, size, flags);
    if (id < 0)
        return shmc__sys_fail(SHMC__CALL_CREATE, errno);
    fill(out, id, key, size, 1);
    return SHMC_OK;
}

enum shmc_err shmc_segment_open(key_t key, size_t min_size, int shmflg,
                                struct shmc_segment *out)
{
    struct shmid_ds ds;
    enum shmc_err err;
    int id;

    if (out == NULL)
        return shmc__reject(SHMC_E_NULL);
    /* Any other bit would ask for creation or be ignored for an existing
     * segment: refuse instead of letting open silently create. */
    if (shmflg & ~0777)
        return shmc__reject(SHMC_E_OPEN_FLAGS);
    if (key == IPC_PRIVATE)
        return shmc__reject(SHMC_E_OPEN_PRIVATE);
    if ((err = shmc_validate_get(key, min_size, shmflg, NULL)) != SHMC_OK)
        return shmc__reject(err);
    id = shmget(key, min_size, shmflg);
    if (id < 0)
        return shmc__sys_fail(SHMC__CALL_OPEN, errno);
    /* The real size: the caller asked only for a minimum. */
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return shmc__sys_fail(SHMC__CALL_CTL, errno);
    fill(out, id, key, ds.shm_segsz, 0);
    return SHMC_OK;
}

enum shmc_err shmc__create_or_open(enum shmc_err (*create)(void *ctx),
                                   enum shmc_err (*open)(void *ctx), void *ctx)
{
    int saved = errno;

    for (int try = 0; try < SHMC_CREATE_OR_OPEN_TRIES; try++) {
        enum shmc_err err = create(ctx);
        if (err != SHMC_E_EXISTS)
            return err;
        /* Someone else created it: join it. */
        err = open(ctx);
        if (err == SHMC_OK)
            errno = saved;
        /* Removed between our EEXIST and our open: create it again. */
        if (err != SHMC_E_NOT_FOUND && err != SHMC_E_REMOVED)
            return err;
    }
    errno = EAGAIN;
    return SHMC_E_RACE;
}

struct join {
    key_t key;
    size_t size;
    int shmflg;
    struct shmc_segment *out;
};

static enum shmc_err join_create(void *ctx)
{
    const struct join *j = ctx;
    return shmc_segment_create(j->key, j->size, j->shmflg, j->out);
}

/* Joins with the same access bits the creator would have used. */
static enum shmc_err join_open(void *ctx)
{
    const struct join *j = ctx;
    return shmc_segment_open(j->key, j->size, j->shmflg & 0777, j->out);
}

enum shmc_err shmc_segment_create_or_open(key_t key, size_t size, int shmflg,
                                          struct shmc_segment *out)
{
    struct join j = {key, size, shmflg, out};
    return shmc__create_or_open(join_create, join_open, &j);
}

enum shmc_err shmc_segment_stat(const struct shmc_segment *seg,
                                struct shmc_seginfo *out)
{
    struct shmid_ds ds;
    enum shmc_err err;

    if ((err = check_segment(seg)) != SHMC_OK)
        return err;
    if (out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if (shmctl(seg->id, IPC_STAT, &ds) != 0)
        return shmc__sys_fail(SHMC__CALL_CTL, errno);
    out->size = ds.shm_segsz;
    out->nattch = ds.shm_nattch;
    out->creator_pid = ds.shm_cpid;
    out->last_pid = ds.shm_lpid;
    out->uid = ds.shm_perm.uid;
    out->cuid = ds.shm_perm.cuid;
    out->mode = ds.shm_perm.mode & 0777;
    out->marked_for_removal = (ds.shm_perm.mode & SHM_DEST) != 0;
    out->atime = ds.shm_atime;
    out->dtime = ds.shm_dtime;
    out->ctime = ds.shm_ctime;
    return SHMC_OK;
}

enum shmc_err shmc_segment_remove(const struct shmc_segment *seg)
{
    enum shmc_err err;

    if ((err = check_segment(seg)) != SHMC_OK)
        return err;
    if (shmctl(seg->id, IPC_RMID, NULL) != 0)
        return shmc__sys_fail(SHMC__CALL_CTL, errno);
    return SHMC_OK;
}
