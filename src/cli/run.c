/*
 * run.c - the process tree: a private IPC namespace on request, the
 * tracer in the environment, a subreaper that waits for every descendant.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "broker.h"
#include "exec.h"
#include "journal/registry.h"
#include "run.h"
#include "signals.h"

extern char **environ;

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int cli_isolate(char *err, size_t errlen)
{
    char map[64];
    uid_t uid = geteuid();
    gid_t gid = getegid();

    if (unshare(CLONE_NEWIPC) == 0)
        return 0;
    /* Not privileged: a user namespace (which may make one), then IPC. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0) {
        snprintf(err, errlen,
                 "cannot create a private IPC namespace: %s (needs root, or "
                 "unprivileged user namespaces: sysctl "
                 "kernel.unprivileged_userns_clone=1)",
                 strerror(errno));
        return -1;
    }
    /* Our own ids map to themselves: the program runs as the caller, as
     * it would without --isolate (not as root of the namespace). */
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0 ||
        (snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid),
         write_file("/proc/self/gid_map", map)) != 0) {
        snprintf(err, errlen, "cannot map ids in the user namespace: %s",
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int push(char ***env, size_t *n, char *entry)
{
    char **e = realloc(*env, (*n + 2) * sizeof **env);
    if (e == NULL)
        return -1;
    e[(*n)++] = entry;
    e[*n] = NULL;
    *env = e;
    return 0;
}

/* Frees what tree_env made: the array and its first three strings. */
static void free_env(char **env)
{
    if (env != NULL)
        for (int i = 0; i < 3; i++)
            free(env[i]);
    free(env);
}

/* The tree's third setting (malloc'd): the ASan option a program linked
 * against the shared ASan runtime needs (exec.h), which replaces the
 * caller's ASAN_OPTIONS, else where the tracer reports. */
static char *third_setting(const struct cli_spawn *sp, int *asan)
{
    const char *path = getenv("PATH");
    char prog[PATH_MAX], *s = NULL;

    if (cli_exec_which(sp->argv[0], path ? path : CLI_DEFAULT_PATH, prog,
                       sizeof prog) == 0)
        s = cli_asan_setting(prog, getenv("ASAN_OPTIONS"));
    *asan = s != NULL;
    return s ? s
             : strdup(sp->quiet_tracer ? "SHMCHECK_REPORT=none"
                                       : "SHMCHECK_REPORT=stderr");
}

/* Room for a setting of the tree's that names a file's identity. */
#define SETTING_LEN 80

/* The log directory's identity for the tracers (jfile.h); without one,
 * an empty setting, which they ignore. */
static void pin_setting(const struct shmc_jdir_pin *pin, char *out, size_t n)
{
    if (pin != NULL)
        snprintf(out, n, "%s=%llu:%llu", SHMC_JDIR_ENV,
                 (unsigned long long)pin->dev, (unsigned long long)pin->ino);
}

/* The image registry (journal/registry.h), made empty in the pinned log
 * directory, and its identity for the tracers; when it cannot be made
 * (a --log-dir that has one already), an empty setting: every process
 * then journals from its start. */
static void registry_setting(const struct cli_spawn *sp, char *out, size_t n)
{
    char path[PATH_MAX + sizeof SHMC_REGISTRY_NAME + 1];
    struct stat st;
    int fd;

    if (sp->pin == NULL)
        return;
    snprintf(path, sizeof path, "%s/%s", sp->log_dir, SHMC_REGISTRY_NAME);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0)
        snprintf(out, n, "%s=%llu:%llu", SHMC_REGISTRY_ENV,
                 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    close(fd);
}

/* The environment for the tree: first the tracer preloaded after any
 * LD_PRELOAD the user has, its journals in the log dir through our broker
 * and the verdict left to the CLI, then the rest of ours. The verdict is
 * ours: no process exits with the tracer's status, nor aborts (an abort
 * would remove its leaks before our look at the kernel, hiding them, and
 * change what the tree does). NULL when memory runs out. */
static char **tree_env(const struct cli_spawn *sp, char *broker, char *pin,
                       char *registry)
{
    pin_setting(sp->pin, pin, SETTING_LEN);
    registry_setting(sp, registry, SETTING_LEN);
    const char *old = getenv("LD_PRELOAD");
    char **env = calloc(4, sizeof *env);
    size_t n = 3;
    int asan;

    if (env == NULL)
        return NULL;
    if ((old && *old ? asprintf(&env[0], "LD_PRELOAD=%s:%s", old, sp->trace_so)
                     : asprintf(&env[0], "LD_PRELOAD=%s", sp->trace_so)) < 0)
        env[0] = NULL;
    if (asprintf(&env[1], "SHMCHECK_LOG_DIR=%s", sp->log_dir) < 0)
        env[1] = NULL;
    env[2] = third_setting(sp, &asan);
    if (env[0] == NULL || env[1] == NULL || env[2] == NULL ||
        (asan && push(&env, &n,
                      sp->quiet_tracer ? "SHMCHECK_REPORT=none"
                                       : "SHMCHECK_REPORT=stderr") != 0) ||
        push(&env, &n, "SHMCHECK_EXITCODE=0") != 0 ||
        push(&env, &n, "SHMCHECK_ON_ERROR=exit") != 0 ||
        push(&env, &n, broker) != 0 || push(&env, &n, pin) != 0 ||
        push(&env, &n, registry) != 0)
        goto fail;
    for (size_t i = 0; environ[i]; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
            strncmp(environ[i], "SHMCHECK_LOG_DIR=", 17) &&
            strncmp(environ[i], "SHMCHECK_REPORT=", 16) &&
            strncmp(environ[i], "SHMCHECK_EXITCODE=", 18) &&
            strncmp(environ[i], "SHMCHECK_ON_ERROR=", 18) &&
            strncmp(environ[i], SHMC_BROKER_ENV "=", sizeof SHMC_BROKER_ENV) &&
            strncmp(environ[i], SHMC_JDIR_ENV "=", sizeof SHMC_JDIR_ENV) &&
            strncmp(environ[i], SHMC_REGISTRY_ENV "=",
                    sizeof SHMC_REGISTRY_ENV) &&
            (!asan || strncmp(environ[i], "ASAN_OPTIONS=", 13)) &&
            push(&env, &n, environ[i]) != 0)
            goto fail;
    return env;
fail:
    free_env(env);
    return NULL;
}

/* The child: the program, or why it could not run, through the CLOEXEC
 * pipe, as exit status 126 or 127. */
static _Noreturn void exec_child(const struct cli_spawn *sp, char **env,
                                 int pipe_w, const sigset_t *oldmask,
                                 const struct sigaction *oldchld)
{
    const char *path;
    ssize_t sent;
    int e, why;

    /* exec keeps the mask and an ignored SIGCHLD: the program's own */
    sigaction(SIGCHLD, oldchld, NULL);
    sigprocmask(SIG_SETMASK, oldmask, NULL);
    SHMC_COVERAGE_FLUSH();
    /* Not execvpe: it would run a file the kernel refuses (ENOEXEC)
     * through /bin/sh, as a script, where it should be reported. */
    path = getenv("PATH");
    cli_exec(sp->argv, env, path ? path : CLI_DEFAULT_PATH);
    e = errno;
    why = e == ENOENT ? 127 : 126;
    /* Tell the parent why, through the CLOEXEC pipe: 4 bytes into an
     * empty pipe whose reader is open cannot fail. Were they lost, the
     * parent would take this status as the program's own. */
    sent = write(pipe_w, &e, sizeof e);
    if (sent != (ssize_t)sizeof e) /* LCOV_EXCL_BR_LINE: cannot fail */
        why = 127; /* LCOV_EXCL_LINE: 4 bytes into an empty pipe */
    SHMC_COVERAGE_FLUSH();
    _exit(why); /* LCOV_EXCL_LINE: after the flush gcov counts nothing */
}

/* Whether the child's exec failed: 0 when it ran (the pipe closed on
 * exec), else 126 or 127 with err set. */
static int exec_error(int pipe_r, const char *prog, char *err, size_t errlen)
{
    int e;

    if (read(pipe_r, &e, sizeof e) != (ssize_t)sizeof e)
        return 0;
    snprintf(err, errlen, "cannot run '%s': %s", prog, strerror(e));
    return e == ENOENT ? 127 : 126;
}

/* The program's process, by vfork: the child only sets its signals and
 * execs (exec_child touches nothing of ours but its own stack), and
 * copying our page tables would cost more than the rest of the start.
 * Kept out of line, so that nothing of the caller's lives in registers a
 * vfork child could clobber. It fails only without memory or processes
 * left; root, who runs the tests, is exempt from RLIMIT_NPROC. */
static SHMC_NOINLINE pid_t start_child(const struct cli_spawn *sp, char **env,
                                       const int p[2], const sigset_t *oldmask,
                                       const struct sigaction *oldchld)
{
    pid_t child = vfork();

    if (child == 0)
        exec_child(sp, env, p[1], oldmask, oldchld);
    return child;
}

int cli_spawn_tree(const struct cli_spawn *sp, struct cli_reaped **reaped,
                   size_t *nreaped, int *top_pid, char *err, size_t errlen)
{
    struct cli_broker broker;
    char **env, pin[SETTING_LEN] = SHMC_JDIR_ENV "=";
    char registry[SETTING_LEN] = SHMC_REGISTRY_ENV "=";
    sigset_t oldmask;
    int p[2], code;
    pid_t child;

    if (cli_broker_start(&broker, sp->log_dir, sp->pin, err, errlen) != 0)
        return -1;
    if ((env = tree_env(sp, broker.env, pin, registry)) == NULL) {
        snprintf(err, errlen, "out of memory");
        cli_broker_stop(&broker);
        return -1;
    }
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        cli_broker_stop(&broker);
        free_env(env);
        return -1;
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* The signals we forward, and SIGCHLD, are blocked from before the
     * fork and read in the wait (signals.h): a Ctrl-C as the program
     * starts reaches the program, never kills us alone. An ignored
     * SIGCHLD (from our caller) would reap the tree behind our back. */
    struct sigaction dfl = {.sa_handler = SIG_DFL}, oldchld;
    sigaction(SIGCHLD, &dfl, &oldchld);
    cli_signals_block(&oldmask);
    child = start_child(sp, env, p, &oldmask, &oldchld);
    if (child < 0) { /* LCOV_EXCL_START: out of memory or processes */
        snprintf(err, errlen, "fork: %s", strerror(errno));
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        sigaction(SIGCHLD, &oldchld, NULL);
        close(p[0]);
        close(p[1]);
        cli_broker_stop(&broker);
        free_env(env);
        return -1;
    } /* LCOV_EXCL_STOP */
    close(p[1]);
    code = exec_error(p[0], sp->argv[0], err, errlen);
    close(p[0]);
    struct cli_interrupt ignored;
    *nreaped = cli_signals_wait_tree(child, reaped,
                                     sp->intr != NULL ? sp->intr : &ignored);
    /* The forwarded signals stay blocked: one that comes now, while the
     * report is made, must not kill the CLI before it reports. */
    sigaction(SIGCHLD, &oldchld, NULL);
    cli_broker_stop(&broker);
    free_env(env);
    *top_pid = child;
    return code;
}
