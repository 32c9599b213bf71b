/*
 * space.c - the room a journal file takes (API: space.h).
 */
#define _GNU_SOURCE
#include "space.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int shmc_jspace_grow(int fd, size_t have, size_t size)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};

    (void)getrlimit(RLIMIT_FSIZE, &rl); /* fails only for a bad argument */
    int err = size > rl.rlim_cur
                  ? EFBIG
                  : posix_fallocate(fd, (off_t)have, (off_t)(size - have));
    /* A partial allocation may have moved the end: put it back. */
    if (err != 0 && ftruncate(fd, (off_t)have) != 0) {
        /* Then the writer's reopen refuses the file: its size is wrong. */
    }
    errno = err;
    return err == 0 ? 0 : -1;
}

/* The decimal value of the environment variable name, below SHMC_JREGION;
 * SHMC_JREGION when it is unset, empty, malformed or not below it. */
static size_t env_size(const char *name)
{
    const char *v = getenv(name);
    size_t n = 0;

    if (v == NULL || *v == '\0')
        return SHMC_JREGION;
    for (; *v >= '0' && *v <= '9' && n < SHMC_JREGION; v++)
        n = n * 10 + (size_t)(*v - '0');
    return *v != '\0' || n >= SHMC_JREGION ? SHMC_JREGION : n;
}

size_t shmc_jspace_cap(void)
{
    size_t cap = env_size(SHMC_JCAP_ENV);

    if (cap == SHMC_JREGION)
        return SHMC_JREGION;
    return cap < SHMC_JPAGE ? SHMC_JPAGE : cap & ~(SHMC_JPAGE - 1);
}

size_t shmc_jspace_checkpoint(void)
{
    size_t at = env_size(SHMC_JCKPT_ENV);

    return at == SHMC_JREGION ? SHMC_JCKPT_DEFAULT : at;
}

int shmc_jspace_kill_step(void)
{
    size_t step = env_size(SHMC_JCKPT_KILL_ENV);

    return step < 100 ? (int)step : 0;
}

size_t shmc_jspace_first(int fd, size_t cap)
{
    size_t want = cap < SHMC_JFIRST_SIZE ? cap : SHMC_JFIRST_SIZE;

    if (shmc_jspace_grow(fd, 0, want) == 0)
        return want;
    for (want = SHMC_JFIRST_SIZE / 2; want >= SHMC_JPAGE; want /= 2)
        if (want < cap && shmc_jspace_grow(fd, 0, want) == 0)
            return want;
    return 0;
}
