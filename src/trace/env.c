/*
 * env.c - the settings a process image starts with and the environment
 * it passes on (API: env.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "env.h"
#include "state.h"

/* The environment the settings come from: environ, or, when libc has not
 * set it yet (a call from the program's .preinit_array starts the tracer
 * before libc's own initialisation), the one the kernel put on the
 * initial stack: argc, argv and its NULL, then envp. */
char **shmc__start_env(void)
{
    extern char **environ;
    extern void *__libc_stack_end; /* ld.so's: where argc is */
    const long *argc = __libc_stack_end;

    if (environ != NULL)
        return environ;
    return (char **)(argc + 1) + *argc + 1;
}

void shmc__keep_settings(char **envp)
{
    char *out = shmc__trace.env_keep;
    size_t left = sizeof shmc__trace.env_keep - 1;

    /* The root's entry is kept apart (root.c), so that none crowds it out. */
    for (size_t i = 0; envp[i]; i++) {
        size_t n = strlen(envp[i]) + 1;
        if (strncmp(envp[i], "SHMCHECK_", 9) != 0 || n > left ||
            strncmp(envp[i], SHMC_ROOT_ENV "=", sizeof SHMC_ROOT_ENV) == 0)
            continue;
        memcpy(out, envp[i], n);
        out += n;
        left -= n;
    }
    *out = '\0';
}

/* 1 if the list value (':' or ' ' separated) contains item. */
static int list_has(const char *list, const char *item)
{
    size_t n = strlen(item);

    for (const char *p = list; (p = strstr(p, item)) != NULL; p += n) {
        int starts = p == list || p[-1] == ':' || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ':' || p[n] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int env_has(char *const envp[], const char *entry)
{
    size_t name = strcspn(entry, "=") + 1;

    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], entry, name) == 0)
            return 1;
    return 0;
}

char *const *shmc__traced_env(char *const envp[], char **out, char *buf)
{
    const struct shmc_trace *t = &shmc__trace;
    size_t n = 0, used = 0;
    int preload = 0;

    /* LCOV_EXCL_BR_START: self_path is NULL only before the tracer
     * started: in an exec from .preinit_array, before gcov registered this
     * object, so that image's counts are lost (test_start.c runs one) */
    if (envp == NULL || t->self_path == NULL)
        return envp;
    /* LCOV_EXCL_BR_STOP */
    for (; envp[n]; n++) {
        if (n + 16 >= SHMC_ENV_MAX)
            return envp;
        out[n] = envp[n];
        if (strncmp(envp[n], "LD_PRELOAD=", 11) != 0)
            continue;
        preload = 1;
        if (list_has(envp[n] + 11, t->self_path))
            continue;
        used = (size_t)snprintf(buf, SHMC_ENV_BUF, "LD_PRELOAD=%s:%s",
                                t->self_path, envp[n] + 11) +
               1;
        if (used > SHMC_ENV_BUF)
            return envp;
        out[n] = buf;
    }
    if (!preload) {
        snprintf(buf, SHMC_ENV_BUF, "LD_PRELOAD=%s", t->self_path);
        out[n++] = buf;
    }
    /* LCOV_EXCL_BR_START: root_env is set at every start (root.c) */
    if (t->root_env[0] != '\0' && !env_has(envp, t->root_env))
        /* LCOV_EXCL_BR_STOP */
        out[n++] = (char *)t->root_env;
    for (const char *e = t->env_keep; *e; e += strlen(e) + 1)
        if (n + 1 < SHMC_ENV_MAX && !env_has(envp, e))
            out[n++] = (char *)e;
    out[n] = NULL;
    return out;
}
