/*
 * interpose.c - the System V shared memory calls, ftok, dlopen and the
 * calls that unmap (munmap, mremap, mmap with MAP_FIXED) or remap
 * (remap_file_pages), as the program calls them. One shape for all, so that the
 * program sees exactly the result and errno it would see without the tracer:
 * guard, call the real function, save errno, record, restore errno, return its
 * result. Calls before the start, from inside the tracer or after the final
 * report pass straight through (shmc__enter).
 *
 * munmap, mremap and mmap with MAP_FIXED can take an attachment's pages
 * away without shmdt. A call whose range misses the hull of the
 * attachments (two loads; always, before the first shmat) goes straight
 * to libc, guard and all, as does an mmap without MAP_FIXED, which
 * replaces nothing; after a successful other one record.c looks at the
 * table. remap_file_pages leaves the segment attached but can move its
 * first page, which is how shmdt finds it: recorded the same way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "modules.h"
#include "record.h"
#include "stack.h"
#include "start.h"
#include "state.h"

/* Times the call and captures the stack from this interposer's frame. */
#define BEGIN_CALL(c)                                                     \
    do {                                                                  \
        (c).time_ns = shmc__now_ns();                                     \
        shmc__capture(&(c), SHMC_FRAME_ADDRESS(), SHMC_RETURN_ADDRESS()); \
    } while (0)

SHMC_EXPORT SHMC_NOINLINE int shmget(key_t key, size_t size, int shmflg)
{
    struct shmc_call c;
    int r, saved;

    if (!shmc__enter_sysv())
        return SHMC_REAL.shmget(key, size, shmflg);
    BEGIN_CALL(c);
    r = SHMC_REAL.shmget(key, size, shmflg);
    saved = errno;
    shmc__on_shmget(&c, saved, key, size, shmflg, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE void *shmat(int shmid, const void *addr, int shmflg)
{
    struct shmc_call c;
    void *p;
    int saved;

    if (!shmc__enter_sysv())
        return SHMC_REAL.shmat(shmid, addr, shmflg);
    BEGIN_CALL(c);
    p = SHMC_REAL.shmat(shmid, addr, shmflg);
    saved = errno;
    shmc__on_shmat(&c, saved, shmid, addr, shmflg, p);
    shmc__leave();
    errno = saved;
    return p;
}

/* A destroying call: what it needs about the attachment is read before
 * the real shmdt, and the whole stack is taken only when it fails. */
SHMC_EXPORT SHMC_NOINLINE int shmdt(const void *addr)
{
    struct shmc_call c;
    struct shmc_dt d;
    int r, saved;

    if (!shmc__enter_sysv())
        return SHMC_REAL.shmdt(addr);
    shmc__before_shmdt(addr, &d);
    c.time_ns = shmc__now_ns();
    shmc__capture_site(&c, SHMC_RETURN_ADDRESS());
    r = SHMC_REAL.shmdt(addr);
    saved = errno;
    if (r < 0)
        shmc__capture(&c, SHMC_FRAME_ADDRESS(), SHMC_RETURN_ADDRESS());
    shmc__on_shmdt(&c, saved, addr, &d, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    struct shmc_call c;
    int r, saved;

    if (!shmc__enter_sysv())
        return SHMC_REAL.shmctl(shmid, cmd, buf);
    BEGIN_CALL(c);
    r = SHMC_REAL.shmctl(shmid, cmd, buf);
    saved = errno;
    shmc__on_shmctl(&c, saved, shmid, cmd, buf, r);
    shmc__leave();
    errno = saved;
    return r;
}

SHMC_EXPORT SHMC_NOINLINE key_t ftok(const char *path, int proj_id)
{
    struct shmc_call c;
    key_t r;
    int saved;

    if (!shmc__enter_sysv())
        return SHMC_REAL.ftok(path, proj_id);
    BEGIN_CALL(c);
    r = SHMC_REAL.ftok(path, proj_id);
    saved = errno;
    shmc__on_ftok(&c, saved, path, proj_id, r);
    shmc__leave();
    errno = saved;
    return r;
}

/* New code may call the shm functions: journal its module for the CLI.
 * The real dlopen runs outside the guard: the constructors it runs are
 * the program's code, traced like the rest. */
SHMC_EXPORT void *dlopen(const char *file, int mode)
{
    void *h;
    int saved;

    shmc__resolve();
    h = SHMC_REAL.dlopen(file, mode);
    saved = errno;
    if (h != NULL && shmc__enter()) {
        shmc__modules_scan();
        shmc__leave();
    }
    errno = saved;
    return h;
}

/* Under TSan (the tests' build) the sanitizer's own start-up maps memory
 * through these symbols before its runtime can run instrumented code:
 * the mmap family's path to the real function is left uninstrumented. */
#if defined(__SANITIZE_THREAD__)
#define NO_TSAN __attribute__((no_sanitize("thread")))
#else
#define NO_TSAN
#endif

/* The real mmap family, found on first use. dlsym may allocate, and an
 * allocator may call mmap: a call made meanwhile goes to the kernel. */
static void *_Atomic real_map[4];
static __thread int resolving;
enum { R_MMAP, R_MUNMAP, R_MREMAP, R_REMAP_FILE_PAGES };

NO_TSAN static void *real_of(int which)
{
    static const char *const name[4] = {"mmap", "munmap", "mremap",
                                        "remap_file_pages"};
    void *f = atomic_load_explicit(&real_map[which], memory_order_acquire);

    /* resolving: a call made inside dlsym (an allocator that maps through
     * this symbol; glibc's dlsym maps internally): never in the tests */
    if (f == NULL && !resolving) { /* LCOV_EXCL_BR_LINE: see above */
        resolving = 1;
        f = dlsym(RTLD_NEXT, name[which]);
        resolving = 0;
        atomic_store_explicit(&real_map[which], f, memory_order_release);
    }
    return f;
}

NO_TSAN static void *real_mmap(void *addr, size_t len, int prot, int flags,
                               int fd, off_t off)
{
    void *(*f)(void *, size_t, int, int, int, off_t);

    *(void **)&f = real_of(R_MMAP);
    /* LCOV_EXCL_START: only while resolving (real_of) */
    if (f == NULL)
        return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    /* LCOV_EXCL_STOP */
    return f(addr, len, prot, flags, fd, off);
}

NO_TSAN static int real_munmap(void *addr, size_t len)
{
    int (*f)(void *, size_t);

    *(void **)&f = real_of(R_MUNMAP);
    /* LCOV_EXCL_START: only while resolving (real_of) */
    if (f == NULL)
        return (int)syscall(SYS_munmap, addr, len);
    /* LCOV_EXCL_STOP */
    return f(addr, len);
}

NO_TSAN static void *real_mremap(void *old, size_t old_len, size_t len,
                                 int flags, void *to)
{
    void *(*f)(void *, size_t, size_t, int, ...);

    *(void **)&f = real_of(R_MREMAP);
    /* LCOV_EXCL_START: only while resolving (real_of) */
    if (f == NULL)
        return (void *)syscall(SYS_mremap, old, old_len, len, flags, to);
    /* LCOV_EXCL_STOP */
    return f(old, old_len, len, flags, to);
}

NO_TSAN static int real_remap_file_pages(void *addr, size_t size, int prot,
                                         size_t pgoff, int flags)
{
    int (*f)(void *, size_t, int, size_t, int);

    *(void **)&f = real_of(R_REMAP_FILE_PAGES);
    /* LCOV_EXCL_START: only while resolving (real_of) */
    if (f == NULL)
        return (int)syscall(SYS_remap_file_pages, addr, size, prot, pgoff,
                            flags);
    /* LCOV_EXCL_STOP */
    return f(addr, size, prot, pgoff, flags);
}

/* A successful call took [addr, addr + len) away and touches the hull:
 * the stack from the interposer's frame, then the table. */
#define UNMAPPED(how, addr, len, to)                                           \
    do {                                                                       \
        struct shmc_call c_;                                                   \
        BEGIN_CALL(c_);                                                        \
        shmc__on_unmap(&c_, (how), (uintptr_t)(addr), (len), (uintptr_t)(to)); \
    } while (0)

NO_TSAN SHMC_EXPORT SHMC_NOINLINE int munmap(void *addr, size_t len)
{
    int r, saved;

    if (!shmc__maps_touch(addr, len) || !shmc__enter())
        return real_munmap(addr, len);
    r = real_munmap(addr, len);
    saved = errno;
    if (r == 0)
        UNMAPPED(SHMC_JUNMAP_MUNMAP, addr, len, 0);
    shmc__leave();
    errno = saved;
    return r;
}

/* Only MAP_FIXED replaces what was there (MAP_FIXED_NOREPLACE fails). */
NO_TSAN static inline int replaces(int flags)
{
    return (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
}

NO_TSAN SHMC_EXPORT SHMC_NOINLINE void *mmap(void *addr, size_t len, int prot,
                                             int flags, int fd, off_t off)
{
    void *p;
    int saved;

    if (!replaces(flags) || !shmc__maps_touch(addr, len) || !shmc__enter())
        return real_mmap(addr, len, prot, flags, fd, off);
    p = real_mmap(addr, len, prot, flags, fd, off);
    saved = errno;
    if (p != MAP_FAILED)
        UNMAPPED(SHMC_JUNMAP_MMAP_FIXED, p, len, 0);
    shmc__leave();
    errno = saved;
    return p;
}

/* The same function under its large-file name (off_t is 64 bits here, as
 * in libc, where mmap64 is an alias of mmap too): one body, two symbols. */
SHMC_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
                         off_t off) SHMC_ALIAS(mmap);

/* What a successful mremap took away: with MREMAP_FIXED, what was at the
 * new place; when it moved, the old range (unless it was a copy: length
 * 0, or MREMAP_DONTUNMAP); in place, the tail it shrank off. */
static void remapped(struct shmc_call *c, char *old, size_t old_len, size_t len,
                     int flags, char *p)
{
    size_t page = (size_t)getpagesize();
    size_t keep = (len + page - 1) & ~(page - 1);

    if (flags & MREMAP_FIXED)
        shmc__on_unmap(c, SHMC_JUNMAP_MREMAP, (uintptr_t)p, len, 0);
    if (p != old && old_len != 0 && !(flags & MREMAP_DONTUNMAP))
        shmc__on_unmap(c, SHMC_JUNMAP_MREMAP, (uintptr_t)old, old_len,
                       (uintptr_t)p);
    else if (p == old && keep < old_len)
        shmc__on_unmap(c, SHMC_JUNMAP_MREMAP, (uintptr_t)old + keep,
                       old_len - keep, 0);
}

NO_TSAN SHMC_EXPORT SHMC_NOINLINE void *mremap(void *old, size_t old_len,
                                               size_t len, int flags, ...)
{
    struct shmc_call c;
    void *p, *to = NULL;
    int saved;
    va_list ap;

    /* The new address, when the flags say there is one. */
    if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
        va_start(ap, flags);
        to = va_arg(ap, void *);
        va_end(ap);
    }
    if (!(shmc__maps_touch(old, old_len) ||
          ((flags & MREMAP_FIXED) && shmc__maps_touch(to, len))) ||
        !shmc__enter())
        return real_mremap(old, old_len, len, flags, to);
    p = real_mremap(old, old_len, len, flags, to);
    saved = errno;
    if (p != MAP_FAILED) {
        BEGIN_CALL(c);
        remapped(&c, old, old_len, len, flags, p);
    }
    shmc__leave();
    errno = saved;
    return p;
}

/* remap_file_pages maps other pages of the same file over [addr, addr +
 * size): over an attachment, pages of the segment where others were. It
 * stays attached, but once its first page is replaced shmdt no longer
 * finds it there: the report says so rather than "not attached". */
NO_TSAN SHMC_EXPORT SHMC_NOINLINE int
remap_file_pages(void *addr, size_t size, int prot, size_t pgoff, int flags)
{
    int r, saved;

    if (!shmc__maps_touch(addr, size) || !shmc__enter())
        return real_remap_file_pages(addr, size, prot, pgoff, flags);
    r = real_remap_file_pages(addr, size, prot, pgoff, flags);
    saved = errno;
    if (r == 0)
        UNMAPPED(SHMC_JUNMAP_REMAP_FILE_PAGES, addr, size, 0);
    shmc__leave();
    errno = saved;
    return r;
}
