/*
 * root.c - the root of the traced tree (API: root.h).
 *
 * Whether the parent has the tracer loaded: /proc/<ppid>/maps maps the
 * same file (device and inode) as the one this code runs from. A parent
 * whose map cannot be read (another user's, or gone and replaced by one)
 * counts as traced: the tracer then keeps every status, which is the
 * safe side. No /proc at all, or a parent outside our pid namespace, and
 * this process is the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "journal/procstat.h"
#include "root.h"
#include "state.h"

#define KEY_MAX 64 /* "major:minor inode" of a mapped file */

/* The device and inode fields of a maps line ("lo-hi perms offset dev
 * inode path") into key, and its range; 0, or -1 when the line has no
 * file (inode 0) or another shape. */
static int line_key(const char *l, size_t n, char *key, uintptr_t range[2])
{
    const char *f[5];
    size_t len[5], i = 0, at = 0;

    for (; i < 5; i++) {
        while (at < n && l[at] == ' ')
            at++;
        f[i] = l + at;
        while (at < n && l[at] != ' ')
            at++;
        len[i] = (size_t)(l + at - f[i]);
        if (len[i] == 0)
            return -1;
    }
    if ((len[4] == 1 && f[4][0] == '0') || len[3] + len[4] + 2 > KEY_MAX ||
        sscanf(f[0], "%" SCNxPTR "-%" SCNxPTR, &range[0], &range[1]) != 2)
        return -1;
    memcpy(key, f[3], len[3]);
    key[len[3]] = ' ';
    memcpy(key + len[3] + 1, f[4], len[4]);
    key[len[3] + 1 + len[4]] = '\0';
    return 0;
}

/* Looks at each whole line of buf[0..have) for the one scan wants, until
 * found; returns how many bytes the lines looked at take. */
static size_t lines(const char *buf, size_t have, char *key, uintptr_t addr,
                    int *found)
{
    size_t start = 0;
    const char *nl;
    char k[KEY_MAX];
    uintptr_t range[2];

    while (!*found && (nl = memchr(buf + start, '\n', have - start)) != NULL) {
        size_t len = (size_t)(nl - buf) - start;
        if (line_key(buf + start, len, k, range) == 0)
            *found = key[0] != '\0' ? strcmp(k, key) == 0
                                    : addr >= range[0] && addr < range[1];
        if (*found && key[0] == '\0')
            strcpy(key, k);
        start += len + 1;
    }
    return start;
}

/* Scans the maps file at path for a line that maps what key names (or,
 * with key "", the range holding addr, whose key it then writes): 1 when
 * found, 0 when not, -1 when the file cannot be read. */
static int scan(const char *path, char *key, uintptr_t addr)
{
    char buf[8192];
    size_t have = 0, used;
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
    ssize_t n = 0;

    if (fd < 0)
        return -1;
    while (!found && (n = read(fd, buf + have, sizeof buf - have)) != 0) {
        /* LCOV_EXCL_START: a signal that lands during this read: no test
         * can time one, some runs do */
        if (n < 0 && errno == EINTR)
            continue;
        /* LCOV_EXCL_STOP */
        if (n < 0)
            break;
        have += (size_t)n;
        used = lines(buf, have, key, addr, &found);
        if (used == 0 && have == sizeof buf)
            used = have; /* no line is that long (PATH_MAX): not a map */
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    close(fd);
    return n < 0 ? -1 : found;
}

/* Whether the parent has the tracer loaded (unreadable: yes; see above). */
static int parent_traced(void)
{
    char key[KEY_MAX] = "", path[32];
    pid_t ppid = getppid();

    if (ppid == 0 ||
        scan("/proc/self/maps", key, (uintptr_t)&shmc__find_root) != 1)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)ppid);
    return scan(path, key, 0) != 0;
}

/* Whether value ("<pid>:<start time>", as written below) names this
 * process. Anything else, well-formed or not, names another one. */
static int names_me(const char *value, int pid, unsigned long long start)
{
    char mine[48];

    snprintf(mine, sizeof mine, "%d:%llu", pid, start);
    return strcmp(value, mine) == 0;
}

/* The entry that names no process (pid 0 is none); no printf: a process
 * under the CLI (which never changes a status) maps fewer pages of libc. */
#define NONE SHMC_ROOT_ENV "=0:0"

void shmc__find_root(char **envp)
{
    struct shmc_trace *t = &shmc__trace;
    const size_t n = sizeof SHMC_ROOT_ENV; /* with the '=' */
    const size_t room = sizeof t->root_env;
    unsigned long long start = 0;
    int pid = (int)getpid();

    /* SHMCHECK_EXITCODE=0 (the CLI's setting): no status ever changes,
     * so which process is the root does not matter; nothing is read. */
    if (t->cfg.exitcode != 0 && shmc_proc_start(pid, &start) != 0)
        start = 0; /* no /proc: the pid alone */
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], SHMC_ROOT_ENV "=", n) == 0) {
            size_t len = strlen(envp[i]) + 1;
            t->root = t->cfg.exitcode != 0 && names_me(envp[i] + n, pid, start);
            if (len <= room) /* copied as it is; else it names none */
                memcpy(t->root_env, envp[i], len);
            else
                memcpy(t->root_env, NONE, sizeof NONE);
            return;
        }
    t->root = t->cfg.exitcode != 0 && !parent_traced();
    if (t->root)
        snprintf(t->root_env, room, SHMC_ROOT_ENV "=%d:%llu", pid, start);
    else
        memcpy(t->root_env, NONE, sizeof NONE);
}
