/*
 * traced_report.c - traced_prog's subcommands for what the report says:
 * call sites, invalid detaches, IPC_SET and ftok, an attachment the
 * tracer never saw, a redirected stderr, a journal past a chunk; segments
 * other processes handle; and faults (no memory for the tracer's tables,
 * a signal handler during the report).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

static volatile int site_mark;

/* 35 call sites of shmat, each its own function (the stores keep any two
 * from being merged): 35 stacks. */
#define SITE(i)                                            \
    static __attribute__((noinline)) void *site##i(int id) \
    {                                                      \
        site_mark = i;                                     \
        void *p = shmat(id, NULL, 0);                      \
        __asm__ volatile("" ::: "memory");                 \
        return p;                                          \
    }
#define ADDR(i) site##i,
/* clang-format off */
#define SITES(X)                                                           \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)    \
    X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)      \
    X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33) X(34)
SITES(SITE)
static void *(*const sites_fn[])(int) = {SITES(ADDR)};
/* clang-format on */

/* Unmatched attaches from 35 call sites and 70 failed calls: the report
 * shows 30 of each kind of block and counts the rest. No errors. */
int cmd_sites(void)
{
    int id = make(4096);

    for (size_t i = 0; i < sizeof sites_fn / sizeof sites_fn[0]; i++)
        if (sites_fn[i](id) == (void *)-1)
            return 2;
    for (int i = 0; i < 70; i++)
        shmat(-1, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* Invalid detaches of each kind: inside an attachment (not page-aligned,
 * the validator says why), an aligned address never attached, twice. */
int cmd_detaches(void)
{
    static char page[4096] __attribute__((aligned(4096)));
    int id = make(8192);
    char *p = attach(id);
    int inside = shmdt(p + 1), never = shmdt(page), once = shmdt(p);

    printf("%d %d %d %d\n", inside, never, once, shmdt(p));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* IPC_SET with and without a buffer, ftok of no path and of a path too
 * long to journal whole: results and errno. */
int cmd_calls(void)
{
    static char longpath[4001];
    struct shmid_ds ds;
    int id = make(4096);

    memset(longpath, '/', sizeof longpath - 1);
    shmctl(id, IPC_STAT, &ds);
    ds.shm_perm.mode = 0640;
    errno = 0;
    show("IPC_SET", shmctl(id, IPC_SET, &ds));
    show("IPC_SET(NULL)", shmctl(id, IPC_SET, NULL));
    show("ftok(NULL)", ftok(NULL, 1));
    show("ftok(long)", ftok(longpath, 1) == ftok("/", 1));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* An attachment made with the system call itself, not through libc (the
 * tracer never saw it), detached through libc. */
int cmd_raw_attach(void)
{
    int id = make(4096);
    long p = syscall(SYS_shmat, id, 0L, 0L);

    printf("raw %d\n", shmdt((void *)p));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* A leak and an unmatched attach after the program put a file of its own
 * on fd 2: the report must not go into that file. */
int cmd_redirect(const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || dup2(fd, 2) != 2)
        return 2;
    attach(make(4096));
    return 0;
}

/* 20,000 attach-detach pairs (a journal of more than a chunk), then a
 * leak. */
int cmd_churn(void)
{
    int id = make(4096);

    for (int i = 0; i < 20000; i++)
        shmdt(attach(id));
    shmctl(id, IPC_RMID, NULL);
    make(4096);
    printf("churned\n");
    return 0;
}

/* ---- other processes: the segment is not this process's leak ---- */

/* One segment a child removes, one it marks for removal while this
 * process stays attached, one it keeps attached while this process
 * execs ("reap", which then releases the child and cleans up). */
int cmd_others(const char *self)
{
    int gone = make(4096), marked = make(4096), used = make(4096);
    int held[2], go[2];
    char arg[32], c;

    attach(marked);
    if (pipe(held) != 0 || pipe(go) != 0)
        return 2;
    pid_t pid = fork();
    if (pid == 0) {
        void *p = attach(used);
        shmctl(gone, IPC_RMID, NULL);
        shmctl(marked, IPC_RMID, NULL);
        if (write(held[1], "h", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(1);
        shmdt(p);
        _exit(0);
    }
    if (read(held[0], &c, 1) != 1)
        return 2;
    snprintf(arg, sizeof arg, "%d:%d", go[1], used);
    fflush(stdout);
    execl(self, self, "reap", arg, (char *)NULL);
    return 2;
}

/* After others' exec ("fd:shmid"): lets the child go, waits for it,
 * removes the segment it had attached. */
int cmd_reap(const char *arg)
{
    int status = -1, fd, id;

    if (sscanf(arg, "%d:%d", &fd, &id) != 2 || write(fd, "g", 1) != 1)
        return 2;
    wait(&status);
    printf("reaped %d %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           shmctl(id, IPC_RMID, NULL));
    return 0;
}

/* ---- faults ---- */

/* The address space in use, in bytes (/proc/self/statm, read without
 * allocating). */
static size_t vm_size(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        exit(2);
    buf[n] = '\0';
    return (size_t)strtoul(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

/* Lets pages more pages of address space be mapped from now on. */
static void room_for(size_t pages)
{
    struct rlimit rl;

    getrlimit(RLIMIT_AS, &rl);
    rl.rlim_cur = vm_size() + pages * (size_t)sysconf(_SC_PAGESIZE);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        exit(2);
}

static __attribute__((noinline)) void touch_stack(void)
{
    volatile char buf[256 << 10];
    for (size_t i = 0; i < sizeof buf; i += 1024)
        buf[i] = 0;
}

/* The tracer's tables live in mmap'd memory: with the address space
 * capped, its puts fail while the program's own calls still succeed.
 * Every table starts empty (the first put maps it). Ends with a leak and
 * an unmatched attach, and no room for the report's own table. */
int cmd_nomem(void)
{
    int a, b, r[4];
    void *p;

    touch_stack();
    /* A heap that stays: exit's stdio (and gcov) allocate from it. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    free(malloc(1 << 20));
    printf("nomem start\n");
    fflush(stdout);
    room_for(0);
    a = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* segs: no room */
    room_for(1);
    p = shmat(a, NULL, 0); /* the page is the attachment's; atts: none */
    r[0] = p != (void *)-1;
    r[1] = shmdt(p);
    r[2] = shmctl(a, IPC_RMID, NULL);
    room_for(1);
    b = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* segs; no depot */
    room_for(2);
    p = shmat(b, NULL, 0); /* the attachment and atts; no depot */
    r[3] = p != (void *)-1;
    room_for(0);
    printf("nomem %d %d %d %d %d %d\n", a >= 0, r[0], r[1], r[2], b >= 0, r[3]);
    fflush(stdout);
    return 0;
}

static char handler_out[128];

/* Uses shared memory from a signal handler that interrupts the tracer's
 * report, and says how it went on fd 1. */
static void on_usr1(int sig)
{
    int n = snprintf(handler_out, sizeof handler_out, "handler %d %d\n", sig,
                     shm_cycle());
    if (write(1, handler_out, (size_t)n) != n)
        _exit(2);
}

/* 40 leaks (a report of many KiB), stderr (a pipe) filled up, then exit:
 * the report blocks on the pipe while the tracer holds its lock, until
 * the test has sent SIGUSR1 and read the pipe. */
int cmd_sighandler(void)
{
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
    int flags = fcntl(2, F_GETFL);
    char junk[4096];

    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < 40; i++)
        attach(make(4096));
    memset(junk, '.', sizeof junk);
    fcntl(2, F_SETFL, flags | O_NONBLOCK);
    for (size_t n = sizeof junk; n > 0; n /= 2) /* to the last byte */
        while (write(2, junk, n) > 0)
            continue;
    fcntl(2, F_SETFL, flags);
    printf("ready\n");
    fflush(stdout);
    return 0;
}
