/*
 * writer.c - one process's journal: a file mapped MAP_SHARED into a fixed
 * reserved range, filled by lock-free reservations (contract: writer.h,
 * format: format.h).
 *
 * Invariants while open: the file's size equals `mapped`; bytes past the
 * last reservation are zero (they come from ftruncate); `off` only grows.
 *
 * A reservation that gets no room (growth failed, or the region is full)
 * stays a zero hole, which a reader takes for the end of the journal. So
 * once one is dropped the journal is frozen at `mapped`: a later growth
 * would put records behind the hole where no reader would find them. Every
 * reservation after a dropped one lies beyond `mapped` (off only grows), so
 * it is dropped too and counted in `lost`; the records before the hole stay
 * readable. (When the region is full this may also drop a reservation just
 * below the full one that growth could still have mapped; near 1 GiB.)
 *
 * A record is a hole too while its size is not yet written: if the process
 * dies between the reservation and that store, records other threads
 * committed after it are in the file but behind a zero size. The window is
 * a few instructions, outside growth.
 *
 * close and abandon must not run while another thread is in begin.
 *
 * The tracer calls open in a fork child, where only async-signal-safe
 * functions are allowed: no stdio (the path is built by hand), no malloc.
 */
#define _GNU_SOURCE
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Images of one pid (exec count) before open gives up with EEXIST. */
#define SHMC_JMAX_IMAGES 1000u
/* Where the first record starts: the header, rounded to a record boundary. */
#define SHMC_JFIRST ((sizeof(struct shmc_jheader) + 7u) & ~(size_t)7u)

/* commit is published with a C11 atomic store through a cast of the plain
 * field; that is sound only where the atomic type has the plain type's
 * layout, and it works across processes only if it is lock-free. */
_Static_assert(sizeof(_Atomic uint16_t) == sizeof(uint16_t), "layout");
_Static_assert(_Alignof(_Atomic uint16_t) == _Alignof(uint16_t), "align");
_Static_assert(ATOMIC_SHORT_LOCK_FREE == 2, "commit must be lock-free");
_Static_assert(SHMC_JREGION % SHMC_JCHUNK == 0, "region is whole chunks");
_Static_assert(SHMC_JMAX_RECORD < SHMC_JCHUNK, "a record fits a chunk");

/* Writes the decimal digits of v at p; returns the end. */
static char *put_decimal(char *p, unsigned long v)
{
    char digits[24];
    size_t n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* path = "<dir>/<pid>.<n>.shmj"; -1 with ENAMETOOLONG if it exceeds
 * PATH_MAX (10 digits each for pid and n, slash, dot, suffix, NUL). */
static int make_path(char *path, const char *dir, int pid, unsigned n)
{
    size_t len = strlen(dir);
    char *p = path + len;

    if (len > PATH_MAX - (2 * 10 + 2 + sizeof SHMC_JSUFFIX)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len);
    *p++ = '/';
    p = put_decimal(p, (unsigned long)pid);
    *p++ = '.';
    p = put_decimal(p, n);
    memcpy(p, SHMC_JSUFFIX, sizeof SHMC_JSUFFIX);
    return 0;
}

/* Creates the first free <pid>.<n>.shmj. O_EXCL never follows a symlink
 * (it fails with EEXIST), so a link planted at a name only skips that n.
 * Returns the fd and sets *image, or -1 with errno and an empty path. */
static int create_file(struct shmc_jwriter *w, const char *dir, int pid,
                       uint32_t *image)
{
    const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

    for (unsigned n = 0; n < SHMC_JMAX_IMAGES; n++) {
        if (make_path(w->path, dir, pid, n) != 0)
            break;
        int fd = open(w->path, flags, 0600);
        if (fd >= 0) {
            *image = n;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    w->path[0] = '\0';
    return -1;
}

/* ftruncate to a larger size, refusing (EFBIG) one past RLIMIT_FSIZE
 * before the kernel does: it would also raise SIGXFSZ, whose default
 * action kills the program we trace. */
static int grow_file(int fd, size_t size)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};

    (void)getrlimit(RLIMIT_FSIZE, &rl); /* fails only for a bad argument */
    if (size > rl.rlim_cur) {
        errno = EFBIG;
        return -1;
    }
    return ftruncate(fd, (off_t)size);
}

/* Undoes a partial open: closes fd (if >= 0), removes the file (if it was
 * created), releases the reserved range. Keeps errno; returns -1. */
static int fail_open(struct shmc_jwriter *w, void *base, int fd)
{
    int saved = errno;

    if (fd >= 0) {
        close(fd);
        unlink(w->path);
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
    uint32_t image = 0;

    w->base = NULL;
    w->path[0] = '\0';
    atomic_init(&w->off, 0);
    atomic_init(&w->mapped, 0);
    atomic_init(&w->lost, 0);
    pthread_mutex_init(&w->grow, NULL);
    if (dir == NULL || dir[0] == '\0' || pid <= 0) {
        errno = EINVAL;
        return -1;
    }
    void *base = mmap(NULL, SHMC_JREGION, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return -1;
    int fd = create_file(w, dir, pid, &image);
    if (fd < 0)
        return fail_open(w, base, -1);
    /* fchmod: a umask like 0277 would leave a file that growth, which
     * reopens it O_RDWR, could not open. */
    if (fchmod(fd, 0600) != 0 || grow_file(fd, SHMC_JCHUNK) != 0 ||
        mmap(base, SHMC_JCHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             fd, 0) == MAP_FAILED)
        return fail_open(w, base, fd);
    close(fd);
    write_header(base, pid, ppid, image, flags, start_ns, start_real_ns);
    atomic_store(&w->off, SHMC_JFIRST);
    atomic_store(&w->mapped, SHMC_JCHUNK);
    w->base = base;
    return 0;
}

/* Reopens the journal by path, checking it is still a regular file of
 * `size` bytes (ours, as far as we can tell: the path may have been
 * replaced). Returns the fd or -1. */
static int reopen(const struct shmc_jwriter *w, size_t size)
{
    struct stat st;
    int fd = open(w->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (size_t)st.st_size != size) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Extends the file from `have` to whole chunks covering `end` and maps the
 * new part at base + have. Called with the grow mutex held. */
static int extend(struct shmc_jwriter *w, size_t have, size_t end)
{
    size_t want = (end + SHMC_JCHUNK - 1) / SHMC_JCHUNK * SHMC_JCHUNK;
    int fd = reopen(w, have);
    int ok;

    if (fd < 0)
        return -1;
    ok = grow_file(fd, want) == 0;
    if (ok && mmap(w->base + have, want - have, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, (off_t)have) == MAP_FAILED) {
        ok = 0;
        /* A failed MAP_FIXED may have unmapped the range: reserve it again
         * so nothing else lands where close will munmap. */
        mmap(w->base + have, want - have, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
        if (ftruncate(fd, (off_t)have) != 0) {
            /* Then reopen refuses the file and close leaves a zero tail. */
        }
    }
    close(fd);
    if (!ok)
        return -1;
    atomic_store_explicit(&w->mapped, want, memory_order_release);
    return 0;
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
        ok = atomic_load_explicit(&w->lost, memory_order_relaxed) == 0 &&
             extend(w, have, end) == 0;
        if (!ok)
            atomic_fetch_add_explicit(&w->lost, 1, memory_order_relaxed);
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
        if (end > SHMC_JREGION) {
            atomic_fetch_add_explicit(&w->lost, 1, memory_order_relaxed);
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
