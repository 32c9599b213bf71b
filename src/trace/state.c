/*
 * state.c - the tracer's state and its primitives: the lock, the
 * recursion guard, the thread id, the clock, the real functions and a
 * write that cannot raise SIGPIPE.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "state.h"

/* The stamp until start maps its page, and for good where the kernel has
 * no MADV_WIPEONFORK (before Linux 4.14): never wiped. */
static int stamp_unwiped = 1;

/* All zeros (the mutex initializer is): the state is in .bss, so a
 * process that never needs it touches few of its pages; the stamp's
 * pointer, which needs a relocation, lives apart. */
struct shmc_trace shmc__trace = {.scan_lock = PTHREAD_MUTEX_INITIALIZER};
int *shmc__stamp = &stamp_unwiped;

__thread int shmc__in_tracer;
static __thread int cached_tid;

/* 0 unresolved, 1 resolving, 2 resolved (an atomic rather than
 * pthread_once: one libc page less for every image). */
static _Atomic int resolved;

static void *real(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void resolve_all(void)
{
    struct shmc_real *r = &shmc__trace.real;

    /* dlsym gives void *; POSIX guarantees it converts to a function. */
    *(void **)&r->shmget = real("shmget");
    *(void **)&r->shmat = real("shmat");
    *(void **)&r->shmdt = real("shmdt");
    *(void **)&r->shmctl = real("shmctl");
    *(void **)&r->ftok = real("ftok");
    *(void **)&r->fork = real("fork");
    *(void **)&r->execve = real("execve");
    *(void **)&r->execvpe = real("execvpe");
    *(void **)&r->fexecve = real("fexecve");
    *(void **)&r->_exit_ = real("_exit");
    *(void **)&r->dlopen = real("dlopen");
    *(void **)&r->posix_spawn = real("posix_spawn");
    *(void **)&r->posix_spawnp = real("posix_spawnp");
}

void shmc__resolve(void)
{
    int expected = 0;

    if (SHMC_LIKELY(atomic_load_explicit(&resolved, memory_order_acquire) == 2))
        return;
    /* LCOV_EXCL_BR_START: two threads resolving at once: a race */
    if (atomic_compare_exchange_strong(&resolved, &expected, 1)) {
        resolve_all();
        atomic_store_explicit(&resolved, 2, memory_order_release);
        return;
    }
    /* LCOV_EXCL_START: another thread is resolving (a few dlsym), which
     * only a race of two first calls shows */
    while (atomic_load_explicit(&resolved, memory_order_acquire) != 2)
        ;
    /* LCOV_EXCL_STOP */
    /* LCOV_EXCL_BR_STOP */
}

/* A spin lock: the sections it guards are a few hash-table operations
 * (well under a microsecond), where a mutex costs several times more than
 * the work; a waiter that spins too long yields its CPU. */
void shmc__lock(void)
{
    while (
        atomic_exchange_explicit(&shmc__trace.lock, 1, memory_order_acquire)) {
        for (unsigned spins = 0;
             atomic_load_explicit(&shmc__trace.lock, memory_order_relaxed);)
            if (++spins % 64 == 0)
                sched_yield();
    }
}

void shmc__unlock(void)
{
    atomic_store_explicit(&shmc__trace.lock, 0, memory_order_release);
}

int shmc__tid(void)
{
    if (SHMC_UNLIKELY(cached_tid == 0))
        cached_tid = gettid();
    return cached_tid;
}

uint64_t shmc__now_ns_cold(void)
{
    struct timespec ts;

    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t shmc__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int shmc__fits(off_t size, size_t len, size_t slack)
{
    struct rlimit rl;

    /* LCOV_EXCL_BR_START: getrlimit of RLIMIT_FSIZE cannot fail */
    return getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
           (uint64_t)size + len + slack <= (uint64_t)rl.rlim_cur;
    /* LCOV_EXCL_BR_STOP */
}

const char *shmc__exe(void)
{
    struct shmc_trace *t = &shmc__trace;

    if (t->exe[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", t->exe, sizeof t->exe - 1);
        t->exe[n > 0 ? n : 0] = '\0';
    }
    return t->exe;
}

void shmc__state_after_fork(void)
{
    atomic_store(&shmc__trace.lock, 0); /* another thread may have held it */
    pthread_mutex_init(&shmc__trace.scan_lock, NULL);
    cached_tid = 0;
    shmc__trace.pid = getpid();
}

void shmc__write_all(int fd, const char *buf, size_t len)
{
    static const struct timespec now = {0, 0};
    sigset_t pipe_set, old, pending;
    size_t done = 0;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    for (ssize_t n; done < len; done += (size_t)n) {
        n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            n = 0;
        else if (n <= 0)
            break;
    }
    /* Take back the SIGPIPE our write raised, not one already pending. */
    if (done < len && errno == EPIPE && !sigismember(&pending, SIGPIPE))
        sigtimedwait(&pipe_set, NULL, &now);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
