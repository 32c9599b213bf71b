/*
 * process.c - the process lifecycle that changes attachments: fork, the
 * exec family, posix_spawn, exit, _exit and _Exit.
 *
 * A vfork or posix_spawn child shares the parent's memory until it execs
 * or exits: code here that may run in one compares getpid() with the
 * tracer's pid and then touches no state, only its own stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "state.h"

#define REAL shmc__trace.real
#define ENV_MAX 1024 /* larger environments are passed unchanged */
#define ENV_BUF 8192

extern char **environ;

/* Outside the guard while the real fork runs: the program's own atfork
 * handlers run there too, and are traced like the rest of its code unless
 * they run while ours hold the lock (state.c); ours reset the child. */
SHMC_EXPORT pid_t fork(void)
{
    struct shmc_call c;
    pid_t pid;
    int saved;

    shmc__resolve();
    c.frames[0] = (uint64_t)(uintptr_t)SHMC_RETURN_ADDRESS();
    c.nframes = 1;
    pid = REAL.fork();
    saved = errno;
    if (pid != 0 && shmc__enter()) {
        int64_t args[4] = {0, 0, 0, 0};
        c.time_ns = shmc__now_ns();
        c.err = pid < 0 ? saved : 0;
        shmc__journal(SHMC_J_FORK, &c, pid, args, NULL, 0);
        shmc__leave();
    }
    errno = saved;
    return pid;
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

/* envp, or a copy in out/buf that also preloads the tracer and carries
 * the SHMCHECK_* settings the process started with, so that the new image
 * is traced like this one. Only the stack is used (vfork-safe). */
static char *const *traced_env(char *const envp[], char **out, char *buf)
{
    const struct shmc_trace *t = &shmc__trace;
    size_t n = 0, used = 0;
    int preload = 0;

    if (envp == NULL || t->self_path[0] == '\0')
        return envp;
    for (; envp[n]; n++) {
        if (n + 16 >= ENV_MAX)
            return envp;
        out[n] = envp[n];
        if (strncmp(envp[n], "LD_PRELOAD=", 11) != 0)
            continue;
        preload = 1;
        if (list_has(envp[n] + 11, t->self_path))
            continue;
        used = (size_t)snprintf(buf, ENV_BUF, "LD_PRELOAD=%s:%s", t->self_path,
                                envp[n] + 11) +
               1;
        if (used > ENV_BUF)
            return envp;
        out[n] = buf;
    }
    if (!preload) {
        used =
            (size_t)snprintf(buf, ENV_BUF, "LD_PRELOAD=%s", t->self_path) + 1;
        out[n++] = buf;
    }
    for (const char *e = t->env_keep; *e; e += strlen(e) + 1)
        if (n + 1 < ENV_MAX && !env_has(envp, e))
            out[n++] = (char *)e;
    out[n] = NULL;
    return out;
}

enum exec_kind { EXEC_PATH, EXEC_SEARCH, EXEC_FD };

static int call_exec(enum exec_kind kind, const char *file, int fd,
                     char *const argv[], char *const envp[])
{
    switch (kind) {
    case EXEC_SEARCH:
        return REAL.execvpe(file, argv, envp);
    case EXEC_FD:
        return REAL.fexecve(fd, argv, envp);
    default:
        return REAL.execve(file, argv, envp);
    }
}

/* Journals the exec and reports this image (its attachments end here);
 * if the exec returns, journals that it failed and goes on tracing. */
static int exec_common(enum exec_kind kind, const char *file, int fd,
                       char *const argv[], char *const envp[])
{
    char *env[ENV_MAX], buf[ENV_BUF];
    char *const *use;
    int r, saved;

    shmc__resolve();
    use = traced_env(envp, env, buf);
    if (getpid() != shmc__trace.pid || !shmc__enter()) {
        SHMC_COVERAGE_FLUSH();
        return call_exec(kind, file, fd, argv, use);
    }
    int64_t args[4] = {fd, kind, 0, 0};
    shmc__journal(SHMC_J_EXEC, NULL, 0, args, file,
                  file ? strlen(file) + 1 : 0);
    shmc__report("exec");
    SHMC_COVERAGE_FLUSH();
    r = call_exec(kind, file, fd, argv, use);
    saved = errno;
    struct shmc_call c = {.time_ns = shmc__now_ns(), .err = saved};
    shmc__journal(SHMC_J_EXEC_FAIL, &c, r, args, NULL, 0);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    return exec_common(EXEC_PATH, path, -1, argv, envp);
}

SHMC_EXPORT int execv(const char *path, char *const argv[])
{
    return exec_common(EXEC_PATH, path, -1, argv, environ);
}

SHMC_EXPORT int execvpe(const char *file, char *const argv[],
                        char *const envp[])
{
    return exec_common(EXEC_SEARCH, file, -1, argv, envp);
}

SHMC_EXPORT int execvp(const char *file, char *const argv[])
{
    return exec_common(EXEC_SEARCH, file, -1, argv, environ);
}

SHMC_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    return exec_common(EXEC_FD, NULL, fd, argv, envp);
}

/* The execl family: collect the arguments, then as execv*. As glibc
 * does, the list ends at the first NULL after arg0, even when arg0 is
 * NULL: execle(path, NULL, NULL, envp) has argc 0 and envp. */
static size_t count_args(va_list ap)
{
    size_t n = 1;
    while (va_arg(ap, const char *) != NULL)
        n++;
    return n;
}

/* Collects arg0, the arguments after it and (execle) the envp after
 * their NULL, then execs. The argv array lives in this frame. */
static int exec_list(enum exec_kind kind, const char *file, const char *arg0,
                     va_list ap, int with_env)
{
    va_list count;
    va_copy(count, ap);
    size_t n = count_args(count);
    va_end(count);
    char *argv[n + 1];
    char *const *envp = environ;

    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++) /* the last one read is the NULL */
        argv[i] = va_arg(ap, char *);
    argv[n] = NULL;
    if (with_env)
        envp = va_arg(ap, char *const *);
    return exec_common(kind, file, -1, argv, envp);
}

SHMC_EXPORT int execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(EXEC_PATH, path, arg0, ap, 0);
    va_end(ap);
    return r;
}

SHMC_EXPORT int execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(EXEC_SEARCH, file, arg0, ap, 0);
    va_end(ap);
    return r;
}

SHMC_EXPORT int execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(EXEC_PATH, path, arg0, ap, 1);
    va_end(ap);
    return r;
}

static int spawn_common(int search, pid_t *pid, const char *file,
                        const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[],
                        char *const envp[])
{
    char *env[ENV_MAX], buf[ENV_BUF];
    pid_t child = -1;
    int r;

    shmc__resolve();
    char *const *use = traced_env(envp, env, buf);
    r = (search ? REAL.posix_spawnp : REAL.posix_spawn)(
        pid ? pid : &child, file, fa, attr, argv, use);
    if (getpid() == shmc__trace.pid && shmc__enter()) {
        struct shmc_call c = {.time_ns = shmc__now_ns(), .err = r};
        int64_t args[4] = {search, 0, 0, 0};
        shmc__journal(SHMC_J_SPAWN, &c, r == 0 ? *(pid ? pid : &child) : -1,
                      args, file, file ? strlen(file) + 1 : 0);
        shmc__leave();
    }
    return r;
}

SHMC_EXPORT int posix_spawn(pid_t *pid, const char *path,
                            const posix_spawn_file_actions_t *fa,
                            const posix_spawnattr_t *attr, char *const argv[],
                            char *const envp[])
{
    return spawn_common(0, pid, path, fa, attr, argv, envp);
}

SHMC_EXPORT int posix_spawnp(pid_t *pid, const char *file,
                             const posix_spawn_file_actions_t *fa,
                             const posix_spawnattr_t *attr, char *const argv[],
                             char *const envp[])
{
    return spawn_common(1, pid, file, fa, attr, argv, envp);
}

/* _exit and _Exit (the same system call) skip the exit handlers and
 * destructors: report here. exit() needs nothing: our destructor and the
 * on_exit handler it registers report (state.c). */
static _Noreturn void end_now(int status)
{
    shmc__resolve();
    if (shmc__finish("_exit", status, SHMC_JEXIT__EXIT))
        status = shmc__trace.cfg.exitcode;
    SHMC_COVERAGE_FLUSH();
    REAL._exit_(status);
}

SHMC_EXPORT _Noreturn void _exit(int status)
{
    end_now(status);
}

SHMC_EXPORT _Noreturn void _Exit(int status)
{
    end_now(status);
}
