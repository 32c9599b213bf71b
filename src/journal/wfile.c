/*
 * wfile.c - the writer's own file, found again in its checked log
 * directory (API: wfile.h).
 */
#define _GNU_SOURCE
#include "wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int shmc_jw_note_file(struct shmc_jwriter *w, int fd)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return -1;
    w->file_dev = st.st_dev;
    w->file_ino = st.st_ino;
    w->file_uid = st.st_uid;
    return 0;
}

int shmc_jw_open_dir(const struct shmc_jwriter *w)
{
    char dir[PATH_MAX];

    memcpy(dir, w->path, w->name_at - 1);
    dir[w->name_at - 1] = '\0';
    return shmc_jdir_open(dir, &w->pin);
}

/* Opens the journal again in the checked directory (else, as
 * create_file, through the broker). */
static int open_again(const struct shmc_jwriter *w)
{
    uint32_t image = w->image;
    int fd = -1, dfd = shmc_jw_open_dir(w);

    if (dfd >= 0) {
        fd = openat(dfd, w->path + w->name_at, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(dfd);
        errno = err;
    }
    if (fd < 0 && w->broker != NULL && (errno == EACCES || errno == EPERM))
        fd = shmc_broker_open(w->broker, SHMC_BROKER_REOPEN, w->pid, &image);
    return fd;
}

int shmc_jw_reopen(const struct shmc_jwriter *w, size_t size)
{
    struct stat st;
    /* LCOV_EXCL_BR_START: an open writer always has its path (only
     * fail_open clears it, and leaves no region to grow or close) */
    int fd = w->path[0] != '\0' ? open_again(w) : -1;
    /* LCOV_EXCL_BR_STOP */

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_dev != w->file_dev || st.st_ino != w->file_ino ||
        st.st_uid != w->file_uid || (size_t)st.st_size != size) {
        close(fd);
        errno = ESTALE; /* not the file we wrote */
        return -1;
    }
    return fd;
}
