/*
 * traced_prog - the program the tracer tests (tests/trace/test_*.c) run
 * under LD_PRELOAD, one subcommand per case: traced_prog SUBCOMMAND [ARG].
 * They use the raw System V calls (not libshmcheck), as the programs
 * users preload the tracer into do. Each prints what the test needs on
 * stdout and exits 0 unless it says otherwise. Run bare, each prints the
 * same as traced: the tests compare the two. The subcommands are in the
 * other files of this directory, by topic (traced_prog.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

static int errno_at_main;

_Noreturn void leak_and_end(int fd, const char *how)
{
    int id = make(4096);

    if (write(fd, &id, sizeof id) != sizeof id)
        _exit(2);
    if (strcmp(how, "_exit") == 0)
        _exit(0);
    exit(0);
}

int make(size_t size)
{
    int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
    if (id < 0) {
        perror("traced_prog: shmget");
        exit(2);
    }
    return id;
}

void *attach(int id)
{
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        perror("traced_prog: shmat");
        exit(2);
    }
    return p;
}

/* Results and errno of calls that succeed and fail, to compare traced and
 * bare runs. */
void show(const char *what, long r)
{
    printf("%s %ld %d\n", what, r, errno);
    errno = 1234;
}

/* Makes, attaches, detaches and removes a segment: 0 when all worked. */
int shm_cycle(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *p = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
    int dt = p != (void *)-1 ? shmdt(p) : -1;
    int rm = id >= 0 ? shmctl(id, IPC_RMID, NULL) : -1;

    return id >= 0 && dt == 0 && rm == 0 ? 0 : -1;
}

static int cmd_show_errno(void)
{
    printf("errno %d\n", errno_at_main);
    return 0;
}

/* Every subcommand as (self, argument): the wrappers adapt the few
 * signatures above. */
#define NONE(f)                                         \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)self;                                     \
        (void)arg;                                      \
        return cmd_##f();                               \
    }
#define SELF(f)                                         \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)arg;                                      \
        return cmd_##f(self);                           \
    }
#define ARG(f)                                          \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)self;                                     \
        return cmd_##f(arg);                            \
    }
NONE(threads)
NONE(forked)
SELF(execs)
NONE(clean)
ARG(leave)
NONE(scale)
NONE(closefds)
NONE(results)
NONE(fds)
NONE(many)
SELF(spawn)
SELF(execle_self)
NONE(show_env)
NONE(env_dump)
SELF(exec_noargs)
SELF(spawn_more)
NONE(atforked)
NONE(late)
NONE(dlopened)
ARG(modules)
ARG(load)
NONE(stacks)
ARG(badframe)
NONE(sites)
NONE(detaches)
NONE(calls)
NONE(raw_attach)
ARG(redirect)
NONE(churn)
SELF(others)
ARG(reap)
NONE(nomem)
NONE(sighandler)
NONE(show_errno)
ARG(rawfork)
ARG(unmap)
ARG(orphan)
NONE(clonevfork)
NONE(nostat)
NONE(forkfail)
NONE(spawnnull)
SELF(pipepending)
NONE(pending)
NONE(dropnest)
ARG(leak_to)
SELF(exec_leaks)
SELF(popen_leaks)
NONE(remap_refused)
NONE(remap_late)
NONE(fork_in_report)
ARG(abort_forks)
ARG(query)

static int m_exec_via(const char *self, const char *arg)
{
    return cmd_exec_via(self, arg);
}

static int m_exec_fail(const char *self, const char *arg)
{
    return cmd_exec_fail(self, arg);
}

static int m_exec_env(const char *self, const char *arg)
{
    return cmd_exec_env(self, arg);
}

static int m_vforked(const char *self, const char *arg)
{
    return cmd_vforked(self, arg);
}

static int m_child_leaks(const char *self, const char *arg)
{
    return cmd_child_leaks(self, arg);
}

static int m_abort_leak(const char *self, const char *arg)
{
    return cmd_abort_leak(self, arg);
}

static int m_rawnest(const char *self, const char *arg)
{
    return cmd_rawnest(self, arg);
}

struct mode {
    const char *name;
    int (*run)(const char *self, const char *arg);
    int needs_arg;
};

static const struct mode modes[] = {
    {"threads", m_threads, 0},
    {"fork", m_forked, 0},
    {"exec", m_execs, 0},
    {"clean", m_clean, 0},
    {"leave", m_leave, 1},
    {"scale", m_scale, 0},
    {"closefds", m_closefds, 0},
    {"results", m_results, 0},
    {"fds", m_fds, 0},
    {"many", m_many, 0},
    {"spawn", m_spawn, 0},
    {"execle", m_execle_self, 0},
    {"env", m_show_env, 0},
    {"env-dump", m_env_dump, 0},
    {"exec-via", m_exec_via, 1},
    {"exec-fail", m_exec_fail, 1},
    {"exec-noargs", m_exec_noargs, 0},
    {"exec-env", m_exec_env, 1},
    {"vfork", m_vforked, 1},
    {"rawfork", m_rawfork, 1},
    {"rawnest", m_rawnest, 1},
    {"spawn-more", m_spawn_more, 0},
    {"atfork", m_atforked, 0},
    {"late", m_late, 0},
    {"dlopen", m_dlopened, 0},
    {"modules", m_modules, 1},
    {"load", m_load, 1},
    {"stacks", m_stacks, 0},
    {"badframe", m_badframe, 1},
    {"sites", m_sites, 0},
    {"detaches", m_detaches, 0},
    {"calls", m_calls, 0},
    {"rawshmat", m_raw_attach, 0},
    {"redirect", m_redirect, 1},
    {"churn", m_churn, 0},
    {"others", m_others, 0},
    {"reap", m_reap, 1},
    {"nomem", m_nomem, 0},
    {"sighandler", m_sighandler, 0},
    {"errno", m_show_errno, 0},
    {"unmap", m_unmap, 1},
    {"orphan", m_orphan, 1},
    {"clonevfork", m_clonevfork, 0},
    {"nostat", m_nostat, 0},
    {"forkfail", m_forkfail, 0},
    {"spawnnull", m_spawnnull, 0},
    {"pipepending", m_pipepending, 0},
    {"pending", m_pending, 0},
    {"dropnest", m_dropnest, 0},
    {"leak-to", m_leak_to, 1},
    {"exec-leaks", m_exec_leaks, 0},
    {"child-leaks", m_child_leaks, 1},
    {"popen-leaks", m_popen_leaks, 0},
    {"remap-refused", m_remap_refused, 0},
    {"remap-late", m_remap_late, 0},
    {"fork-in-report", m_fork_in_report, 0},
    {"abort-leak", m_abort_leak, 1},
    {"abort-forks", m_abort_forks, 1},
    {"query", m_query, 1},
};

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : NULL;

    errno_at_main = errno;
    /* exec-noargs: argc 0, or argv {""} since Linux 5.18. */
    if (argc == 0 || argv[0][0] == '\0') {
        printf("no args, mark %s\n", getenv("TPROG_MARK"));
        return 0;
    }
    if (strncmp(cmd, "early", 5) == 0)
        return cmd_early_main(cmd);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(cmd, modes[i].name) == 0 && (arg || !modes[i].needs_arg))
            return modes[i].run(argv[0], arg);
    fprintf(stderr,
            "usage: traced_prog SUBCOMMAND [ARG] (tests/trace/helpers/)\n");
    return 2;
}
