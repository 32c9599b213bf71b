/*
 * run.c - the process tree: a private IPC namespace on request, the
 * tracer in the environment, a subreaper that waits for every descendant.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "broker.h"
#include "run.h"

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
    /* Not privileged: a user namespace where we are root, then IPC. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0) {
        snprintf(err, errlen,
                 "cannot create a private IPC namespace: %s (needs root, or "
                 "unprivileged user namespaces: sysctl "
                 "kernel.unprivileged_userns_clone=1)",
                 strerror(errno));
        return -1;
    }
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0 ||
        (snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid),
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

/* Frees what tree_env made: the array and its first two strings. */
static void free_env(char **env)
{
    if (env != NULL) {
        free(env[0]);
        free(env[1]);
    }
    free(env);
}

/* The environment for the tree: first the tracer preloaded after any
 * LD_PRELOAD the user has, its journals in the log dir through our broker
 * and the verdict left to the CLI, then the rest of ours. NULL when
 * memory runs out. */
static char **tree_env(const struct cli_spawn *sp, char *broker, char *pin)
{
    const char *old = getenv("LD_PRELOAD");
    char **env = calloc(3, sizeof *env);
    size_t n = 2;

    if (env == NULL)
        return NULL;
    if ((old && *old ? asprintf(&env[0], "LD_PRELOAD=%s:%s", old, sp->trace_so)
                     : asprintf(&env[0], "LD_PRELOAD=%s", sp->trace_so)) < 0)
        env[0] = NULL;
    if (asprintf(&env[1], "SHMCHECK_LOG_DIR=%s", sp->log_dir) < 0)
        env[1] = NULL;
    if (env[0] == NULL || env[1] == NULL ||
        push(&env, &n,
             sp->quiet_tracer ? "SHMCHECK_REPORT=none"
                              : "SHMCHECK_REPORT=stderr") != 0 ||
        push(&env, &n, "SHMCHECK_EXITCODE=0") != 0 ||
        push(&env, &n, broker) != 0 || push(&env, &n, pin) != 0)
        goto fail;
    for (size_t i = 0; environ[i]; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
            strncmp(environ[i], "SHMCHECK_LOG_DIR=", 17) &&
            strncmp(environ[i], "SHMCHECK_REPORT=", 16) &&
            strncmp(environ[i], "SHMCHECK_EXITCODE=", 18) &&
            strncmp(environ[i], SHMC_BROKER_ENV "=", sizeof SHMC_BROKER_ENV) &&
            strncmp(environ[i], SHMC_JDIR_ENV "=", sizeof SHMC_JDIR_ENV) &&
            push(&env, &n, environ[i]) != 0)
            goto fail;
    return env;
fail:
    free_env(env);
    return NULL;
}

static volatile sig_atomic_t top_child;

static void forward(int sig)
{
    if (top_child > 0)
        kill(top_child, sig);
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void forward_signals(int on)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on ? forward : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);
}

static void block_forwarded(int how, sigset_t *old)
{
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(how, &set, old);
}

/* The child: the program, or why it could not run, through the CLOEXEC
 * pipe, as exit status 126 or 127. */
static _Noreturn void exec_child(const struct cli_spawn *sp, char **env,
                                 int pipe_w, const sigset_t *oldmask)
{
    ssize_t sent;
    int e, why;

    sigprocmask(SIG_SETMASK, oldmask, NULL); /* exec keeps the mask */
    SHMC_COVERAGE_FLUSH();
    execvpe(sp->argv[0], sp->argv, env);
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

/* Waits for every descendant (we are their subreaper) until none is
 * left; their pids and statuses into *list (malloc'd). Returns how many. */
static size_t reap_all(struct cli_reaped **list)
{
    size_t n = 0, cap = 0;
    int status;
    pid_t pid;

    *list = NULL;
    for (;;) {
        pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) /* LCOV_EXCL_BR_LINE: SA_RESTART */
            continue; /* LCOV_EXCL_LINE: our handlers are SA_RESTART */
        if (pid < 0)
            return n; /* ECHILD: every descendant has ended */
        if (n == cap) {
            size_t c = cap ? 2 * cap : 16;
            struct cli_reaped *l = realloc(*list, c * sizeof **list);
            if (l == NULL)
                continue; /* keep reaping; this one goes unrecorded */
            *list = l;
            cap = c;
        }
        (*list)[n].pid = pid;
        (*list)[n++].status = status;
    }
}

int cli_spawn_tree(const struct cli_spawn *sp, struct cli_reaped **reaped,
                   size_t *nreaped, int *top_pid, char *err, size_t errlen)
{
    struct cli_broker broker;
    char **env, pin[80] = SHMC_JDIR_ENV "=";
    sigset_t oldmask;
    int p[2], code;
    pid_t child;

    if (cli_broker_start(&broker, sp->log_dir, sp->pin, err, errlen) != 0)
        return -1;
    if (sp->pin != NULL) /* else an empty, ignored setting */
        snprintf(pin, sizeof pin, "%s=%llu:%llu", SHMC_JDIR_ENV,
                 (unsigned long long)sp->pin->dev,
                 (unsigned long long)sp->pin->ino);
    if ((env = tree_env(sp, broker.env, pin)) == NULL) {
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
    /* The signals we forward stay blocked from before the fork until the
     * handlers are in place: a Ctrl-C as the program starts must reach the
     * program, not kill us and leave it running. */
    block_forwarded(SIG_BLOCK, &oldmask);
    /* fork fails only without memory or processes left; root, who runs the
     * tests, is exempt from RLIMIT_NPROC. */
    child = fork();
    if (child < 0) { /* LCOV_EXCL_START: out of memory or processes */
        snprintf(err, errlen, "fork: %s", strerror(errno));
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        close(p[0]);
        close(p[1]);
        cli_broker_stop(&broker);
        free_env(env);
        return -1;
    } /* LCOV_EXCL_STOP */
    if (child == 0) {
        close(p[0]);
        exec_child(sp, env, p[1], &oldmask);
    }
    close(p[1]);
    top_child = child;
    forward_signals(1);
    sigprocmask(SIG_SETMASK, &oldmask, NULL); /* one pending goes on now */
    code = exec_error(p[0], sp->argv[0], err, errlen);
    close(p[0]);
    *nreaped = reap_all(reaped);
    forward_signals(0);
    cli_broker_stop(&broker);
    free_env(env);
    *top_pid = child;
    return code;
}
