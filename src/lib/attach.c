/*
 * attach.c - attachments as handles: attach, detach once, release-if-last.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/shm.h>

#include "internal.h"

/* A handle is attached, detached, or not a handle at all. */
static enum shmc_err check_attached(const struct shmc_attachment *att)
{
    if (att == NULL)
        return shmc__reject(SHMC_E_NULL);
    if (att->state == SHMC__DETACHED)
        return shmc__reject(SHMC_E_ALREADY_DETACHED);
    if (att->state != SHMC__ATTACHED ||
        shmc_validate_dt(att->addr, NULL) != SHMC_OK)
        return shmc__reject(SHMC_E_HANDLE_INVALID);
    return SHMC_OK;
}

/* Where shmat maps at a given address: SHM_RND rounds down to SHMLBA. */
static uintptr_t map_start(const void *addr, int shmflg)
{
    uintptr_t a = (uintptr_t)addr;
    return (shmflg & SHM_RND) ? a & ~(uintptr_t)(shmc_limits()->shmlba - 1) : a;
}

enum shmc_err shmc_attach(const struct shmc_segment *seg, const void *addr,
                          int shmflg, struct shmc_attachment *out)
{
    enum shmc_err err;
    void *p;

    if (seg == NULL || out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if (!shmc__segment_ok(seg))
        return shmc__reject(SHMC_E_HANDLE_INVALID);
    if ((err = shmc_validate_at(seg->id, addr, shmflg, NULL)) != SHMC_OK)
        return shmc__reject(err);
    /* The whole segment must fit below the end of user space, too. */
    if (addr != NULL &&
        seg->size > SHMC__USER_ADDR_END - map_start(addr, shmflg))
        return shmc__reject(SHMC_E_AT_ADDR_RANGE);
    p = shmat(seg->id, addr, shmflg);
    if (p == (void *)-1)
        return shmc__sys_fail(addr ? SHMC__CALL_AT_FIXED : SHMC__CALL_AT_ANY,
                              errno);
    out->addr = p;
    out->size = seg->size;
    out->shmid = seg->id;
    out->shmflg = shmflg;
    out->state = SHMC__ATTACHED;
    return SHMC_OK;
}

enum shmc_err shmc_detach(struct shmc_attachment *att)
{
    enum shmc_err err;

    if ((err = check_attached(att)) != SHMC_OK)
        return err;
    if (shmdt(att->addr) != 0)
        return shmc__sys_fail(SHMC__CALL_DT, errno);
    att->state = SHMC__DETACHED;
    return SHMC_OK;
}

enum shmc_err shmc_release(struct shmc_attachment *att, int *removed)
{
    struct shmid_ds ds;
    enum shmc_err err;
    int last;

    if ((err = check_attached(att)) != SHMC_OK)
        return err;
    if (shmctl(att->shmid, IPC_STAT, &ds) != 0)
        return shmc__sys_fail(SHMC__CALL_CTL, errno);
    /* Ours is the only attachment, and nobody marked it yet. Removing
     * before detaching means a failed IPC_RMID leaves everything as it was. */
    last = ds.shm_nattch == 1 && !(ds.shm_perm.mode & SHM_DEST);
    if (last && shmctl(att->shmid, IPC_RMID, NULL) != 0)
        return shmc__sys_fail(SHMC__CALL_CTL, errno);
    if (shmdt(att->addr) != 0)
        return shmc__sys_fail(SHMC__CALL_DT, errno);
    att->state = SHMC__DETACHED;
    if (removed != NULL)
        *removed = last;
    return SHMC_OK;
}

void shmc_detach_cleanup(struct shmc_attachment *att)
{
    int saved = errno;

    if (att != NULL && att->state == SHMC__ATTACHED)
        (void)shmc_detach(att);
    errno = saved;
}

void shmc_release_cleanup(struct shmc_attachment *att)
{
    int saved = errno;

    if (att != NULL && att->state == SHMC__ATTACHED)
        (void)shmc_release(att, NULL);
    errno = saved;
}
