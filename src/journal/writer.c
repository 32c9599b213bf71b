/*
 * writer.c - one process's journal: a file mapped MAP_SHARED into a fixed
 * reserved range, filled by lock-free reservations (contract: writer.h,
 * format: format.h).
 *
 * Invariants while open: the file's size equals `mapped`, and all of it is
 * allocated (posix_fallocate, before it is mapped: a store into a hole of a
 * full tmpfs would raise SIGBUS); bytes past the last reservation are
 * zero; `off` only grows, but for a checkpoint, which starts it again at
 * the end of the folded journal.
 *
 * Records are reserved inside the mapped part only (a compare-and-swap on
 * `off`); one that does not fit takes the grow mutex, which grows the file
 * or checkpoints it (checkpoint.h), and reserves again. A record that gets
 * no room (growth failed, or the cap) is dropped: counted in `lost`, in
 * the writer and in the file's header (with the first drop's reason), and
 * `off` still moves past it, so the journal is frozen: every later record
 * is dropped too, none lies behind the missing one.
 *
 * Each writer is counted in `active` from its reservation to its commit; a
 * checkpoint sets `busy`, then waits for `active` to reach 0 (the Dekker
 * pattern, both sides sequentially consistent), so it never folds a
 * record being written nor moves the mapping under a writer.
 *
 * A record is a hole until its size is written: a process dying in that
 * window (a few instructions) hides the records committed after it.
 * close and abandon must not run while another thread is in begin.
 *
 * The tracer calls open in a fork child, where only async-signal-safe
 * functions are allowed: no stdio (the path is built by hand), no malloc.
 */
#define _GNU_SOURCE
#include "writer.h"
#include "checkpoint.h"
#include "jfile.h"
#include "wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the first record starts: the header, rounded to a record boundary. */
#define SHMC_JFIRST ((sizeof(struct shmc_jheader) + 7u) & ~(size_t)7u)

/* commit is published with a C11 atomic store through a cast of the plain
 * field; that is sound only where the atomic type has the plain type's
 * layout, and it works across processes only if it is lock-free. */
_Static_assert(sizeof(_Atomic uint16_t) == sizeof(uint16_t), "layout");
_Static_assert(_Alignof(_Atomic uint16_t) == _Alignof(uint16_t), "align");
_Static_assert(ATOMIC_SHORT_LOCK_FREE == 2, "commit must be lock-free");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && ATOMIC_LLONG_LOCK_FREE == 2,
               "the header's lost is added to in place, across processes");
_Static_assert(SHMC_JREGION % SHMC_JCHUNK == 0, "region is whole chunks");
_Static_assert(SHMC_JMAX_RECORD < SHMC_JCHUNK, "a record fits a chunk");

/* Creates this process's file in the checked directory, else (this
 * process may have dropped the credentials the log directory asks for)
 * through the broker when there is one. Returns the fd and sets *image
 * and the path, or -1 with errno and an empty path. */
static int create_file(struct shmc_jwriter *w, const char *dir, int pid,
                       uint32_t *image, int *brokered)
{
    char name[PATH_MAX];
    int fd = -1, dfd = shmc_jfile_path(w->path, dir, pid, 0) == 0
                           ? shmc_jdir_open(dir, &w->pin)
                           : -1;

    *brokered = 0;
    if (dfd >= 0) {
        fd = shmc_jfile_create(name, dfd, NULL, pid, image);
        int err = errno;
        close(dfd);
        errno = err;
    }
    if (fd < 0 && w->broker != NULL && (errno == EACCES || errno == EPERM)) {
        int err = errno;
        fd = shmc_broker_open(w->broker, SHMC_BROKER_CREATE, pid, image);
        *brokered = fd >= 0;
        errno = fd >= 0 ? errno : err; /* the first cause */
    }
    if (fd < 0) {
        w->path[0] = '\0';
        return -1;
    }
    shmc_jfile_path(w->path, dir, pid, *image); /* fits: checked above */
    w->name_at = (size_t)(strrchr(w->path, '/') - w->path) + 1;
    return fd;
}

/* Undoes a partial open: closes fd and removes the file (if fd >= 0),
 * releases the reserved range. Keeps errno; returns -1. */
static int fail_open(struct shmc_jwriter *w, void *base, int fd)
{
    int saved = errno;

    if (fd >= 0) {
        close(fd);
        int dfd = shmc_jw_open_dir(w);
        if (dfd >= 0) {
            unlinkat(dfd, w->path + w->name_at, 0);
            close(dfd);
        }
    }
    munmap(base, SHMC_JREGION);
    w->path[0] = '\0';
    errno = saved;
    return -1;
}

static void write_header(unsigned char *base, int pid, int ppid, uint32_t image,
                         uint32_t flags, uint64_t start_ns,
                         uint64_t start_real_ns)
{
    struct shmc_jheader h;

    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHMC_JMAGIC, sizeof h.magic);
    h.version = SHMC_JVERSION;
    h.header_size = (uint32_t)sizeof h;
    h.pid = pid;
    h.ppid = ppid;
    h.image = image;
    h.flags = flags;
    h.start_ns = start_ns;
    h.start_real_ns = start_real_ns;
    memcpy(base, &h, sizeof h);
}

/* w is taken as uninitialised: an open writer passed here leaks its
 * region. The mutex is (re)initialised here and never destroyed: close
 * leaves it usable, so a closed writer can be opened again. */
int shmc_jwriter_open(struct shmc_jwriter *w, const char *dir, int pid,
                      int ppid, uint32_t flags, uint64_t start_ns,
                      uint64_t start_real_ns)
{
    return shmc_jwriter_open_via(w, NULL, dir, NULL, pid, ppid, flags, start_ns,
                                 start_real_ns);
}

int shmc_jwriter_open_via(struct shmc_jwriter *w, const struct shmc_broker *b,
                          const char *dir, const struct shmc_jdir_pin *pin,
                          int pid, int ppid, uint32_t flags, uint64_t start_ns,
                          uint64_t start_real_ns)
{
    uint32_t image = 0;
    int brokered;

    w->base = NULL;
    w->broker = b;
    w->pid = pid;
    w->path[0] = '\0';
    w->pin = pin != NULL ? *pin : (struct shmc_jdir_pin){0, 0};
    atomic_init(&w->off, 0);
    atomic_init(&w->mapped, 0);
    atomic_init(&w->lost, 0);
    atomic_init(&w->active, 0);
    atomic_init(&w->busy, 0);
    w->cap = shmc_jspace_cap();
    w->ckpt_at = shmc_jspace_checkpoint();
    w->ckpt_kill = shmc_jspace_kill_step();
    pthread_mutex_init(&w->grow, NULL);
    if (dir == NULL || dir[0] == '\0' || pid <= 0) {
        errno = EINVAL;
        return -1;
    }
    void *base = mmap(NULL, SHMC_JREGION, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return -1;
    int fd = create_file(w, dir, pid, &image, &brokered);
    if (fd < 0)
        return fail_open(w, base, -1);
    /* fchmod: a umask like 0277 would leave a file that growth, which
     * reopens it O_RDWR, could not open. (The broker made its files 0600;
     * they are not this process's to chmod.) */
    size_t size =
        shmc_jw_note_file(w, fd) == 0 && (brokered || fchmod(fd, 0600) == 0)
            ? shmc_jspace_first(fd, w->cap)
            : 0;
    if (size == 0 || mmap(base, size, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
        return fail_open(w, base, fd);
    close(fd);
    write_header(base, pid, ppid, image, flags, start_ns, start_real_ns);
    w->image = image;
    atomic_store(&w->off, SHMC_JFIRST);
    atomic_store(&w->mapped, size);
    w->base = base;
    return 0;
}

/* Extends the file from `have` to cover `end` (shmc_jspace_next) and maps
 * the new part at base + have. Called with the grow mutex held. */
static int extend(struct shmc_jwriter *w, size_t have, size_t end)
{
    size_t next = shmc_jspace_next(have, end);
    size_t want = next < w->cap ? next : w->cap; /* end <= cap: begin */
    int fd = shmc_jw_reopen(w, have);
    int ok;

    if (fd < 0)
        return SHMC_JLOST_FILE;
    ok = shmc_jspace_grow(fd, have, want) == 0;
    int reason = errno == EFBIG                       ? SHMC_JLOST_FSIZE
                 : errno == ENOSPC || errno == EDQUOT ? SHMC_JLOST_NOSPACE
                                                      : SHMC_JLOST_OTHER;
    if (ok && mmap(w->base + have, want - have, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, (off_t)have) == MAP_FAILED) {
        ok = 0;
        reason = SHMC_JLOST_OTHER;
        /* A failed MAP_FIXED may have unmapped the range: reserve it again
         * so nothing else lands where close will munmap. */
        mmap(w->base + have, want - have, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
        if (ftruncate(fd, (off_t)have) != 0) {
            /* Then reopen refuses the file and close leaves a zero tail. */
        }
    }
    int err = errno;
    close(fd);
    errno = err;
    if (!ok)
        return reason;
    atomic_store_explicit(&w->mapped, want, memory_order_release);
    return 0;
}

/* Counts a dropped record in the writer and in the file's header (mapped
 * and allocated while open); the first drop also writes why. */
static void drop(struct shmc_jwriter *w, int reason, int err)
{
    struct shmc_jheader *h = (struct shmc_jheader *)(void *)w->base;

    if (atomic_fetch_add_explicit(&w->lost, 1, memory_order_relaxed) == 0) {
        h->lost_reason = (uint32_t)reason;
        h->lost_errno = err;
    }
    atomic_fetch_add_explicit((_Atomic uint64_t *)(void *)&h->lost, 1,
                              memory_order_release);
}

/* Makes room for a record ending at end, by a checkpoint (the file would
 * grow past ckpt_at) or by growing: 0, or the SHMC_JLOST_* reason it
 * could not be had. Called with the grow mutex held. A checkpoint that
 * fails (no space for the new file, the name replaced, no broker to make
 * it for a process that dropped root) turns them off: the file grows as
 * before. */
static int make_room(struct shmc_jwriter *w, size_t end)
{
    size_t have = atomic_load_explicit(&w->mapped, memory_order_relaxed);

    if (w->ckpt_at != 0 && shmc_jspace_next(have, end) > w->ckpt_at) {
        if (shmc_jckpt_run(w) == 0)
            return 0;
        w->ckpt_at = 0;
        have = atomic_load_explicit(&w->mapped, memory_order_relaxed);
    }
    return extend(w, have, end);
}

/* Reserves size bytes inside the mapped part: 1 with *at, or 0 when they
 * do not fit. The caller is counted in `active`, so no checkpoint can
 * replace the mapping meanwhile. */
static int take(struct shmc_jwriter *w, uint32_t size, size_t *at)
{
    size_t cur = atomic_load_explicit(&w->off, memory_order_relaxed);

    do {
        if (cur + size > atomic_load_explicit(&w->mapped, memory_order_acquire))
            return 0;
    } while (!atomic_compare_exchange_weak_explicit(
        &w->off, &cur, cur + size, memory_order_relaxed, memory_order_relaxed));
    *at = cur;
    return 1;
}

/* The reservation's header: size first (from here on a reader can step
 * over it, and commit, still 0, tells it to skip it), the rest zero. */
static struct shmc_jrec *fill(struct shmc_jwriter *w, size_t at, uint32_t size,
                              uint16_t type)
{
    struct shmc_jrec *r = (struct shmc_jrec *)(void *)(w->base + at);

    r->size = size;
    memset((unsigned char *)r + sizeof r->size, 0,
           SHMC_JREC_HEADER - sizeof r->size);
    r->type = type;
    return r;
}

/* The slow way, under the grow mutex: the record did not fit, the journal
 * is frozen, or a checkpoint runs. Makes room (growth or a checkpoint)
 * and reserves again; a record that gets none is counted lost and still
 * moves the end on, so that every later one is dropped too. Keeps errno:
 * the tracer records between a call and its return. */
static struct shmc_jrec *reserve_slow(struct shmc_jwriter *w, uint32_t size,
                                      uint16_t type)
{
    int saved = errno, ok = 0;
    size_t at = 0;

    pthread_mutex_lock(&w->grow);
    for (;;) {
        /* lost != 0: frozen since a hole was left (see the top). */
        if (atomic_load_explicit(&w->lost, memory_order_relaxed) != 0) {
            drop(w, SHMC_JLOST_OTHER, 0); /* not written: lost != 0 */
            break;
        }
        atomic_fetch_add(&w->active, 1);
        if ((ok = take(w, size, &at)) != 0)
            break;
        atomic_fetch_sub(&w->active, 1);
        size_t end = atomic_load(&w->off) + size;
        int reason = end > w->cap ? SHMC_JLOST_CAP : make_room(w, end);
        if (reason != 0) {
            drop(w, reason, reason == SHMC_JLOST_CAP ? 0 : errno);
            break;
        }
    }
    if (!ok)
        atomic_fetch_add(&w->off, size);
    pthread_mutex_unlock(&w->grow);
    errno = saved;
    return ok ? fill(w, at, size, type) : NULL;
}

struct shmc_jrec *shmc_jwriter_begin(struct shmc_jwriter *w, uint32_t size,
                                     uint16_t type)
{
    size_t at;

    /* Records are 8-aligned and walked by size (format.h); a bad type
     * would make a reader stop there, so it is refused like a bad size. */
    if (w->base == NULL || size % 8 != 0 || size < SHMC_JREC_HEADER ||
        size > SHMC_JMAX_RECORD || type == 0 || type >= SHMC_J_TYPE_MAX)
        return NULL;
    /* Counted in active before busy is read, and a checkpoint sets busy
     * before it reads active (both sequentially consistent): either this
     * thread sees the checkpoint and waits for it, or the checkpoint waits
     * for this record's commit. */
    atomic_fetch_add(&w->active, 1);
    if (!atomic_load(&w->busy) &&
        atomic_load_explicit(&w->lost, memory_order_relaxed) == 0 &&
        take(w, size, &at))
        return fill(w, at, size, type);
    atomic_fetch_sub(&w->active, 1);
    return reserve_slow(w, size, type);
}

void shmc_jwriter_commit(struct shmc_jwriter *w, struct shmc_jrec *r)
{
    /* Release: everything written into the record is in the file before a
     * reader (or a checkpoint, which waits for active to drop to 0) can
     * see it complete. */
    atomic_store_explicit((_Atomic uint16_t *)(void *)&r->commit,
                          (uint16_t)SHMC_JCOMMIT, memory_order_release);
    atomic_fetch_sub_explicit(&w->active, 1, memory_order_release);
}

void shmc_jwriter_close(struct shmc_jwriter *w)
{
    if (w->base == NULL)
        return;
    int saved = errno;
    size_t mapped = atomic_load(&w->mapped);
    size_t end = atomic_load(&w->off);
    if (end > mapped) /* dropped reservations past the mapped part */
        end = mapped;
    munmap(w->base, SHMC_JREGION);
    w->base = NULL;
    int fd = shmc_jw_reopen(w, mapped);
    if (fd >= 0) {
        if (ftruncate(fd, (off_t)end) != 0) {
            /* The zero tail still reads as the end. */
        }
        close(fd);
    }
    errno = saved;
}

void shmc_jwriter_abandon(struct shmc_jwriter *w)
{
    int saved = errno;

    if (w->base != NULL)
        munmap(w->base, SHMC_JREGION);
    w->base = NULL;
    /* A parent thread may have held it at fork; it does not exist here. */
    pthread_mutex_init(&w->grow, NULL);
    atomic_store(&w->active, 0);
    atomic_store(&w->busy, 0);
    errno = saved;
}
