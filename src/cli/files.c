/*
 * files.c - files named by the user, opened without ever blocking on a
 * FIFO that has nobody at the other end (files.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "files.h"

/* fd made blocking again and wrapped in a stream; NULL with errno (fd
 * closed). */
static FILE *stream(int fd, const char *mode)
{
    int flags = fcntl(fd, F_GETFL);
    FILE *f = NULL;

    /* LCOV_EXCL_BR_START: F_GETFL and F_SETFL on our open fd cannot fail */
    if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
        f = fdopen(fd, mode);
    /* LCOV_EXCL_BR_STOP */
    if (f == NULL) { /* LCOV_EXCL_BR_LINE: fdopen fails only without memory */
        int err = errno; /* LCOV_EXCL_LINE */
        close(fd);       /* LCOV_EXCL_LINE */
        errno = err;     /* LCOV_EXCL_LINE */
    }
    return f;
}

FILE *cli_open_write(const char *path)
{
    /* O_NONBLOCK: open of a FIFO without a reader fails (ENXIO) rather
     * than wait; on a regular file it changes nothing. */
    int fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0666);

    return fd >= 0 ? stream(fd, "we") : NULL;
}

FILE *cli_open_read(const char *path, int wait_ms)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct pollfd p = {fd, POLLIN, 0};

    if (fd < 0)
        return NULL;
    /* A FIFO no writer opened yet reports nothing to poll: wait for data
     * or a writer's end (POLLHUP) that long. Other files are ready. */
    int r = poll(&p, 1, wait_ms);
    if (r == 0) {
        close(fd);
        errno = ETIMEDOUT;
        return NULL;
    }
    return stream(fd, "re");
}
