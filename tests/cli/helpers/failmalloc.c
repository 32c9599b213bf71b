/*
 * failmalloc - LD_PRELOAD=failmalloc.so SHMC_FAILMALLOC=N shmcheck ...:
 * from shmcheck's option parsing on (its first getopt_long call: the
 * program and a coverage build's runtime have been set up by then), the
 * first N allocations succeed and every later malloc, calloc and realloc
 * fails with ENOMEM, until exit handlers run (a coverage build then writes
 * its counters). For tests/cli/test_main.py, which builds it:
 * the CLI running out of memory at every point.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static long left = -1; /* allocations that may still succeed; -1: all */

static void stop(void)
{
    left = -1;
}

int getopt_long(int argc, char *const argv[], const char *shorts,
                const struct option *longs, int *index)
{
    static int (*real)(int, char *const[], const char *, const struct option *,
                       int *);
    static int started;
    const char *n = getenv("SHMC_FAILMALLOC");

    if (real == NULL)
        real = (int (*)(int, char *const[], const char *, const struct option *,
                        int *))dlsym(RTLD_NEXT, "getopt_long");
    if (!started && n != NULL && atexit(stop) == 0)
        left = atol(n);
    started = 1;
    return real(argc, argv, shorts, longs, index);
}

static int fail(void)
{
    if (left < 0)
        return 0;
    if (left > 0) {
        left--;
        return 0;
    }
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n)
{
    return fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    return fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    return fail() ? NULL : __libc_realloc(p, n);
}
