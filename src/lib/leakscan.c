/*
 * leakscan.c - the kernel's view for the leak check (API: leakscan.h).
 *
 * Segments come from SHM_STAT_ANY over the namespace's slots (Linux 4.17
 * and later), attachments from /proc/self/maps: what the kernel holds,
 * whoever made it, raw system calls included. Ownership needs a little
 * memory of our own: the second this process started (a segment whose
 * creator has our pid but is older was made by an earlier process with
 * the same pid), and the children it forked. Those are noted by the fork
 * handlers (leakcheck.c) in a ring shared with every descendant (a
 * grandchild is noted by its parent's copy of the handler), mapped by
 * the first fork.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "leakscan.h"

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15 /* Linux 4.17; older headers lack the name */
#endif

#define RING 4096 /* children remembered; the oldest are forgotten */
#define DEPTH 64  /* generations followed from a creator to us */

struct child {
    _Atomic int pid; /* written last: 0 until the entry is whole */
    int parent;
    int64_t since; /* the second it started */
};

struct ring {
    atomic_uint next;
    struct child e[RING];
};

static struct ring *ring; /* NULL until the first fork maps it */
static time_t started;    /* this process's first second */

/* Before a fork: the ring must exist in the parent for the child to
 * share it. If it cannot be mapped, children go unnoted and a leak by a
 * child that has ended is then reported as made by an unknown process
 * (shmc__leak_owner), never silently dropped. */
void shmc__leak_before_fork(void)
{
    if (ring == NULL) {
        void *p = mmap(NULL, sizeof *ring, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
            ring = p;
    }
}

void shmc__leak_in_child(void)
{
    started = time(NULL);
    if (ring != NULL) {
        struct child *c = &ring->e[atomic_fetch_add(&ring->next, 1) % RING];
        atomic_store(&c->pid, 0);
        c->parent = (int)getppid();
        c->since = (int64_t)started;
        atomic_store(&c->pid, (int)getpid());
    }
}

void shmc__leak_started(void)
{
    started = time(NULL);
}

/* The entry for pid that started at or before `at`, or NULL. */
static const struct child *noted(int pid, int64_t at)
{
    for (unsigned i = 0; ring != NULL && i < RING; i++) {
        const struct child *c = &ring->e[i];
        /* An entry younger than the segment is a later process that
         * got the same pid: no test makes pids wrap. */
        if (atomic_load(&c->pid) == pid &&
            c->since <= at) /* LCOV_EXCL_BR_LINE */
            return c;
    }
    return NULL;
}

/* The parent of a live process from /proc/PID/stat, or -1 when it is gone
 * (or /proc cannot tell). The command name may hold ") ": the fields
 * start after the last ')'. */
static int parent_of(int pid)
{
    char path[40], buf[512];
    int fd, ppid = -1;
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    /* LCOV_EXCL_BR_START: the kernel writes a whole line with a ')' */
    buf[n > 0 ? n : 0] = '\0';
    const char *end = strrchr(buf, ')');
    if (end != NULL) /* else, or if it does not parse: ppid stays -1 */
        sscanf(end + 1, " %*c %d", &ppid);
    /* LCOV_EXCL_BR_STOP */
    return ppid;
}

enum shmc__owner shmc__leak_owner(pid_t cpid, time_t ctime)
{
    int self = (int)getpid(), pid = (int)cpid, alive = 1;
    int64_t at = (int64_t)ctime;

    if (pid == self)
        return ctime >= started ? SHMC__OWNER_SELF : SHMC__OWNER_OTHER;
    /* Up the noted forks while they lead somewhere, then up /proc while
     * the processes live: a grandchild the harness's child forked after
     * an exec is not noted, but is found while it runs. */
    /* DEPTH: a stale ring's entries cannot make a cycle loop forever
     * (LCOV_EXCL_BR_START: no test makes one) */
    for (int depth = 0; depth < DEPTH && pid > 1; depth++) {
        /* LCOV_EXCL_BR_STOP */
        const struct child *c = noted(pid, at);
        if (c != NULL) {
            pid = c->parent;
            at = c->since;
        } else if ((pid = parent_of(pid)) < 0) {
            alive = depth > 0;
            break;
        }
        if (pid == self)
            return SHMC__OWNER_CHILD;
    }
    return alive ? SHMC__OWNER_OTHER : SHMC__OWNER_GONE;
}

int shmc__leak_shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
#ifdef SYS_shmctl
    return (int)syscall(SYS_shmctl, shmid, cmd, buf);
#else
    return shmctl(shmid, cmd, buf);
#endif
}

int shmc__leak_each_segment(void (*fn)(void *ctx, int shmid,
                                       const struct shmid_ds *ds),
                            void *ctx, int *none)
{
    struct shm_info info;
    int last = shmc__leak_shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);

    if (last < 0)
        return -1;
    *none = info.used_ids == 0;
    for (int i = 0; fn != NULL && !*none && i <= last; i++) {
        struct shmid_ds ds;
        int shmid = shmc__leak_shmctl(i, SHM_STAT_ANY, &ds);
        if (shmid >= 0)
            fn(ctx, shmid, &ds);
    }
    return 0;
}

/* The whole of /proc/self/maps in a malloc'd buffer (NUL-terminated), or
 * NULL with errno. */
static char *read_maps(void)
{
    size_t cap = 1 << 14, have = 0;
    char *buf = malloc(cap), *more;
    ssize_t n = 1;
    int fd, saved;

    if (buf == NULL)
        return NULL;
    if ((fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)) < 0)
        n = -1;
    while (n > 0) {
        if (cap - have < 4096 + 1) {
            if ((more = realloc(buf, cap * 2)) == NULL) {
                n = -1;
                break;
            }
            buf = more;
            cap *= 2;
        }
        if ((n = read(fd, buf + have, cap - have - 1)) > 0)
            have += (size_t)n;
    }
    saved = errno;
    close(fd); /* -1 when open failed: harmless */
    if (n < 0) {
        free(buf);
        errno = saved;
        return NULL;
    }
    buf[have] = '\0';
    return buf;
}

/* One maps line: a System V mapping's attachment start (its address less
 * its offset in the segment: shmdt takes that even when the head was
 * unmapped) and shmid (the inode of the "/SYSV<key> (deleted)" file). */
static int sysv_line(const char *l, uintptr_t *start, int *shmid)
{
    unsigned long long lo = 0, hi, off = 0, ino = 0;
    char perms[8], dev[16];
    int path = 0; /* stays 0 unless the whole line matched: l is no path */

    sscanf(l, "%llx-%llx %7s %llx %15s %llu %n", &lo, &hi, perms, &off, dev,
           &ino, &path);
    if (strncmp(l + path, "/SYSV", 5) != 0)
        return 0;
    *start = (uintptr_t)(lo - off);
    *shmid = (int)ino;
    return 1;
}

int shmc__leak_each_attachment(void (*fn)(void *ctx, uintptr_t start,
                                          int shmid),
                               void *ctx)
{
    char *maps = read_maps(), *l, *save = NULL;
    uintptr_t start, prev_start = 0;
    int shmid, prev_id = -1;

    if (maps == NULL)
        return -1;
    for (l = strtok_r(maps, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        /* The pieces of one attachment follow each other in address
         * order: one call for them all. */
        if (sysv_line(l, &start, &shmid) &&
            (shmid != prev_id || start != prev_start)) {
            fn(ctx, start, shmid);
            prev_id = shmid;
            prev_start = start;
        }
    }
    free(maps);
    return 0;
}
