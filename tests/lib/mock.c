/*
 * mock.c - the --wrap mocks declared in mock.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mock.h"

int __real_shmget(key_t key, size_t size, int shmflg);
void *__real_shmat(int shmid, const void *addr, int shmflg);
int __real_shmdt(const void *addr);
int __real_shmctl(int shmid, int cmd, struct shmid_ds *buf);
key_t __real_ftok(const char *path, int proj_id);
int __real_faccessat(int dirfd, const char *path, int mode, int flags);
void *__real_malloc(size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);

static struct {
    enum mock_call which;
    int countdown; /* calls still allowed; -1: disarmed */
    int always;
    int err;
    int fired;
    enum mock_call fired_on;
    int calls[MOCK_ANY + 1];
} m = {.countdown = -1};

void mock_reset(void)
{
    int saved = errno;
    for (int i = 0; i <= MOCK_ANY; i++)
        m.calls[i] = 0;
    m.countdown = -1;
    m.always = 0;
    m.fired = 0;
    errno = saved;
}

void mock_fail_after(enum mock_call which, int successes, int err)
{
    m.which = which;
    m.countdown = successes;
    m.always = 0;
    m.err = err;
    m.fired = 0;
}

void mock_fail_always(enum mock_call which, int err)
{
    mock_fail_after(which, 0, err);
    m.always = 1;
}

int mock_fired(void)
{
    return m.fired;
}
enum mock_call mock_fired_on(void)
{
    return m.fired_on;
}
int mock_calls(enum mock_call which)
{
    return m.calls[which];
}

/* 1 when this call must fail (errno is then set). */
static int gate(enum mock_call call)
{
    m.calls[call]++;
    m.calls[MOCK_ANY]++;
    if (m.countdown < 0 || (m.which != MOCK_ANY && m.which != call))
        return 0;
    if (m.countdown > 0) {
        m.countdown--;
        return 0;
    }
    if (!m.always)
        m.countdown = -1;
    m.fired = 1;
    m.fired_on = call;
    errno = m.err;
    return 1;
}

int __wrap_shmget(key_t key, size_t size, int shmflg)
{
    return gate(MOCK_shmget) ? -1 : __real_shmget(key, size, shmflg);
}

void *__wrap_shmat(int shmid, const void *addr, int shmflg)
{
    return gate(MOCK_shmat) ? (void *)-1 : __real_shmat(shmid, addr, shmflg);
}

int __wrap_shmdt(const void *addr)
{
    return gate(MOCK_shmdt) ? -1 : __real_shmdt(addr);
}

int __wrap_shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    return gate(MOCK_shmctl) ? -1 : __real_shmctl(shmid, cmd, buf);
}

key_t __wrap_ftok(const char *path, int proj_id)
{
    return gate(MOCK_ftok) ? (key_t)-1 : __real_ftok(path, proj_id);
}

int __wrap_faccessat(int dirfd, const char *path, int mode, int flags)
{
    return gate(MOCK_faccessat) ? -1
                                : __real_faccessat(dirfd, path, mode, flags);
}

void *__wrap_malloc(size_t size)
{
    return gate(MOCK_malloc) ? NULL : __real_malloc(size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return gate(MOCK_realloc) ? NULL : __real_realloc(p, size);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    return gate(MOCK_mmap) ? MAP_FAILED
                           : __real_mmap(addr, len, prot, flags, fd, off);
}

/* The leak check looks at the kernel through syscall(SYS_shmctl, ...):
 * counted and failed as shmctl. It is the only caller (a test's own raw
 * system calls go to __real_syscall): three arguments, no more, are
 * read, as many as were passed. */
long __real_syscall(long n, ...);
long __wrap_syscall(long n, ...)
{
    va_list ap;
    long id, cmd, buf;

    va_start(ap, n);
    id = va_arg(ap, long);
    cmd = va_arg(ap, long);
    buf = va_arg(ap, long);
    va_end(ap);
    if (n == SYS_shmctl && gate(MOCK_shmctl))
        return -1;
    return __real_syscall(n, id, cmd, buf);
}

int mock_segments_in_use(void)
{
    struct shm_info info;
    int saved = errno;
    int r = __real_shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
    errno = saved;
    return r < 0 ? -1 : info.used_ids;
}
