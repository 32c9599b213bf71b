/*
 * janitor.c - the process that removes the private log directory when
 * the CLI ends without removing it (contract: janitor.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "janitor.h"
#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */

/* What the janitor keeps: its pipe, the directory above, the directory. */
enum { KEPT = 3 };

#define STACK (64 * 1024) /* the janitor's: sweep reads 4 KiB listings */

/* Every descriptor but 0, 1, 2 (on /dev/null) and keep: an inherited
 * write end of a pipe someone reads to its end (our stdout, stderr) must
 * not stay open for as long as the janitor waits. */
static void close_others(int keep[KEPT])
{
    int null = open("/dev/null", O_RDWR), low = 3;

    /* LCOV_EXCL_BR_START: /dev/null opens, as descriptor 3 or above */
    for (int fd = 0; fd < 3; fd++)
        if (null != fd)
            null >= 0 ? dup2(null, fd) : close(fd);
    /* LCOV_EXCL_BR_STOP */
    for (int i = 1; i < KEPT; i++) /* keep sorted: three, by insertion */
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    for (int i = 0; i < KEPT; i++) {
        /* EINVAL, harmlessly, when no descriptor lies in between */
        close_range((unsigned)low, (unsigned)keep[i] - 1, 0);
        low = keep[i] + 1;
    }
    close_range((unsigned)low, ~0U, 0);
}

/* Unlinks every entry of dir; how many. getdents64, not opendir: no
 * malloc in a process that shares our memory (cli_janitor_start). */
static int unlink_entries(int dir)
{
    _Alignas(struct dirent64) char buf[4096]; /* records start aligned */
    long n, removed = 0;

    lseek(dir, 0, SEEK_SET);
    while ((n = getdents64(dir, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + off);
            off += e->d_reclen;
            /* LCOV_EXCL_BR_START: unlinkat fails on a subdirectory only */
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                unlinkat(dir, e->d_name, 0) == 0)
                removed++;
            /* LCOV_EXCL_BR_STOP */
        }
    return (int)removed;
}

/* The directory's entries, then the directory, if up's name still names
 * dir: after we removed ours, another user may have made one there (in a
 * sticky /tmp). dir being open, its inode cannot be another's. Entries
 * removed while a listing is read may hide others from it: it is read
 * again while it still yields some, a bounded number of times (the tree,
 * still running, may be writing). */
static void sweep(int up, int dir, const char *name)
{
    struct stat mine, there;

    /* LCOV_EXCL_BR_START: fstat of an open descriptor does not fail; the
     * tests' impostor is on the same device; 16 passes need a writer */
    if (fstat(dir, &mine) != 0 ||
        fstatat(up, name, &there, AT_SYMLINK_NOFOLLOW) != 0 ||
        there.st_dev != mine.st_dev || there.st_ino != mine.st_ino)
        return;
    for (int pass = 0; pass < 16 && unlink_entries(dir) > 0; pass++)
        ; /* each pass reads the listing from its start */
    /* LCOV_EXCL_BR_STOP */
    unlinkat(up, name, AT_REMOVEDIR);
}

/* What the janitor is given, in memory of its own that is never freed:
 * it shares ours (cli_janitor_start) and goes on after we end. */
struct job {
    int keep[KEPT];
    char name[NAME_MAX + 1];
    _Alignas(16) unsigned char stack[STACK];
};

/* The janitor: waits for the end of the pipe, sweeps, ends. Runs in our
 * memory: only system calls, and errno (the one of our thread that
 * started it, which is stopped in vfork until close_others has closed the
 * write end of its ready pipe) is written before that point only. */
static int janitor(void *arg)
{
    struct job *j = arg;
    int pipe_r = j->keep[0], up = j->keep[1], dir = j->keep[2];
    sigset_t all;
    char c;

    /* Every signal blocked (SIGKILL and SIGSTOP cannot be): a hangup of
     * our terminal, a signal to every process of the user, never end the
     * janitor before its sweep. */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    prctl(PR_SET_NAME, "shmc-janitor");
    int ignored = chdir("/"); /* not to keep our directory's mount busy */

    (void)ignored;
    close_others(j->keep); /* the ready pipe too: the CLI goes on */
    while (read(pipe_r, &c, 1) < 0 && errno == EINTR) /* LCOV_EXCL_BR_LINE */
        ; /* nothing is ever written: the read ends at end-of-file */
    SHMC_COVERAGE_RESTART(); /* our exit wrote the counters we share */
    sweep(up, dir, j->name);
    SHMC_COVERAGE_FLUSH();
    _exit(0); /* LCOV_EXCL_LINE: after the flush gcov counts nothing */
}

/* The vfork child (it shares our memory, we wait: system calls only):
 * a session of its own, and the janitor started in our memory
 * (CLONE_VM: no copy of it, so no copy-on-write fault for us after, which
 * is what a forked janitor cost the CLI: about 1 ms). It ends once the
 * janitor has closed every descriptor it does not keep. */
static _Noreturn void start_janitor(struct job *j)
{
    int ready[2];
    char c;

    setsid();
    /* LCOV_EXCL_BR_START: pipe2 and clone fail only without descriptors,
     * memory or processes; no handler of ours runs to interrupt the read */
    if (pipe2(ready, O_CLOEXEC) == 0 &&
        clone(janitor, j->stack + STACK, CLONE_VM | SIGCHLD, j) > 0) {
        close(ready[1]);
        while (read(ready[0], &c, 1) < 0 && errno == EINTR)
            ; /* LCOV_EXCL_LINE: (the same) */
    }
    /* LCOV_EXCL_BR_STOP */
    _exit(0);
}

/* The directory above dir and dir, open; dir checked against pin. 0, or
 * -1 with errno. */
static int open_both(const char *dir, const struct shmc_jdir_pin *pin, int *up,
                     int *fd, const char **name)
{
    const char *slash = strrchr(dir, '/'); /* dir is absolute */
    char above[PATH_MAX];
    struct stat st;

    /* LCOV_EXCL_BR_START: a TMPDIR of / is not tested; dir was made and
     * checked just now, and nobody else can change what is at its name */
    snprintf(above, sizeof above, "%.*s", slash == dir ? 1 : (int)(slash - dir),
             dir);
    *name = slash + 1;
    *up = open(above, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *fd = *up < 0 ? -1
                  : openat(*up, *name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd >= 0 && fstat(*fd, &st) == 0 && st.st_dev == pin->dev &&
        st.st_ino == pin->ino)
        return 0;
    /* LCOV_EXCL_BR_STOP */
    /* LCOV_EXCL_START: (the same) */
    if (*fd >= 0)
        close(*fd), errno = ESTALE;
    if (*up >= 0)
        close(*up);
    return -1;
    /* LCOV_EXCL_STOP */
}

int cli_janitor_start(const char *dir, const struct shmc_jdir_pin *pin)
{
    int p[2], status;
    const char *name;
    struct job *j;
    pid_t mid;

    /* The janitor, an orphan, goes to the nearest subreaper above us or
     * to init; were that us, the tree's reaping would wait for it. As the
     * init of a PID namespace (a container's first process), we have no
     * one above, and our end kills every process of the namespace, the
     * janitor too: none. A subreaper setting we inherited across exec is
     * dropped (cli_spawn_tree sets ours). */
    if (getpid() == 1)
        return errno = EPERM, -1;
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    /* Never unmapped: the janitor uses it until it ends, after us. */
    j = mmap(NULL, sizeof *j, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    /* LCOV_EXCL_BR_START: see open_both; mmap fails without memory */
    if (j == MAP_FAILED)
        return -1; /* LCOV_EXCL_LINE */
    if (open_both(dir, pin, &j->keep[1], &j->keep[2], &name) != 0) {
        munmap(j, sizeof *j); /* LCOV_EXCL_LINE */
        return -1;            /* LCOV_EXCL_LINE */
    }
    /* LCOV_EXCL_BR_STOP */
    snprintf(j->name, sizeof j->name, "%s", name);
    /* LCOV_EXCL_START: pipe2 and vfork fail only without memory or fds */
    if (pipe2(p, O_CLOEXEC) != 0) {
        close(j->keep[1]);
        close(j->keep[2]);
        munmap(j, sizeof *j);
        return -1;
    }
    j->keep[0] = p[0];
    /* vfork, then the janitor from the vfork child: it is not our
     * descendant. */
    if ((mid = vfork()) < 0) {
        close(p[0]);
        close(p[1]);
        close(j->keep[1]);
        close(j->keep[2]);
        munmap(j, sizeof *j);
        return -1;
    }
    /* LCOV_EXCL_STOP */
    if (mid == 0)
        start_janitor(j);
    close(p[0]);
    close(j->keep[1]);
    close(j->keep[2]);
    /* LCOV_EXCL_BR_START: no handler of ours runs, waitpid ends once */
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ; /* LCOV_EXCL_LINE: waitpid ends once */
    /* LCOV_EXCL_BR_STOP */
    return p[1];
}
