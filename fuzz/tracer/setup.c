/*
 * setup.c - fuzz_tracer's start-up: where tracer_worker and
 * libshmcheck-trace.so are, the private IPC namespace, and the journal
 * directory the tracer writes to (made once, emptied after every input,
 * removed at exit; those of killed runs swept).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness.h"

char worker_path[PATH_MAX], tracer_path[PATH_MAX], journal_dir[PATH_MAX];

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

void setup(void)
{
    find("SHMC_FUZZ_WORKER", "../tracer_worker", "tracer_worker", worker_path);
    find("SHMC_TRACE_SO", "../../libshmcheck-trace.so", "libshmcheck-trace.so",
         tracer_path);
    if (unshare(CLONE_NEWIPC) != 0) {
        perror("fuzz_tracer: unshare(CLONE_NEWIPC) (run as root)");
        exit(1);
    }
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
}
