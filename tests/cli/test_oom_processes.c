/*
 * test_oom_processes.c - out of memory around other processes (the
 * injector: oom.h): starting the symbolizer fails with ENOMEM's
 * message or works; without memory for its cache it asks frame by frame,
 * with the same answers, and stops at a symbolizer that dies; the process
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

static const char answering[] = "#!/bin/sh\n"
                                "while IFS= read -r q; do\n"
                                "    printf 'fn\\nsrc/f.c:7:1\\n\\n'\n"
                                "done\n";

static const char oneshot[] = "#!/bin/sh\n"
                              "IFS= read -r q\n"
                              "printf 'fn\\nsrc/f.c:7:1\\n\\n'\n";

/* Starting fails with ENOMEM's message or works; a failed cache
 * allocation asks frame by frame, with the same answers. */
static void test_symbolizer(void **state)
{
    struct oom_fx *fx = *state;
    char path[128], err[256];
    struct cli_symbolizer *s = NULL;
    struct cli_run run = {0};
    long n;
    need_faults();
    snprintf(path, sizeof path, "%s/symbolizer", fx->dir);
    put_file(path, answering, 0700);

    for (n = 0; n < MAX_STEPS; n++) {
        arm(n);
        s = cli_symbolizer_start(path, err, sizeof err);
        int failed = disarm();
        if (s == NULL)
            assert_non_null(strstr(err, strerror(ENOMEM)));
        if (!failed)
            break;
        cli_symbolizer_stop(s);
    }
    assert_non_null(s);
    assert_int_equal(cli_analyze(&fx->in, &run), 0);
    arm(0); /* the cache */
    cli_symbolize_stacks(s, &run);
    assert_true(disarm());
    cli_symbolizer_stop(s);

    for (size_t i = 0; i < run.nfindings; i++)
        for (unsigned k = 0; k < run.findings[i].stack.n; k++) {
            const struct cli_frame *fr = &run.findings[i].stack.f[k];
            if (fr->module == NULL) { /* nothing to ask */
                assert_null(fr->function);
                continue;
            }
            assert_string_equal(fr->function, "fn");
            assert_string_equal(fr->file, "src/f.c");
            assert_int_equal(fr->line, 7);
        }
    assert_true(n > 0);
    cli_run_free(&run);

    /* Without the cache, a symbolizer that dies stops the rest. */
    put_file(path, oneshot, 0700);
    s = cli_symbolizer_start(path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cli_analyze(&fx->in, &run), 0);
    arm(0);
    cli_symbolize_stacks(s, &run);
    assert_true(disarm());
    cli_symbolizer_stop(s);
    size_t named = 0;
    for (size_t i = 0; i < run.nfindings; i++)
        for (unsigned k = 0; k < run.findings[i].stack.n; k++)
            named += run.findings[i].stack.f[k].function != NULL;
    assert_int_equal(named, 1);
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
