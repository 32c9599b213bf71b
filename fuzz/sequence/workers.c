/*
 * workers.c - fuzz_sequence's persistent processes 1..3: where
 * sequence_worker is, the private IPC namespace they share, and their
 * start (each execs sequence_worker on the sockets it inherited, or
 * serves in its forked copy of this process).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>

#include "harness.h"

#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

struct workers workers;

/* workers.path: sequence_worker from SHMC_FUZZ_SEQ_WORKER (if set, the only
 * place looked at: set it empty to serve in forks), else where the build
 * puts it (build/fuzz/ENGINE/fuzz_sequence: ../sequence_worker), else
 * next to this program (OSS-Fuzz's $OUT); "" if none, said once. */
void locate_worker(void)
{
    static const char *const rel[] = {"../sequence_worker", "sequence_worker"};
    const char *env = getenv("SHMC_FUZZ_SEQ_WORKER");
    char self[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n;

    if (workers.located)
        return;
    workers.located = 1;
    if (env && realpath(env, workers.path) && access(workers.path, X_OK) == 0)
        return;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    if (strrchr(self, '/'))
        *strrchr(self, '/') = '\0';
    for (size_t i = 0; !env && i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", self, rel[i]);
        if (realpath(path, workers.path) && access(workers.path, X_OK) == 0)
            return;
    }
    workers.path[0] = '\0';
    fprintf(stderr,
            "fuzz_sequence: %s%s not found: processes 1..3 run in forks of "
            "this process, and their fork ops are slower\n",
            env ? "SHMC_FUZZ_SEQ_WORKER=" : "sequence_worker",
            env ? env : " (set SHMC_FUZZ_SEQ_WORKER)");
}

/* In the child forked for worker k: keeps its request socket and the
 * fork channels' worker ends, then runs sequence_worker on them, or
 * serves right here when there is none or it cannot run. */
__attribute__((noreturn)) static void start_worker(int k)
{
    int fork_fd[MODEL_PROCS] = {-1};
    char arg[MODEL_PROCS][16];
    char *argv[MODEL_PROCS + 2] = {"sequence_worker"};
    struct pstate ps = {0};

    /* execve keeps it: sequence_worker is not set-user-ID */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int i = 1; i < MODEL_PROCS; i++) {
        close(workers.pers[i][0]);
        close(workers.fork[i][0]);
        if (i > k)
            close(workers.pers[i][1]);
        fork_fd[i] = workers.fork[i][1];
    }
    for (int i = 0; i < MODEL_PROCS; i++) {
        snprintf(arg[i], sizeof arg[i], "%d",
                 i ? fork_fd[i] : workers.pers[k][1]);
        argv[i + 1] = arg[i];
    }
    if (workers.path[0]) {
        execv(workers.path, argv);
        fprintf(stderr, "fuzz_sequence: cannot run %s: %s; serving here\n",
                workers.path, strerror(errno));
    }
    serve(&ps, workers.pers[k][1], fork_fd);
}

/* Whether none of K1..K4 names a segment now. */
static int keys_free(void)
{
    for (int k = 1; k < 5; k++)
        if (shmget(key_of(k), 0, 0) >= 0 || errno != ENOENT)
            return 0;
    return 1;
}

/* Without a private IPC namespace (an unprivileged runner): keys no other
 * process uses (from our pid, then the next free ones), and a guard that
 * removes what an input that crashes us leaves. Said once. */
static void share_namespace(int why)
{
    int32_t base = 0x5e000000 + ((int32_t)(getpid() & 0xfffff) << 3);

    for (int tries = 0; tries < 4096; tries++, base += 8) {
        keys_from(base);
        if (keys_free())
            break;
    }
    workers.shared = 1;
    fprintf(stderr,
            "fuzz_sequence: unshare(CLONE_NEWIPC): %s; running in this IPC "
            "namespace on keys %#x..%#x, %s\n",
            strerror(why), (unsigned)key_of(1), (unsigned)key_of(4),
            guard_start() == 0 ? "a guard removing what a crashed input leaves"
                               : "no guard: a crashed input's segments stay");
}

/* Enters a private IPC namespace (else shares this one: share_namespace),
 * then starts the persistent workers, which inherit it and die with this
 * process (PR_SET_PDEATHSIG). */
void setup(void)
{
    locate_worker();
    if (unshare(CLONE_NEWIPC) != 0)
        share_namespace(errno); /* before we become a subreaper */
    (void)shmc_limits();        /* cached for the new namespace, before forks */
    /* Orphans of exited forked children come back here to be reaped. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    for (int k = 1; k < MODEL_PROCS; k++)
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, workers.pers[k]) != 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET, 0, workers.fork[k]) != 0)
            abort();
    for (int k = 1; k < MODEL_PROCS; k++) {
        if ((workers.pid[k] = fork()) < 0)
            abort();
        if (workers.pid[k] == 0)
            start_worker(k);
        close(workers.pers[k][1]); /* the worker's end: only it reads there */
        guard_note_pid(workers.pid[k]);
        if ((workers.pidfd[k] = open_pidfd(workers.pid[k])) < 0)
            abort();
    }
    for (int k = 1; k < MODEL_PROCS; k++)
        close(workers.fork[k][1]); /* the workers' children read there */
    workers.ready = 1;
}

#ifdef __clang__
#pragma clang attribute pop
#endif
