/*
 * oom.c - the allocation failure injector and the out-of-memory tests'
 * fixture (oom.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "fixtures.h"
#include "oom.h"
#include "report.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAULTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FAULTS 0
#endif
#endif
#ifndef FAULTS
#define FAULTS 1
#endif

/* --- the injector --------------------------------------------------------- */

static struct {
    long countdown; /* allocations that succeed before one fails; -1: off */
    int persistent; /* and every one after it fails too */
    pid_t pid;      /* only this process counts (not fork children) */
    int failed;     /* a failure was injected */
    long live;      /* allocations not freed yet */
} g = {-1, 0, 0, 0, 0};

#if FAULTS
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static int ours(void)
{
    return g.pid == 0 || getpid() == g.pid;
}

static int inject(void)
{
    if (g.countdown < 0 || !ours())
        return 0;
    if (g.countdown > 0) {
        g.countdown--;
        return 0;
    }
    g.failed = 1;
    g.countdown = g.persistent ? 0 : -1;
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n)
{
    void *p = inject() ? NULL : __libc_malloc(n);
    g.live += p != NULL && ours();
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = inject() ? NULL : __libc_calloc(n, size);
    g.live += p != NULL && ours();
    return p;
}

void *realloc(void *q, size_t n)
{
    void *p = inject() ? NULL : __libc_realloc(q, n);
    if (q == NULL && p != NULL && ours())
        g.live++;
    return p;
}

void free(void *p)
{
    g.live -= p != NULL && ours();
    __libc_free(p);
}
#endif

void need_faults(void)
{
    if (!FAULTS)
        skip();
}

/* Let n allocations succeed, then fail one, or with persistent, all. */
void arm_mode(long n, int persistent)
{
    g.pid = getpid();
    g.failed = 0;
    g.persistent = persistent;
    g.countdown = n;
}

void arm(long n)
{
    arm_mode(n, 0);
}

/* Stops injecting; whether a failure was injected. */
int disarm(void)
{
    g.countdown = -1;
    return g.failed;
}

long live_allocations(void)
{
    return g.live;
}

/* Allocations still live since `live` was taken, at failure n. */
void assert_leaked(long n, long live)
{
    if (g.live != live)
        fail_msg("allocation %ld failed: %ld allocation(s) leaked", n,
                 g.live - live);
}

/* --- fixtures ------------------------------------------------------------- */

/* A tree with a finding of every kind, a damaged journal and an exec. */
static void write_journals(struct oom_fx *fx)
{
    const uint64_t pcs[] = {0x401100, 0x401200, 0x999};
    const char start[] = "/bin/prog\0prog\0arg one\0arg two";
    struct jfile j;

    jf_start(&j, 10, 1);
    jf_add(&j, REC(.type = SHMC_J_START, .a = {1}, .payload = start,
                   .plen = sizeof start));
    jf_add(&j, REC(.type = SHMC_J_MODULE, .a = {0x400000, 0x401000, 0x402000},
                   .payload = "/bin/prog", .plen = 10));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 5,
                   .a = {0x42, 4096, IPC_CREAT | 0666, 1}, .nframes = 3,
                   .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 6,
                   .a = {0, 4096, IPC_CREAT | 0600, 1}, .nframes = 2,
                   .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7000, .a = {5, 0, 1},
                   .nframes = 2, .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x1, -1, 0},
                   .nframes = 1, .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .err = EINVAL, .a = {5, 99},
                   .nframes = 1, .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/bin/next", .plen = 10));
    jf_save(&j, fx->dir, "10.0.shmj");
    jf_start(&j, 10, 1);
    jf_add(&j, REC(.type = SHMC_J_START, .a = {1}, .payload = start,
                   .plen = sizeof start));
    jf_add(&j, REC(.type = SHMC_J_INHERIT, .a = {0x8000, 5, 4096}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
    jf_save_part(&j, fx->dir, "10.1.shmj", j.len - 8);
    for (int pid = 11; pid <= 30; pid++) { /* more than 16 processes */
        char name[32];
        jf_start(&j, pid, 10);
        jf_add(&j, REC(.type = SHMC_J_START, .a = {10}, .payload = start,
                       .plen = sizeof start));
        jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .a = {0x2, 5, 0}));
        snprintf(name, sizeof name, "%d.0.shmj", pid);
        jf_save(&j, fx->dir, name);
    }
}

int oom_setup(void **state)
{
    static struct oom_fx fx;

    memset(&fx, 0, sizeof fx);
    mk_dir(fx.dir, sizeof fx.dir);
    write_journals(&fx);
    fx.kernel[0] = (struct cli_kseg){0x42, 5, 0600, 4096, 10, 10, 0, 100};
    fx.kernel[1] = (struct cli_kseg){0, 7, 0600, 100, 31, 31, 0, 100};
    fx.reaped[0] = (struct cli_reaped){10, 0};
    fx.reaped[1] = (struct cli_reaped){31, 9};
    fx.reaped[2] = (struct cli_reaped){11, 0};
    fx.in = (struct cli_inputs){.log_dir = fx.dir,
                                .kernel = fx.kernel,
                                .nkernel = 2,
                                .reaped = fx.reaped,
                                .nreaped = 3,
                                .top_pid = 10,
                                .start_time = 50};
    *state = &fx;
    return 0;
}

int oom_teardown(void **state)
{
    struct oom_fx *fx = *state;

    rm_dir(fx->dir);
    return 0;
}

/* The whole of a run as the JSON report has it, malloc'd. */
char *as_json(const struct cli_run *run)
{
    char *text = NULL;
    size_t len;
    FILE *m = open_memstream(&text, &len);

    assert_non_null(m);
    assert_int_equal(cli_report_json(run, m), 0);
    assert_int_equal(fclose(m), 0);
    return text;
}
