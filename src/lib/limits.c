/*
 * limits.c - the kernel's System V shared memory limits, read once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <unistd.h>

#include "internal.h"

/* ipc/shm.c and include/uapi/linux/shm.h: the defaults a kernel boots with;
 * SHMMIN is fixed at 1 and has no /proc file. */
#define DEFAULT_SHMMAX (ULONG_MAX - (1UL << 24))
#define DEFAULT_SHMALL (ULONG_MAX - (1UL << 24))
#define DEFAULT_SHMMNI 4096UL

/* Reads one unsigned decimal number from dir/name; 0 when it cannot. */
static int read_ulong(const char *dir, const char *name, unsigned long *out)
{
    char path[PATH_MAX], text[32], *end;
    unsigned long value;
    ssize_t n;
    int fd, saved = errno;

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errno = saved;
        return 0;
    }
    n = read(fd, text, sizeof text - 1);
    close(fd);
    errno = 0;
    if (n <= 0 || text[0] < '0' || text[0] > '9') {
        errno = saved;
        return 0;
    }
    text[n] = '\0';
    value = strtoul(text, &end, 10);
    if (*end == '\n')
        end++;
    if (errno == ERANGE || *end != '\0') {
        errno = saved;
        return 0;
    }
    errno = saved;
    *out = value;
    return 1;
}

int shmc_limits_read(const char *dir, struct shmc_limits *out)
{
    unsigned long shmmax = DEFAULT_SHMMAX;
    int got = 0;

    out->shmmin = 1;
    out->shmall = DEFAULT_SHMALL;
    out->shmmni = DEFAULT_SHMMNI;
    out->page_size = (size_t)sysconf(_SC_PAGESIZE);
    out->shmlba = (size_t)SHMLBA;
    got += read_ulong(dir, "shmmax", &shmmax);
    got += read_ulong(dir, "shmall", &out->shmall);
    got += read_ulong(dir, "shmmni", &out->shmmni);
    out->shmmax = shmmax;
    return got;
}

static struct shmc_limits cached;
static pthread_once_t cached_once = PTHREAD_ONCE_INIT;

static void load_cached(void)
{
    shmc_limits_read("/proc/sys/kernel", &cached);
}

const struct shmc_limits *shmc_limits(void)
{
    pthread_once(&cached_once, load_cached);
    return &cached;
}
