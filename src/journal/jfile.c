/*
 * jfile.c - journal file names, <pid>.<n>.shmj, and their creation with
 * the first free n (API: jfile.h).
 */
#define _GNU_SOURCE
#include "jfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"

/* Writes v's decimal digits at p; returns the end. */
static char *put_decimal(char *p, unsigned long v)
{
    char digits[24];
    size_t n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* path = "<dir>/<pid>.<n>.shmj", or "<pid>.<n>.shmj" when dir is NULL;
 * -1 with ENAMETOOLONG if it exceeds PATH_MAX (10 digits each for pid and
 * n, slash, dot, suffix, NUL). */
int shmc_jfile_path(char *path, const char *dir, int pid, unsigned n)
{
    size_t len = dir != NULL ? strlen(dir) : 0;
    char *p = path + len;

    if (len > PATH_MAX - (2 * 10 + 2 + sizeof SHMC_JSUFFIX)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir != NULL ? dir : "", len);
    if (dir != NULL)
        *p++ = '/';
    p = put_decimal(p, (unsigned long)pid);
    *p++ = '.';
    p = put_decimal(p, n);
    memcpy(p, SHMC_JSUFFIX, sizeof SHMC_JSUFFIX);
    return 0;
}

/* Whether anything, a dangling link too, is at <pid>.<n>.shmj. */
static int taken(char *path, int dirfd, const char *dir, int pid, unsigned n)
{
    struct stat st;

    return shmc_jfile_path(path, dir, pid, n) == 0 &&
           fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Images have no cap: the search starts after the names taken from 0 on,
 * found in 2 log n lookups (doubling, then halving), not n. */
static unsigned first_free(char *path, int dirfd, const char *dir, int pid)
{
    unsigned lo = 0, hi = 1;

    if (!taken(path, dirfd, dir, pid, 0))
        return 0;
    for (; hi < UINT_MAX / 2 && taken(path, dirfd, dir, pid, hi); hi *= 2)
        lo = hi;
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        *(taken(path, dirfd, dir, pid, mid) ? &lo : &hi) = mid;
    }
    return hi;
}

/* Creates the first free <pid>.<n>.shmj in dir (NULL: relative to dirfd).
 * O_EXCL never follows a symlink (it fails with EEXIST), so a link
 * planted at a name only skips that n. The fd, *image and path set, or -1
 * with errno and an empty path. */
int shmc_jfile_create(char *path, int dirfd, const char *dir, int pid,
                      uint32_t *image)
{
    const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

    /* LCOV_EXCL_BR_START: n reaches UINT_MAX only after 2^31 names taken
     * in a row (first_free returns at most 2^31) */
    for (unsigned n = first_free(path, dirfd, dir, pid); n < UINT_MAX; n++) {
        /* LCOV_EXCL_BR_STOP */
        if (shmc_jfile_path(path, dir, pid, n) != 0)
            break;
        int fd = openat(dirfd, path, flags, 0600);
        if (fd >= 0) {
            *image = n;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    path[0] = '\0';
    return -1;
}

int shmc_jfile_create_at(int dirfd, int pid, uint32_t *image)
{
    char name[PATH_MAX];
    int fd = shmc_jfile_create(name, dirfd, NULL, pid, image);

    /* As the tracer's own open does: a umask like 0277 would leave a file
     * that growth, which reopens it O_RDWR, could not open. */
    /* LCOV_EXCL_START: fchmod of a file we just created fails only on
     * a file system without modes (the CLI's log directory is not one) */
    if (fd >= 0 && fchmod(fd, 0600) != 0) {
        int err = errno;
        close(fd);
        unlinkat(dirfd, name, 0);
        errno = err;
        return -1;
    }
    /* LCOV_EXCL_STOP */
    return fd;
}

int shmc_jdir_open(const char *dir, const struct shmc_jdir_pin *pin)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && errno == ENOTDIR && lstat(dir, &st) == 0 &&
        S_ISLNK(st.st_mode))
        errno = ELOOP; /* O_DIRECTORY is checked first: say what it is */
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        errno = err;
        return -1;
    }
    int ok = pin != NULL && (pin->dev | pin->ino) != 0
                 ? st.st_dev == pin->dev && st.st_ino == pin->ino
                 : (st.st_uid == geteuid() || st.st_uid == 0) &&
                       (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
    if (!ok) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

/* Decimal digits at *p into *v, advancing *p; 0, or -1 (none, too big). */
static int get_decimal(const char **p, uint64_t *v)
{
    const char *s = *p;

    for (*v = 0; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return -1;
        *v = *v * 10 + d;
    }
    if (s == *p)
        return -1;
    *p = s;
    return 0;
}

int shmc_jdir_pin_parse(const char *value, struct shmc_jdir_pin *pin)
{
    const char *p = value;

    if (get_decimal(&p, &pin->dev) == 0 && *p++ == ':' &&
        get_decimal(&p, &pin->ino) == 0 && *p == '\0' &&
        (pin->dev | pin->ino) != 0)
        return 0;
    pin->dev = pin->ino = 0;
    return -1;
}
