/*
 * snapshot.c - the kernel's segments at the end of the run, kept for
 * --replay (format and contract: snapshot.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "snapshot.h"

#define MAGIC "# shmcheck kernel snapshot 1 "

int cli_snapshot_save(const char *dir, const char *path, int isolated,
                      long start)
{
    char name[PATH_MAX + 32], buf[8192];
    int in = open(path ? path : "/proc/sysvipc/shm", O_RDONLY | O_CLOEXEC);
    int out = -1, ok = in >= 0;

    snprintf(name, sizeof name, "%s/%s", dir, CLI_SNAPSHOT_NAME);
    if (ok)
        out = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600);
    ok = out >= 0 && dprintf(out, MAGIC "isolated=%d start=%ld\n",
                             isolated != 0, start) > 0;
    for (ssize_t n; ok && (n = read(in, buf, sizeof buf)) != 0;)
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    int err = errno;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        ok = 0; /* LCOV_EXCL_LINE: close fails only on NFS (EIO) */
    if (!ok && out >= 0)
        unlink(name);
    errno = err;
    return ok ? 0 : -1;
}

long cli_snapshot_load(const char *dir, struct cli_kseg **out, int *isolated,
                       long *start)
{
    char name[PATH_MAX + 32], line[256];
    int iso = 0;
    long st = 0;

    snprintf(name, sizeof name, "%s/%s", dir, CLI_SNAPSHOT_NAME);
    /* Not a FIFO or a device planted there: nothing that could block. */
    int fd = open(name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
        close(fd);
        fd = -1;
        errno = EPROTO;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd); /* LCOV_EXCL_LINE: fdopen fails only without memory */
        return -1;
    }
    int good = fgets(line, sizeof line, f) != NULL &&
               sscanf(line, MAGIC "isolated=%d start=%ld", &iso, &st) == 2 &&
               (iso == 0 || iso == 1) && st >= 0;
    fclose(f);
    if (!good) {
        errno = EPROTO;
        return -1;
    }
    long n = cli_kernel_segments(name, out); /* skips the first line */
    if (n >= 0) {
        *isolated = iso;
        *start = st;
    }
    return n;
}
