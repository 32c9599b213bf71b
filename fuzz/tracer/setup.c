/*
 * setup.c - fuzz_tracer's start-up: where tracer_worker and
 * libshmcheck-trace.so are, the private IPC namespace, the journal
 * directory the tracer writes to (made once, emptied after every input,
 * removed at exit; those of killed runs swept), the CLI's journal broker
 * serving it (for workers that dropped root), and whether workers can
 * drop root at all.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "harness.h"
#include "inputs.h"

char worker_path[PATH_MAX], tracer_path[PATH_MAX], journal_dir[PATH_MAX];
const char *broker_env;
int can_drop_root, orphan_clones;
int32_t tracer_keys[3] = {IPC_PRIVATE, 0x5eed0001, 0x5eed0002};
int shared_ns;
static struct cli_broker broker;

/* Paths: from SHMC_FUZZ_WORKER / SHMC_TRACE_SO, else where the build puts
 * them (build/fuzz/ENGINE/fuzz_tracer: ../tracer_worker and
 * ../../libshmcheck-trace.so), else next to this program (OSS-Fuzz $OUT). */
static void find(const char *env, const char *rel, const char *name, char *out)
{
    char self[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n;

    if (getenv(env) && realpath(getenv(env), out))
        return;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(path, sizeof path, "%s/%s", self, rel);
    if (realpath(path, out) != NULL)
        return;
    snprintf(path, sizeof path, "%s/%s", self, name);
    if (realpath(path, out) == NULL) {
        fprintf(stderr, "fuzz_tracer: cannot find %s (set %s)\n", name, env);
        exit(1);
    }
}

/* Unlinks every entry of dir (the tracer's journals; no subdirectories). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            (void)unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
}

void empty_journal_dir(void)
{
    empty_dir(journal_dir);
}

/* At exit of the process that made it (engines fork after setup). */
static pid_t journal_dir_pid;
static void remove_journal_dir(void)
{
    if (getpid() == journal_dir_pid) {
        if (broker_env != NULL)
            cli_broker_stop(&broker);
        empty_dir(journal_dir);
        rmdir(journal_dir);
    }
}

/* The journal directories of runs that were killed (AFL++ kills children
 * that overrun their time, and crashes skip atexit): removed when the pid
 * in their name is gone, so that fuzzing leaves nothing in /tmp. */
static void sweep_stale_dirs(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *e;
    char path[PATH_MAX];
    int pid;

    while (d && (e = readdir(d)) != NULL)
        if (sscanf(e->d_name, "shmc-fuzz-tracer.%d", &pid) == 1 && pid > 0 &&
            kill(pid, 0) != 0 && errno == ESRCH) {
            snprintf(path, sizeof path, "/tmp/%s", e->d_name);
            empty_dir(path);
            (void)rmdir(path);
        }
    if (d)
        closedir(d);
}

/* Whether a child can drop root as W_SETUID does: not without
 * CAP_SETUID and CAP_SETGID, nor in a user namespace that maps no
 * W_NOBODY. */
static int probe_drop_root(void)
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0)
        _exit(setgroups(0, NULL) == 0 && setgid(W_NOBODY) == 0 &&
                      setuid(W_NOBODY) == 0
                  ? 0
                  : 1);
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

/* The journal broker, as the CLI runs it (src/cli/run.c), its address in
 * every worker's environment: a worker that dropped root can create and
 * reopen its journals in our 0700 directory only through it. Without it,
 * no worker drops root. */
static void start_broker(void)
{
    char err[256];

    if (cli_broker_start(&broker, journal_dir, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_tracer: %s: workers keep root\n", err);
        can_drop_root = 0;
        return;
    }
    broker_env = broker.env;
}

/* Without a private IPC namespace (an unprivileged runner): KEY1 and KEY2
 * keys no segment has (from our pid, then the next free ones), and a guard
 * that removes what an input that crashes us leaves. Said once. */
static void share_namespace(int why)
{
    int32_t base = 0x5d000000 + ((int32_t)(getpid() & 0xfffff) << 2);

    for (int tries = 0; tries < 4096; tries++, base += 4) {
        tracer_keys[1] = base + 1;
        tracer_keys[2] = base + 2;
        if ((shmget(base + 1, 0, 0) < 0 && errno == ENOENT) &&
            (shmget(base + 2, 0, 0) < 0 && errno == ENOENT))
            break;
    }
    shared_ns = 1;
    fprintf(stderr,
            "fuzz_tracer: unshare(CLONE_NEWIPC): %s; running in this IPC "
            "namespace on keys %#x and %#x, judging the tree's segments "
            "only, %s\n",
            strerror(why), (unsigned)tracer_keys[1], (unsigned)tracer_keys[2],
            guard_start() == 0 ? "a guard removing what a crashed input leaves"
                               : "no guard: a crashed input's segments stay");
}

int tree_segment(const struct world *w, const struct cli_kseg *k)
{
    if (k->key != IPC_PRIVATE &&
        (k->key == tracer_keys[1] || k->key == tracer_keys[2]))
        return 1;
    for (int s = 0; s < 64; s++)
        if (w->pid_of_serial[s] != 0 && w->pid_of_serial[s] == k->cpid)
            return 1;
    return 0;
}

void setup(void)
{
    find("SHMC_FUZZ_WORKER", "../tracer_worker", "tracer_worker", worker_path);
    find("SHMC_TRACE_SO", "../../libshmcheck-trace.so", "libshmcheck-trace.so",
         tracer_path);
    if (unshare(CLONE_NEWIPC) != 0)
        share_namespace(errno); /* before we become a subreaper */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    sweep_stale_dirs();
    snprintf(journal_dir, sizeof journal_dir, "/tmp/shmc-fuzz-tracer.%d.XXXXXX",
             (int)getpid());
    if (mkdtemp(journal_dir) == NULL) {
        perror("fuzz_tracer: mkdtemp");
        exit(1);
    }
    journal_dir_pid = getpid();
    atexit(remove_journal_dir);
    can_drop_root = probe_drop_root();
    orphan_clones = getenv("SHMC_FUZZ_ORPHAN_CLONES") == NULL ||
                    strcmp(getenv("SHMC_FUZZ_ORPHAN_CLONES"), "0") != 0;
    start_broker();
    if (getenv("SHMC_FUZZ_TRACE") != NULL)
        fprintf(stderr, "fuzz_tracer: workers %s drop root\n",
                can_drop_root ? "can" : "cannot");
}
