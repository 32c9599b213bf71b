/*
 * registry.c - the image registry's writing side (API: registry.h). One
 * record is one open, one fstat, one write and one close: the file is
 * opened by path, and written only when it is the very file the CLI made
 * (its device and inode), so a file put in its place is left alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/jfile.h"
#include "messages.h"
#include "registry.h"
#include "state.h"

#define SHMC_REG_SLACK (64u * 1024) /* records others may add meanwhile */

void shmc__find_registry(char **env, int secure)
{
    struct shmc_trace *t = &shmc__trace;
    const size_t n = sizeof SHMC_REGISTRY_ENV; /* with the '=' */
    struct shmc_jdir_pin id;                   /* the same "<dev>:<ino>" */

    for (size_t i = 0; env[i] != NULL && !secure; i++) {
        if (strncmp(env[i], SHMC_REGISTRY_ENV "=", n) != 0)
            continue;
        if (shmc_jdir_pin_parse(env[i] + n, &id) == 0) {
            t->registry_dev = id.dev;
            t->registry_ino = id.ino;
            t->registry_on = t->cfg.log_dir[0] != '\0';
        } else {
            shmc__say("shmcheck: " SHMC_REGISTRY_ENV " is malformed: "
                      "every process journals from its start\n");
        }
        return;
    }
}

/* "<log dir>/images.shmr" into path (PATH_MAX + sizeof the name bytes);
 * no printf: a process that needs no journal maps fewer pages of libc. */
static void registry_path(char *path)
{
    size_t n = strlen(shmc__trace.cfg.log_dir);

    memcpy(path, shmc__trace.cfg.log_dir, n);
    path[n] = '/';
    memcpy(path + n + 1, SHMC_REGISTRY_NAME, sizeof SHMC_REGISTRY_NAME);
}

int shmc__registry_write(enum shmc_reg_kind kind, int64_t arg,
                         char *const *list, const char *one)
{
    const struct shmc_trace *t = &shmc__trace;
    uint64_t rec[SHMC_REG_MAX / 8];
    char path[PATH_MAX + sizeof SHMC_REGISTRY_NAME + 1];
    struct stat st;
    int saved = errno, ok = 0, fd;

    if (!t->registry_on) /* LCOV_EXCL_BR_LINE: its callers checked it */
        return -1;       /* LCOV_EXCL_LINE: (the same) */
    registry_path(path);
    fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        size_t len = shmc_reg_build(rec, kind, (int)t->pid, (int)t->ppid,
                                    shmc__now_ns_cold(), arg, list, one);
        /* LCOV_EXCL_BR_START: fstat of an open file cannot fail, and
         * what opens for writing is no directory; an impostor on another
         * file system (another st_dev) is not tested */
        ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
             (uint64_t)st.st_dev == t->registry_dev &&
             (uint64_t)st.st_ino == t->registry_ino &&
             shmc__fits(st.st_size, len, SHMC_REG_SLACK) &&
             write(fd, rec, len) == (ssize_t)len;
        /* LCOV_EXCL_BR_STOP */
        close(fd);
    }
    errno = saved;
    return ok ? 0 : -1;
}
