/*
 * process.c - the calls that start or end process images, as the program
 * calls them: fork, the exec family, posix_spawn, _exit and _Exit.
 *
 * A vfork or posix_spawn child shares the parent's memory until it execs
 * or exits: code here that may run in one enters through
 * shmc__enter_own, which refuses it, and then touches no state, only its
 * own stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>

#include "journal/compiler.h"
#include "env.h"
#include "finish.h"
#include "record.h"
#include "stack.h"
#include "start.h"
#include "state.h"

extern char **environ;

/* Outside the guard while the real fork runs: the program's own atfork
 * handlers run there too, and are traced like the rest of its code unless
 * they run while ours hold the lock (start.c); ours reset the child. */
SHMC_EXPORT pid_t fork(void)
{
    struct shmc_call c;
    pid_t pid;
    int saved;

    shmc__resolve();
    shmc__capture_site(&c, SHMC_RETURN_ADDRESS());
    pid = SHMC_REAL.fork();
    saved = errno;
    if (pid != 0 && shmc__enter()) {
        shmc__on_fork(&c, saved, pid);
        shmc__leave();
    }
    errno = saved;
    return pid;
}

enum exec_kind { EXEC_PATH, EXEC_SEARCH, EXEC_FD };

static int call_exec(enum exec_kind kind, const char *file, int fd,
                     char *const argv[], char *const envp[])
{
    switch (kind) {
    case EXEC_SEARCH:
        return SHMC_REAL.execvpe(file, argv, envp);
    case EXEC_FD:
        return SHMC_REAL.fexecve(fd, argv, envp);
    default:
        return SHMC_REAL.execve(file, argv, envp);
    }
}

/* Journals the exec and reports this image (its attachments end here);
 * if the exec returns, journals that it failed and goes on tracing. */
static int exec_common(enum exec_kind kind, const char *file, int fd,
                       char *const argv[], char *const envp[])
{
    char *env[SHMC_ENV_MAX], buf[SHMC_ENV_BUF];
    char *const *use;
    int r, saved;

    shmc__resolve();
    use = shmc__traced_env(envp, env, buf);
    if (!shmc__enter_own()) {
        SHMC_COVERAGE_FLUSH();
        return call_exec(kind, file, fd, argv, use);
    }
    int64_t args[4] = {fd, kind, 0, 0};
    shmc__finish_exec(file, args);
    r = call_exec(kind, file, fd, argv, use);
    saved = errno;
    shmc__on_exec_fail(saved, r, args);
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
    char *env[SHMC_ENV_MAX], buf[SHMC_ENV_BUF];
    pid_t child = -1, *out = pid ? pid : &child;
    int r;

    shmc__resolve();
    char *const *use = shmc__traced_env(envp, env, buf);
    r = (search ? SHMC_REAL.posix_spawnp
                : SHMC_REAL.posix_spawn)(out, file, fa, attr, argv, use);
    if (shmc__enter_own()) {
        shmc__on_spawn(search, file, r, out);
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
 * on_exit handler it registers report (finish.c). An abort here leaves
 * stdio unflushed, as _exit would. */
static _Noreturn void end_now(int status)
{
    enum shmc_end end;

    shmc__resolve();
    end = shmc__finish("_exit", status, SHMC_JEXIT__EXIT);
    if (end == SHMC_END_ABORT)
        shmc__abort_now();
    if (end == SHMC_END_EXITCODE)
        status = shmc__trace.cfg.exitcode;
    SHMC_COVERAGE_FLUSH();
    SHMC_REAL._exit_(status);
}

SHMC_EXPORT _Noreturn void _exit(int status)
{
    end_now(status);
}

SHMC_EXPORT _Noreturn void _Exit(int status)
{
    end_now(status);
}
