/*
 * interpose.c - the System V shared memory calls, ftok and dlopen, as the
 * program calls them. One shape for all, so that the program sees exactly
 * the result and errno it would see without the tracer: guard, call the
 * real function, save errno, record, restore errno, return its result.
 * Calls before the start, from inside the tracer or after the final
 * report pass straight through (shmc__enter).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "journal/compiler.h"
#include "modules.h"
#include "record.h"
#include "stack.h"
#include "start.h"
#include "state.h"

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
        return SHMC_REAL.shmget(key, size, shmflg);
    BEGIN_CALL(c);
    r = SHMC_REAL.shmget(key, size, shmflg);
    saved = errno;
    shmc__on_shmget(&c, saved, key, size, shmflg, r);
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
        return SHMC_REAL.shmat(shmid, addr, shmflg);
    BEGIN_CALL(c);
    p = SHMC_REAL.shmat(shmid, addr, shmflg);
    saved = errno;
    shmc__on_shmat(&c, saved, shmid, addr, shmflg, p);
    shmc__leave();
    errno = saved;
    return p;
}

/* A destroying call: what it needs about the attachment is read before
 * the real shmdt, and the whole stack is taken only when it fails. */
SHMC_EXPORT SHMC_NOINLINE int shmdt(const void *addr)
{
    struct shmc_call c;
    struct shmc_dt d;
    int r, saved;

    if (!shmc__enter())
        return SHMC_REAL.shmdt(addr);
    shmc__before_shmdt(addr, &d);
    c.time_ns = shmc__now_ns();
    shmc__capture_site(&c, SHMC_RETURN_ADDRESS());
    r = SHMC_REAL.shmdt(addr);
    saved = errno;
    if (r < 0)
        shmc__capture(&c, SHMC_FRAME_ADDRESS(), SHMC_RETURN_ADDRESS());
    shmc__on_shmdt(&c, saved, addr, &d, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    struct shmc_call c;
    int r, saved;

    if (!shmc__enter())
        return SHMC_REAL.shmctl(shmid, cmd, buf);
    BEGIN_CALL(c);
    r = SHMC_REAL.shmctl(shmid, cmd, buf);
    saved = errno;
    shmc__on_shmctl(&c, saved, shmid, cmd, buf, r);
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
        return SHMC_REAL.ftok(path, proj_id);
    BEGIN_CALL(c);
    r = SHMC_REAL.ftok(path, proj_id);
    saved = errno;
    shmc__on_ftok(&c, saved, path, proj_id, r);
    shmc__leave();
    errno = saved;
    return r;
}

/* New code may call the shm functions: journal its module for the CLI.
 * The real dlopen runs outside the guard: the constructors it runs are
 * the program's code, traced like the rest. */
SHMC_EXPORT void *dlopen(const char *file, int mode)
{
    void *h;
    int saved;

    shmc__resolve();
    h = SHMC_REAL.dlopen(file, mode);
    saved = errno;
    if (h != NULL && shmc__enter()) {
        shmc__modules_scan();
        shmc__leave();
    }
    errno = saved;
    return h;
}
