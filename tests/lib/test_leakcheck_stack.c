/*
 * test_leakcheck_stack.c - the stacks in the leak check's report. This
 * program stands in for libshmcheck-trace.so: it exports the tracer's
 * query (trace_query.h), answering with frames in the C library, a pc in
 * no object, or nothing. Each frame is named by a sanitizer's symbolizer
 * when one is loaded (fakesym.c, or the real one in a sanitizer build),
 * else by dladdr; the query is asked with what was made, its shmid and
 * its address.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/trace_query.h"
#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define OUT 8192

static int leak_both(void *arg);

/* What the fake tracer answers, and what it was asked (in the child). */
static unsigned answer_frames; /* 0: "not recorded" */
struct question {
    int what, shmid;
    uintptr_t addr;
};
static struct question asked[4];
static unsigned nasked;

shmc_trace_stack_fn shmc_trace_stack_v1;
unsigned shmc_trace_stack_v1(int what, int shmid, uintptr_t addr,
                             uintptr_t *frames, unsigned max)
{
    if (nasked < 4)
        asked[nasked++] = (struct question){what, shmid, addr};
    /* getpid + 1: a return address inside the C library; 0x10: no
     * object holds it. */
    uintptr_t mine[3] = {(uintptr_t)&getpid + 1, 0x10,
                         (uintptr_t)&leak_both + 1};
    unsigned n = answer_frames < max ? answer_frames : max;
    memcpy(frames, mine, n * sizeof *frames);
    return n;
}

struct run {
    int symbolizer; /* load fakesym.so first */
    unsigned frames;
};

static int leak_both(void *arg)
{
    const struct run *r = arg;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *p = shmat(id, NULL, 0);

    if (r->symbolizer && dlopen(FAKESYM_SO, RTLD_NOW | RTLD_GLOBAL) == NULL)
        return 2;
    answer_frames = r->frames;
    if (shmc_leak_check_recoverable() != 2 || nasked != 2)
        return 3;
    /* The segment first, by its shmid; then the attachment, by address. */
    return asked[0].what != SHMC_TRACE_CREATED || asked[0].shmid != id ||
           asked[1].what != SHMC_TRACE_ATTACHED ||
           asked[1].addr != (uintptr_t)p || asked[1].shmid != id;
}

static void run(char *out, const struct run *r)
{
    int status = run_captured(leak_both, (void *)r, out, OUT);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("status 0x%x; stderr:\n%s", status, out);
}

static void expect_text(const char *out, const char *want)
{
    if (strstr(out, want) == NULL)
        fail_msg("no \"%s\" in:\n%s", want, out);
}

/* A sanitizer build has the real symbolizer: names differ, shapes not. */
static int real_symbolizer(void)
{
    return dlsym(RTLD_DEFAULT, "__sanitizer_symbolize_pc") != NULL;
}

static void test_not_recorded(void **state)
{
    (void)state;
    char out[OUT];
    run(out, &(struct run){0, 0});
    expect_text(out, "    (no stack: the tracer did not record this call)");
}

static void test_dladdr_names(void **state)
{
    (void)state;
    char out[OUT];
    run(out, &(struct run){0, 3});
    expect_text(out, "    #0 0x");
    /* The real one says "(<unknown module>)". */
    expect_text(out, real_symbolizer() ? "    #1 0x10 " : "    #1 0x10\n");
    if (!real_symbolizer()) {
        expect_text(out, "getpid (/"); /* glibc: __getpid */
        /* A function this program does not export: no name. */
        expect_text(out, "    #2 0x");
        expect_text(out, " in ?? (");
    }
}

static void test_symbolizer_names(void **state)
{
    (void)state;
    char out[OUT];
    run(out, &(struct run){1, 1});
    if (!real_symbolizer()) {
        /* pc - 1: the call, not the return address; the ESC made '?'. */
        char want[64];
        snprintf(want, sizeof want, "in fake_function?? fake.c:%u\n",
                 (unsigned)(((uintptr_t)&getpid) & 0xff));
        expect_text(out, want);
        expect_text(out, "    #1 0x");
        expect_text(out, " in fake_caller fake.c:9\n");
    }
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\x7f'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_not_recorded, reset_setup),
        cmocka_unit_test_setup(test_dladdr_names, reset_setup),
        cmocka_unit_test_setup(test_symbolizer_names, reset_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
