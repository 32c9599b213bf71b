/*
 * interpose.c - the System V shared memory calls, ftok and dlopen, as the
 * program calls them. One shape for all (STYLE.md): guard, call the real
 * function, save errno, record, restore errno, return its result.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "journal/compiler.h"
#include "state.h"

#define REAL shmc__trace.real

/* Times the call and captures the stack from this interposer's frame. */
#define BEGIN_CALL(c)                                                     \
    do {                                                                  \
        (c).time_ns = shmc__now_ns();                                     \
        shmc__capture(&(c), SHMC_FRAME_ADDRESS(), SHMC_RETURN_ADDRESS()); \
    } while (0)

SHMC_EXPORT SHMC_NOINLINE int shmget(key_t key, size_t size, int shmflg)
{
    struct shmc_call c;
    int r, saved;

    if (!shmc__enter())
        return REAL.shmget(key, size, shmflg);
    BEGIN_CALL(c);
    r = REAL.shmget(key, size, shmflg);
    saved = errno;
    c.err = r < 0 ? saved : 0;
    shmc__on_shmget(&c, key, size, shmflg, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE void *shmat(int shmid, const void *addr, int shmflg)
{
    struct shmc_call c;
    void *p;
    int saved;

    if (!shmc__enter())
        return REAL.shmat(shmid, addr, shmflg);
    BEGIN_CALL(c);
    p = REAL.shmat(shmid, addr, shmflg);
    saved = errno;
    c.err = p == (void *)-1 ? saved : 0;
    shmc__on_shmat(&c, shmid, addr, shmflg, p);
    shmc__leave();
    errno = saved;
    return p;
}

/* Reads what it needs about the attachment before it is gone. */
SHMC_EXPORT SHMC_NOINLINE int shmdt(const void *addr)
{
    struct shmc_call c;
    struct shmc_dt d;
    int r, saved;

    if (!shmc__enter())
        return REAL.shmdt(addr);
    shmc__before_shmdt(addr, &d);
    c.time_ns = shmc__now_ns();
    c.frames[0] = (uint64_t)(uintptr_t)SHMC_RETURN_ADDRESS();
    c.nframes = 1; /* a full stack only for a detach that fails */
    r = REAL.shmdt(addr);
    saved = errno;
    c.err = r < 0 ? saved : 0;
    if (r < 0)
        shmc__capture(&c, SHMC_FRAME_ADDRESS(), SHMC_RETURN_ADDRESS());
    shmc__on_shmdt(&c, addr, &d, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    struct shmc_call c;
    int r, saved;

    if (!shmc__enter())
        return REAL.shmctl(shmid, cmd, buf);
    BEGIN_CALL(c);
    r = REAL.shmctl(shmid, cmd, buf);
    saved = errno;
    c.err = r < 0 ? saved : 0;
    shmc__on_shmctl(&c, shmid, cmd, buf, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE key_t ftok(const char *path, int proj_id)
{
    struct shmc_call c;
    key_t r;
    int saved;

    if (!shmc__enter())
        return REAL.ftok(path, proj_id);
    BEGIN_CALL(c);
    r = REAL.ftok(path, proj_id);
    saved = errno;
    c.err = r == (key_t)-1 ? saved : 0;
    shmc__on_ftok(&c, path, proj_id, r);
    shmc__leave();
    errno = saved;
    return r;
}

/* New code may call the shm functions: journal its module for the CLI. */
SHMC_EXPORT void *dlopen(const char *file, int mode)
{
    void *h;
    int err;

    shmc__resolve();
    h = REAL.dlopen(file, mode);
    err = errno;
    if (h != NULL && shmc__enter()) {
        shmc__modules_scan();
        shmc__leave();
    }
    errno = err;
    return h;
}
