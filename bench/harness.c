/*
 * harness.c - running and measuring the benchmarks' programs (harness.h).
 *
 * The peak memory of the shmcheck CLI itself (BENCH_HWM): wait4's
 * ru_maxrss cannot give it. The kernel folds into a process's rusage the
 * largest peak of every child it reaped, and the CLI reaps the whole
 * traced tree (it is the tree's parent and child subreaper), whose
 * programs map their journals (up to 1 GiB of file pages each): the
 * figure would be the tree's, not the CLI's. Nor can /proc/PID/status be
 * read from outside just before the CLI exits, or after (its memory is
 * gone by the time it is a zombie). So the bench is the CLI's tracer,
 * with one option only, PTRACE_O_TRACEEXIT: the kernel stops the CLI at
 * its exit, before its memory is released, and the bench reads the
 * CLI's own high-water mark (VmHWM, what getrusage would say for the
 * CLI alone) there. Nothing else is traced: the CLI's children are not
 * (no PTRACE_O_TRACEFORK), system calls are not; signals sent to the CLI
 * (SIGCHLD as its tree ends) stop it for a moment and are passed on
 * unchanged, so the run's timing moves by microseconds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "journal/format.h"
#include "stats.h"

extern char **environ;

void bench_machine(void)
{
    char line[256], model[200] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    struct utsname u;

    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                snprintf(model, sizeof model, "%s", v + 2);
                model[strcspn(model, "\n")] = '\0';
            }
            break;
        }
    if (f)
        fclose(f);
    if (uname(&u) != 0)
        strcpy(u.release, "?");
    printf("machine: %ld processors online, %s, Linux %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), model, u.release);
    fflush(stdout);
}

char **bench_env(const char *const extra[])
{
    static char *env[1024];
    int e = 0;

    for (int i = 0; environ[i] && e < 1000; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
            strncmp(environ[i], "SHMCHECK_", 9))
            env[e++] = environ[i];
    for (int i = 0; extra && extra[i] && e < 1023; i++)
        env[e++] = (char *)extra[i];
    env[e] = NULL;
    return env;
}

/* The peak RSS of a process stopped at its exit, in kB; -1 if unknown. */
static long vm_hwm(pid_t pid)
{
    char path[64], line[128];
    long kb = -1;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Waits for the child, passing its signals on when it is traced, until
 * it has ended. */
static int reap(pid_t pid, int traced, struct bench_run *r)
{
    struct rusage ru;
    int st, started = 0;

    for (;;) {
        if (wait4(pid, &st, 0, &ru) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (!WIFSTOPPED(st))
            break;
        int sig = WSTOPSIG(st);
        if (traced && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            r->hwm_kb = vm_hwm(pid);
            sig = 0;
        } else if (traced && sig == SIGTRAP && !started) {
            /* The stop at its exec: from now on, stop it at its exit. */
            ptrace(PTRACE_SETOPTIONS, pid, 0,
                   PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
            started = 1;
            sig = 0;
        }
        ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
    }
    r->status = st;
    r->maxrss_kb = ru.ru_maxrss;
    return 0;
}

int bench_run(char *const argv[], char *const envp[], int flags,
              struct bench_run *r)
{
    int traced = (flags & BENCH_HWM) != 0;

    r->hwm_kb = -1;
    fflush(stdout);
    double t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(126);
        if (traced && ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    int rc = reap(pid, traced, r);
    r->ns = now_ns() - t0;
    return rc;
}

int bench_run_ok(char *const argv[], char *const envp[], int flags,
                 struct bench_run *r, int ok1, int ok2)
{
    if (bench_run(argv, envp, flags, r) == 0 && WIFEXITED(r->status) &&
        (WEXITSTATUS(r->status) == ok1 || WEXITSTATUS(r->status) == ok2))
        return 0;
    fprintf(stderr, "bench: %s", argv[0]);
    for (int i = 1; argv[i]; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, ": wait status 0x%x, expected exit %d or %d\n", r->status,
            ok1, ok2);
    return -1;
}

/* Digits after the point: none for a count (no unit), else three
 * significant ones at least. */
static int digits(double value, const char *unit)
{
    return !*unit ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
}

void bench_figure(const char *what, double value, const char *unit)
{
    printf("%s: %.*f%s%s\n", what, digits(value, unit), value, *unit ? " " : "",
           unit);
    fflush(stdout);
}

int bench_goal(const char *what, double value, double goal, const char *unit)
{
    int over = value > goal;

    printf("%s: %.*f%s%s (goal: <= %g%s%s) %s\n", what, digits(value, unit),
           value, *unit ? " " : "", unit, goal, *unit ? " " : "", unit,
           over ? "OVER" : "ok");
    fflush(stdout);
    return over;
}

int bench_tmpdir(char *path, size_t room)
{
    const char *t = getenv("TMPDIR");

    if (snprintf(path, room, "%s/shmc-bench-XXXXXX", t && *t ? t : "/tmp") >=
        (int)room)
        return -1;
    return mkdtemp(path) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *sb, int type,
                      struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

int bench_rmtree(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int bench_empty_dir(const char *dir)
{
    char path[4096];
    struct dirent *e;
    DIR *d = opendir(dir);
    int rc = d ? 0 : -1;

    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (bench_rmtree(path) != 0)
            rc = -1;
    }
    if (d)
        closedir(d);
    return rc;
}

/* Calls each(path, arg) for the regular files of dir named *suffix. */
static int each_file(const char *dir, const char *suffix,
                     void (*each)(const char *, const struct stat *, void *),
                     void *arg)
{
    char path[4096];
    struct dirent *e;
    struct stat sb;
    size_t ls = strlen(suffix);
    DIR *d = opendir(dir);

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t ln = strlen(e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (ln >= ls && !strcmp(e->d_name + ln - ls, suffix) &&
            lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            each(path, &sb, arg);
    }
    closedir(d);
    return 0;
}

static void add_size(const char *path, const struct stat *sb, void *arg)
{
    (void)path;
    *(long long *)arg += sb->st_size;
}

long long bench_dir_bytes(const char *dir, const char *suffix)
{
    long long n = 0;
    return each_file(dir, suffix, add_size, &n) == 0 ? n : -1;
}

static void add_lost(const char *path, const struct stat *sb, void *arg)
{
    struct shmc_jheader h;
    int fd = open(path, O_RDONLY);

    (void)sb;
    if (fd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h)
        *(long long *)arg += (long long)h.lost;
    if (fd >= 0)
        close(fd);
}

long long bench_journals_lost(const char *dir)
{
    long long n = 0;
    return each_file(dir, SHMC_JSUFFIX, add_lost, &n) == 0 ? n : -1;
}

long long bench_file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

long long bench_count_in_file(const char *path, const char *needle)
{
    struct stat sb;
    long long n = 0;
    size_t ln = strlen(needle);
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *p = sb.st_size ? mmap(NULL, (size_t)sb.st_size, PROT_READ,
                                      MAP_PRIVATE, fd, 0)
                               : NULL;
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    for (const char *q = p, *end = p + sb.st_size;
         q && (q = memmem(q, (size_t)(end - q), needle, ln)) != NULL; q += ln)
        n++;
    if (p)
        munmap((void *)p, (size_t)sb.st_size);
    return n;
}
