/*
 * checkpoint.c - a journal replaced by its folded form (API and the
 * order of the steps: checkpoint.h).
 *
 * Why a SIGKILL loses no returned call: until the rename the journal's
 * name holds the old file, whole (every reservation was committed before
 * the fold began, and nothing is written to it after); the .ckpt beside it
 * is not read. From the rename on the name holds the new file, which was
 * complete before it was mapped; writers only go on after that. A call's
 * record is written before the call returns to the program, so a call
 * that returned is in whichever file the name holds.
 */
#define _GNU_SOURCE
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fold.h"
#include "format.h"
#include "space.h"
#include "wfile.h"

struct swap {
    int dfd, ofd, cfd; /* the directory, the old file, the new one */
    char name[PATH_MAX];
    size_t have, len, size; /* old mapped; new contents; new room */
};

static void step(const struct shmc_jwriter *w, enum shmc_jckpt_step s)
{
    /* LCOV_EXCL_START: run by test_cov3_ckpt.c, whose killed children
     * never write their coverage counts */
    if (w->ckpt_kill == (int)s)
        kill(getpid(), SIGKILL);
    /* LCOV_EXCL_STOP */
}

/* Creates the .ckpt in the checked directory (without one, dfd -1: this
 * process dropped the credentials it asks for, and the broker makes it).
 * A stale one (a checkpoint of this very journal killed before its
 * rename) is removed first: only this process writes names of its own pid
 * and image there. */
static int create(struct swap *s, const struct shmc_jwriter *w)
{
    const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    size_t n = strlen(w->path + w->name_at);
    uint32_t image = w->image;

    /* LCOV_EXCL_START: never; the name is "<pid>.<n>.shmj" */
    if (n + sizeof SHMC_JCKPT_SUFFIX > sizeof s->name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* LCOV_EXCL_STOP */
    memcpy(s->name, w->path + w->name_at, n);
    memcpy(s->name + n, SHMC_JCKPT_SUFFIX, sizeof SHMC_JCKPT_SUFFIX);
    if (s->dfd >= 0 && (s->cfd = openat(s->dfd, s->name, flags, 0600)) < 0 &&
        w->broker != NULL && (errno == EACCES || errno == EPERM)) {
        close(s->dfd); /* a directory it can read but not write into */
        s->dfd = -1;
    }
    if (s->dfd < 0) /* the broker's file is made 0600 */
        return (s->cfd = shmc_broker_open(w->broker, SHMC_BROKER_CKPT, w->pid,
                                          &image)) < 0
                   ? -1
                   : 0;
    if (s->cfd < 0 && errno == EEXIST && unlinkat(s->dfd, s->name, 0) == 0)
        s->cfd = openat(s->dfd, s->name, flags, 0600);
    if (s->cfd < 0)
        return -1;
    /* a umask like 0277 would leave a file growth could not reopen */
    return fchmod(s->cfd, 0600);
}

/* The room the new file starts with: its contents and half as much again
 * (at least a new journal's first size), in whole pages, within the cap. */
static size_t room(size_t len, size_t cap)
{
    size_t want = len + len / 2 + SHMC_JFIRST_SIZE;

    want = (want + SHMC_JPAGE - 1) / SHMC_JPAGE * SHMC_JPAGE;
    return want < cap ? want : cap;
}

/* Writes the folded journal into the .ckpt and allocates its room. */
static int write_new(struct swap *s, const struct shmc_jwriter *w)
{
    size_t end = atomic_load(&w->off);

    /* LCOV_EXCL_START: never; the journal is not frozen */
    if (end > s->have)
        end = s->have;
    /* LCOV_EXCL_STOP */
    if (shmc_jfold(w->base, end, s->cfd, &s->len) != 0)
        return -1;
    s->size = room(s->len, w->cap);
    /* LCOV_EXCL_START: never; a checkpoint runs only for a record that fits
     * under the cap, so len <= mapped <= cap - SHMC_JPAGE, and room is the
     * cap or at least len + SHMC_JFIRST_SIZE. Kept against a change of
     * those sizes. */
    if (s->len + SHMC_JMAX_RECORD > s->size) {
        errno = EFBIG; /* it would not hold one more record */
        return -1;
    }
    /* LCOV_EXCL_STOP */
    return shmc_jspace_grow(s->cfd, s->len, s->size);
}

/* Maps the old file back where it was (after a failed step). */
static void map_old(struct swap *s, struct shmc_jwriter *w)
{
    /* LCOV_EXCL_BR_START: the file mapped again where it was mapped: only
     * a kernel out of mappings fails that; the range then stays reserved */
    if (mmap(w->base, s->have, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             s->ofd, 0) == MAP_FAILED)
        mmap(w->base, s->have, PROT_NONE, /* LCOV_EXCL_LINE: as above */
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    /* LCOV_EXCL_BR_STOP */
}

/* Renames the .ckpt over the journal (through the broker without dfd). */
static int rename_new(const struct swap *s, const struct shmc_jwriter *w)
{
    uint32_t image = w->image;
    int fd;

    if (s->dfd >= 0)
        return renameat(s->dfd, s->name, s->dfd, w->path + w->name_at);
    fd = shmc_broker_open(w->broker, SHMC_BROKER_CKPT_DONE, w->pid, &image);
    if (fd < 0)
        return -1;
    close(fd); /* the journal, now the new file: mapped already */
    return 0;
}

/* Maps the new file over the old one, then renames it over the journal's
 * name; the old file mapped again if either fails. */
static int switch_files(struct swap *s, struct shmc_jwriter *w)
{
    if (mmap(w->base, s->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             s->cfd, 0) == MAP_FAILED) {
        int err = errno;
        map_old(s, w);
        errno = err;
        return -1;
    }
    step(w, SHMC_JCKPT_MAPPED);
    if (rename_new(s, w) != 0) {
        int err = errno;
        map_old(s, w);
        errno = err;
        return -1;
    }
    step(w, SHMC_JCKPT_RENAMED);
    /* The old file's tail past the new file: reserved again, unmapped. */
    if (s->have > s->size)
        mmap(w->base + s->size, s->have - s->size, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return 0;
}

static int swap(struct swap *s, struct shmc_jwriter *w)
{
    s->have = atomic_load(&w->mapped);
    if ((s->ofd = shmc_jw_reopen(w, s->have)) < 0)
        return -1;
    /* A process that cannot open the directory (it dropped root) asks the
     * broker, as for its journal (writer.h). */
    if ((s->dfd = shmc_jw_open_dir(w)) < 0 &&
        (w->broker == NULL || (errno != EACCES && errno != EPERM)))
        return -1;
    if (create(s, w) != 0)
        return -1;
    step(w, SHMC_JCKPT_CREATED);
    if (write_new(s, w) != 0)
        return -1;
    step(w, SHMC_JCKPT_WRITTEN);
    if (switch_files(s, w) != 0)
        return -1;
    /* LCOV_EXCL_START: note_file only does fstat of an open descriptor */
    if (shmc_jw_note_file(w, s->cfd) != 0)
        return -1;
    /* LCOV_EXCL_STOP */
    atomic_store(&w->off, s->len);
    atomic_store_explicit(&w->mapped, s->size, memory_order_release);
    /* A folded journal that takes much of the checkpoint size would be
     * folded again at once: the size doubles instead. */
    /* LCOV_EXCL_BR_START: ckpt_at is never 0 here (a checkpoint runs only
     * when it is not, and doubling keeps it so); the rest is tested */
    while (w->ckpt_at != 0 && w->ckpt_at < w->cap && s->len > w->ckpt_at / 2)
        w->ckpt_at *= 2;
    /* LCOV_EXCL_BR_STOP */
    return 0;
}

int shmc_jckpt_run(struct shmc_jwriter *w)
{
    struct swap s = {.dfd = -1, .ofd = -1, .cfd = -1};
    int saved, rc;

    /* No new reservation from here on (begin reads busy after counting
     * itself in active), and every one made is committed once active is
     * 0: the old file holds every call that returned. The wait is short:
     * between reserving and committing a writer only copies its record. */
    atomic_store(&w->busy, 1);
    while (atomic_load(&w->active) != 0)
        sched_yield();
    rc = swap(&s, w);
    saved = errno;
    if (rc != 0 && s.cfd >= 0 && s.dfd >= 0)
        unlinkat(s.dfd, s.name, 0); /* (the broker's: left, not read) */
    if (s.cfd >= 0)
        close(s.cfd);
    if (s.ofd >= 0)
        close(s.ofd);
    if (s.dfd >= 0)
        close(s.dfd);
    if (rc == 0)
        step(w, SHMC_JCKPT_DONE);
    atomic_store(&w->busy, 0);
    errno = saved;
    return rc;
}
