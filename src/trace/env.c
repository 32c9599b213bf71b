/*
 * env.c - the settings a process image starts with and the environment
 * it passes on (API: env.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "journal/procstat.h"
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

/* Whether value ("<pid>:<start time>", as written below) names this
 * process. Anything else, well-formed or not, names another one. */
static int names_me(const char *value, int pid, unsigned long long start)
{
    char mine[48];

    snprintf(mine, sizeof mine, "%d:%llu", pid, start);
    return strcmp(value, mine) == 0;
}

/* The root of the traced tree is the process that first loaded the
 * tracer: its environment has no SHMC_ROOT_ENV, which every exec and
 * spawn then passes on naming it (shmc__traced_env); a forked child is
 * never the root (start.c). An image after exec is the root when the
 * entry names its pid and start time: the same process; a pid that was
 * reused has another start time. Writes the entry to pass on at out
 * (room bytes, enough for any pid and start time); returns its length
 * with the NUL. */
static size_t find_root(char **envp, char *out, size_t room)
{
    struct shmc_trace *t = &shmc__trace;
    const size_t n = sizeof SHMC_ROOT_ENV; /* with the '=' */
    unsigned long long start = 0;
    int pid = (int)getpid(), len;

    if (shmc_proc_start(pid, &start) != 0)
        start = 0; /* no /proc: the pid alone */
    t->root = 1;
    len = snprintf(out, room, SHMC_ROOT_ENV "=%d:%llu", pid, start);
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], SHMC_ROOT_ENV "=", n) == 0) {
            t->root = names_me(envp[i] + n, pid, start);
            len = snprintf(out, room, "%s", envp[i]);
            if ((size_t)len >= room) /* names no process: pid 0 */
                len = snprintf(out, room, SHMC_ROOT_ENV "=0:0");
            break;
        }
    return (size_t)len + 1;
}

void shmc__keep_settings(char **envp)
{
    char *out = shmc__trace.env_keep;
    size_t left = sizeof shmc__trace.env_keep - 1;
    size_t root = find_root(envp, out, SHMC_ROOT_MAX);

    /* The root's entry first, so that no setting crowds it out. */
    out += root;
    left -= root;
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

    if (envp == NULL || t->self_path[0] == '\0')
        return envp;
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
    for (const char *e = t->env_keep; *e; e += strlen(e) + 1)
        if (n + 1 < SHMC_ENV_MAX && !env_has(envp, e))
            out[n++] = (char *)e;
    out[n] = NULL;
    return out;
}
