/*
 * writer.c - one process's journal: a file mapped MAP_SHARED into a fixed
 * reserved range, filled by lock-free reservations (contract: writer.h,
 * format: format.h).
 *
 * Invariants while open: the file's size equals `mapped`, and all of it is
 * allocated (posix_fallocate, before it is mapped: a store into a hole of a
 * full tmpfs would raise SIGBUS); bytes past the last reservation are
 * zero; `off` only grows.
 *
 * A reservation that gets no room (growth failed, or the region is full)
 * stays a zero hole, which a reader takes for the end of the journal. So
 * once one is dropped the journal is frozen at `mapped`: a later growth
 * would put records behind the hole where no reader would find them. Every
 * reservation after a dropped one lies beyond `mapped` (off only grows), so
 * it is dropped too and counted in `lost`, in the writer and in the file's
 * header (with the first drop's reason); the records before the hole stay
 * readable. (At the cap this may also drop a reservation just below the
 * one past it that growth could still have mapped.)
 *
 * A record is a hole too until its size is written: a process dying in
 * that window (a few instructions) hides the records committed after it.
 * close and abandon must not run while another thread is in begin.
 *
 * The tracer calls open in a fork child, where only async-signal-safe
 * functions are allowed: no stdio (the path is built by hand), no malloc.
 */
#define _GNU_SOURCE
#include "writer.h"
#include "jfile.h"

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

/* Records which file fd is, for reopen; 0, or -1 with errno. */
static int note_file(struct shmc_jwriter *w, int fd)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return -1;
    w->file_dev = st.st_dev;
    w->file_ino = st.st_ino;
    w->file_uid = st.st_uid;
    return 0;
}

static int open_dir(const struct shmc_jwriter *w);

/* Undoes a partial open: closes fd and removes the file (if fd >= 0),
 * releases the reserved range. Keeps errno; returns -1. */
static int fail_open(struct shmc_jwriter *w, void *base, int fd)
{
    int saved = errno;

    if (fd >= 0) {
        close(fd);
        int dfd = open_dir(w);
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
    w->cap = shmc_jspace_cap();
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
    size_t size = note_file(w, fd) == 0 && (brokered || fchmod(fd, 0600) == 0)
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

/* The checked directory's fd (w->path up to its name), or -1. */
static int open_dir(const struct shmc_jwriter *w)
{
    char dir[PATH_MAX];

    memcpy(dir, w->path, w->name_at - 1);
    dir[w->name_at - 1] = '\0';
    return shmc_jdir_open(dir, &w->pin);
}

/* Opens the journal again in the checked directory (else, as
 * create_file, through the broker). */
static int open_again(const struct shmc_jwriter *w)
{
    uint32_t image = w->image;
    int fd = -1, dfd = open_dir(w);

    if (dfd >= 0) {
        fd = openat(dfd, w->path + w->name_at, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(dfd);
        errno = err;
    }
    if (fd < 0 && w->broker != NULL && (errno == EACCES || errno == EPERM))
        fd = shmc_broker_open(w->broker, SHMC_BROKER_REOPEN, w->pid, &image);
    return fd;
}

/* Reopens the journal, checking it is the very file made (device, inode,
 * owner: the name may have been replaced) and still a regular file of
 * `size` bytes. Returns the fd, or -1 (ESTALE: another file). */
static int reopen(const struct shmc_jwriter *w, size_t size)
{
    struct stat st;
    /* LCOV_EXCL_BR_START: an open writer always has its path (only
     * fail_open clears it, and leaves no region to grow or close) */
    int fd = w->path[0] != '\0' ? open_again(w) : -1;
    /* LCOV_EXCL_BR_STOP */

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_dev != w->file_dev || st.st_ino != w->file_ino ||
        st.st_uid != w->file_uid || (size_t)st.st_size != size) {
        close(fd);
        errno = ESTALE; /* not the file we wrote */
        return -1;
    }
    return fd;
}

/* Extends the file from `have` to cover `end` (shmc_jspace_next) and maps
 * the new part at base + have. Called with the grow mutex held. */
static int extend(struct shmc_jwriter *w, size_t have, size_t end)
{
    size_t next = shmc_jspace_next(have, end);
    size_t want = next < w->cap ? next : w->cap; /* end <= cap: begin */
    int fd = reopen(w, have);
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

/* Makes [.., end) mapped; 0, or -1 after counting a lost record. Keeps
 * errno: the tracer records between a call and its return. */
static int grow(struct shmc_jwriter *w, size_t end)
{
    int saved = errno;
    int ok = 1;

    pthread_mutex_lock(&w->grow);
    size_t have = atomic_load_explicit(&w->mapped, memory_order_relaxed);
    if (end > have) {
        /* lost != 0: frozen since a hole was left (see the top). */
        int reason = atomic_load_explicit(&w->lost, memory_order_relaxed)
                         ? SHMC_JLOST_OTHER /* not written: lost != 0 */
                         : extend(w, have, end);
        if (!(ok = reason == 0))
            drop(w, reason, errno);
    }
    pthread_mutex_unlock(&w->grow);
    errno = saved;
    return ok ? 0 : -1;
}

struct shmc_jrec *shmc_jwriter_begin(struct shmc_jwriter *w, uint32_t size,
                                     uint16_t type)
{
    /* Records are 8-aligned and walked by size (format.h); a bad type
     * would make a reader stop there, so it is refused like a bad size. */
    if (w->base == NULL || size % 8 != 0 || size < SHMC_JREC_HEADER ||
        size > SHMC_JMAX_RECORD || type == 0 || type >= SHMC_J_TYPE_MAX)
        return NULL;
    size_t at = atomic_fetch_add_explicit(&w->off, size, memory_order_relaxed);
    size_t end = at + size;
    if (end > atomic_load_explicit(&w->mapped, memory_order_acquire)) {
        if (end > w->cap) {
            drop(w, SHMC_JLOST_CAP, 0);
            return NULL;
        }
        if (grow(w, end) != 0)
            return NULL;
    }
    struct shmc_jrec *r = (struct shmc_jrec *)(void *)(w->base + at);
    /* size first: from here on a reader can step over this record, and
     * commit (still 0) tells it to skip it. */
    r->size = size;
    memset((unsigned char *)r + sizeof r->size, 0,
           SHMC_JREC_HEADER - sizeof r->size);
    r->type = type;
    return r;
}

void shmc_jwriter_commit(struct shmc_jrec *r)
{
    /* Release: everything written into the record is in the file before a
     * reader can see it complete. */
    atomic_store_explicit((_Atomic uint16_t *)(void *)&r->commit,
                          (uint16_t)SHMC_JCOMMIT, memory_order_release);
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
    int fd = reopen(w, mapped);
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
    errno = saved;
}
