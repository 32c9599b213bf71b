/*
 * test_oom_processes.c - out of memory around other processes (the
 * injector: oom.h): starting the symbolizer fails with ENOMEM's
 * message or works; symbolizing without memory gives the same frames and
 * leaks nothing; the process
 * tree fails before the fork, or reaps everything with one child
 * unrecorded, and leaks nothing. A journal that cannot be mapped (address
 * space exhausted: RLIMIT_AS) is a warning.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "fixtures.h"
#include "oom.h"
#include "run.h"
#include "symbolize.h"

/* Maps the stack this process will need: it cannot grow under the
 * limit test_map_fails sets. */
static __attribute__((noinline)) void grow_stack(void)
{
    volatile char room[256 << 10];
    memset((char *)room, 0, sizeof room);
}

/* A journal that cannot be mapped is a warning; the rest is read. */
static void test_map_fails(void **state)
{
    struct oom_fx *fx = *state;
    int p[2], status;
    char got[512] = "", want[512];
    need_faults();
    assert_int_equal(pipe(p), 0);
    fflush(NULL); /* or the child's exit writes our buffers again */

    pid_t child = fork();
    if (child == 0) { /* reports through the pipe, never through cmocka */
        grow_stack();
        struct cli_inputs in = {0};
        in.log_dir = fx->dir;
        struct cli_run run = {0};
        struct rlimit lim, old;
        char statm[64] = "";
        int fd = open("/proc/self/statm", O_RDONLY);
        ssize_t k = read(fd, statm, sizeof statm - 1);
        close(fd);
        /* The heap keeps room for the analysis's small allocations; no new
         * mapping can be made. */
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        free(malloc(4 << 20));
        getrlimit(RLIMIT_AS, &old);
        lim = old;
        lim.rlim_cur = strtoull(statm, NULL, 10) * (rlim_t)getpagesize();
        if (k <= 0 || setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(2);
        int rc = cli_analyze(&in, &run);
        setrlimit(RLIMIT_AS, &old);
        dprintf(p[1], "%d %zu %s", rc, run.nwarnings,
                run.nwarnings ? run.warnings[0] : "");
        exit(0);
    }
    close(p[1]);
    assert_true(read(p[0], got, sizeof got - 1) > 0);
    close(p[0]);
    assert_int_equal(waitpid(child, &status, 0), child);

    snprintf(want, sizeof want, "0 22 %s/10.0.shmj: cannot map: %s", fx->dir,
             strerror(ENOMEM));
    assert_int_equal(status, 0);
    assert_string_equal(got, want);
}

/* --- the symbolizer ------------------------------------------------------- */

/* The fixture's frames after symbolization: their module, /bin/prog, does
 * not exist, so nothing is known of them, with memory or without. */
static void assert_unknown_frames(const struct cli_run *run)
{
    for (size_t i = 0; i < run->nfindings; i++)
        for (unsigned k = 0; k < run->findings[i].stack.n; k++) {
            const struct cli_frame *fr = &run->findings[i].stack.f[k];
            assert_null(fr->function);
            assert_null(fr->file);
            assert_int_equal(fr->line, 0);
        }
}

/* Starting fails with ENOMEM's message or works; symbolizing with each
 * allocation failing in turn gives the same frames and leaks nothing.
 * (libdw itself is never reached here: it exits when its own allocations
 * fail, docs/report-format.md says so.) */
static void test_symbolizer(void **state)
{
    struct oom_fx *fx = *state;
    char err[256];
    struct cli_symbolizer *s = NULL;
    struct cli_run run = {0};
    long n, live;
    int failed;
    need_faults();
    /* libdw is loaded by the first start and stays loaded, as any
     * library: what it allocates then is not the symbolizer's to free. */
    cli_symbolizer_stop(cli_symbolizer_start(err, sizeof err));

    for (n = 0; n < MAX_STEPS; n++) {
        live = live_allocations();
        arm(n);
        s = cli_symbolizer_start(err, sizeof err);
        failed = disarm();
        if (s == NULL) {
            assert_string_equal(err, "cannot start the symbolizer: Cannot "
                                     "allocate memory");
            assert_leaked(n, live);
        }
        cli_symbolizer_stop(s);
        if (!failed)
            break;
    }
    assert_true(n > 0 && n < MAX_STEPS);

    assert_int_equal(cli_analyze(&fx->in, &run), 0);
    for (n = 0; n < MAX_STEPS; n++) {
        live = live_allocations();
        s = cli_symbolizer_start(err, sizeof err);
        assert_non_null(s);
        arm(n);
        cli_symbolize_stacks(s, &run);
        failed = disarm();
        assert_true(cli_symbolizer_lookups(s) > 0);
        cli_symbolizer_stop(s);
        assert_leaked(n, live);
        assert_unknown_frames(&run);
        if (!failed)
            break;
    }
    assert_true(n > 0 && n < MAX_STEPS);
    cli_run_free(&run);
}

/* --- the process tree ----------------------------------------------------- */

/* Out of memory before the fork is -1 (the journal broker's thread, which
 * glibc allocates, fails with EAGAIN); while reaping, a child goes
 * unrecorded, and the tree is still waited for; nothing leaks. */
static void test_spawn(void **state)
{
    char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
    char dir[] = "/tmp/shmc-oom.XXXXXX"; /* ours: the broker checks */
    struct cli_spawn sp = {argv, "libc.so.6", dir, 1, NULL, NULL};
    long n, before = 0, during = 0;
    (void)state;
    need_faults();
    assert_non_null(mkdtemp(dir));
    /* glibc keeps a joined thread's stack, and the TLS it allocated, for
     * the next thread: one run first, so that the journal broker's thread
     * reuses them rather than look like a leak. */
    {
        struct cli_reaped *reaped = NULL;
        size_t nreaped = 0;
        char err[128] = "";
        int top = 0;
        assert_int_equal(
            cli_spawn_tree(&sp, &reaped, &nreaped, &top, err, sizeof err), 0);
        free(reaped);
    }

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_reaped *reaped = NULL;
        size_t nreaped = 0;
        char err[128] = "";
        int top = 0;
        long live = live_allocations();
        arm(n);
        int code =
            cli_spawn_tree(&sp, &reaped, &nreaped, &top, err, sizeof err);
        int failed = disarm();
        if (code == -1) {
            if (strcmp(err, "out of memory") != 0)
                assert_string_equal(err, "journal broker: thread: Resource "
                                         "temporarily unavailable");
            before++;
        } else {
            assert_int_equal(code, 0);
            assert_true(top > 0);
            during += nreaped == 0;
            if (nreaped == 1) {
                assert_int_equal(reaped[0].pid, top);
                assert_int_equal(reaped[0].status, W_EXITCODE(3, 0));
            }
        }
        free(reaped);
        assert_leaked(n, live);
        if (!failed) {
            assert_int_equal(nreaped, 1);
            break;
        }
    }
    assert_int_equal(rmdir(dir), 0);
    assert_true(n < MAX_STEPS);
    assert_true(before > 2);
    assert_int_equal(during, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_fails),
        cmocka_unit_test(test_symbolizer),
        cmocka_unit_test(test_spawn),
    };

    return cmocka_run_group_tests(tests, oom_setup, oom_teardown);
}
