/*
 * exec.c - the program the tree starts: the search through PATH that
 * execvp(3) makes, with execve(2), so that a file the kernel refuses to
 * run is reported rather than run by /bin/sh; and the ASan setting a
 * program linked against the shared ASan runtime needs under the tracer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"
#include "exec.h"

/* Calls fn with each file that execvp would try for prog (a name without
 * '/'), directory by directory of path, until fn returns nonzero; that
 * value, or 0. A candidate longer than PATH_MAX is passed over, as execvp
 * does. Only stack memory: a forked child may call it. */
static int each_file(const char *prog, const char *path,
                     int (*fn)(const char *, void *), void *arg)
{
    char file[PATH_MAX];
    size_t len = strlen(prog);
    const char *p = path, *end;
    int r;

    for (;; p = end + 1) {
        end = strchrnul(p, ':');
        size_t dir = (size_t)(end - p);
        if (dir + 1 + len < sizeof file) {
            memcpy(file, p, dir);
            if (dir > 0)
                file[dir++] = '/';
            memcpy(file + dir, prog, len + 1);
            if ((r = fn(file, arg)) != 0)
                return r;
        }
        if (*end == '\0')
            return 0;
    }
}

struct attempt {
    char *const *argv, *const *env;
    int denied; /* a file was found that we may not run */
};

/* Whether execvp goes on to the next directory after error e. */
static int passed_over(int e)
{
    if (e == EACCES || e == ENOENT || e == ENOTDIR)
        return 1;
    /* LCOV_EXCL_BR_START: errors of a network file system or of a device
     * gone, that no test can make; execvp passes over them too */
    return e == ESTALE || e == ENODEV || e == ETIMEDOUT;
    /* LCOV_EXCL_BR_STOP */
}

/* execve; 0 to try the next directory (the file is not there, or not
 * ours to run: as execvp), 1 to stop with errno. */
static int attempt(const char *file, void *arg)
{
    struct attempt *a = arg;

    execve(file, a->argv, a->env);
    a->denied |= errno == EACCES;
    return !passed_over(errno);
}

void cli_exec(char *const argv[], char *const env[], const char *path)
{
    struct attempt a = {argv, env, 0};
    const char *prog = argv[0];

    if (*prog == '\0') {
        errno = ENOENT;
        return;
    }
    if (strchr(prog, '/') != NULL) {
        execve(prog, argv, env);
        return;
    }
    if (strlen(prog) > NAME_MAX) {
        errno = ENAMETOOLONG;
        return;
    }
    if (each_file(prog, path, attempt, &a) == 0)
        errno = a.denied ? EACCES : ENOENT;
}

struct which {
    char *out;
    size_t n;
};

static int runnable(const char *file, void *arg)
{
    struct which *w = arg;
    struct stat st;

    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) ||
        access(file, X_OK) != 0 || strlen(file) >= w->n)
        return 0;
    memcpy(w->out, file, strlen(file) + 1);
    return 1;
}

int cli_exec_which(const char *prog, const char *path, char *out, size_t n)
{
    struct which w = {out, n};

    if (strchr(prog, '/') != NULL)
        return runnable(prog, &w) ? 0 : -1;
    return *prog != '\0' && each_file(prog, path, runnable, &w) ? 0 : -1;
}

char *cli_asan_setting(const char *path, const char *asan_options)
{
    char *s;

    if (cli_elf_needs_asan(path) != 1 ||
        (asan_options != NULL &&
         strstr(asan_options, "verify_asan_link_order") != NULL))
        return NULL;
    int n = asan_options && *asan_options
                ? asprintf(&s, "ASAN_OPTIONS=%s:verify_asan_link_order=0",
                           asan_options)
                : asprintf(&s, "ASAN_OPTIONS=verify_asan_link_order=0");
    if (n < 0)       /* LCOV_EXCL_BR_LINE: asprintf fails only without memory */
        return NULL; /* LCOV_EXCL_LINE */
    return s;
}
