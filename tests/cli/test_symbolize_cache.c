/*
 * test_symbolize_cache.c - cli_symbolize_stacks (src/cli/symbolize.c)
 * looks each distinct (module, offset) up once: a frame shared by 100
 * findings is one lookup, whatever the copies of its module path, and its
 * frames share one set of strings; frames without a module are never
 * looked up; each call has its own cache (the strings belong to its run);
 * a NULL symbolizer changes nothing. The frames are this test's own
 * functions, looked up for real.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"
#include "fixtures.h"
#include "symbolize.h"

#define NFINDINGS 100
#define NCALLERS 5

static char exe[PATH_MAX];
static uintptr_t bias;

/* Five distinct functions, for five distinct caller frames. */
#define CALLER(n)                                  \
    __attribute__((noinline)) int caller##n(int x) \
    {                                              \
        return x * (n + 2);                        \
    }
CALLER(0)
CALLER(1)
CALLER(2)
CALLER(3)
CALLER(4)
static int (*const callers[NCALLERS])(int) = {caller0, caller1, caller2,
                                              caller3, caller4};

static int main_bias(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uintptr_t *)data = info->dlpi_addr;
    return 1; /* the first object is the program */
}

static int group_setup(void **state)
{
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    (void)state;
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    dl_iterate_phdr(main_bias, &bias);
    return 0;
}

/* A frame as the tracer records one, a return address one byte into fn,
 * appended to fi; add_frame gives each its own copy of the module path. */
static void add(struct cli_run *run, struct cli_finding *fi, void *fn,
                int with_module)
{
    uint64_t offset = (uintptr_t)fn - bias + 1;
    struct frame fr = {.pc = offset + bias,
                       .module = with_module ? exe : NULL,
                       .offset = offset};
    add_frame(run, fi, &fr);
}

/* 100 findings: one shared innermost frame, one of five callers each, and
 * a frame without a module. */
static void fill(struct cli_run *run)
{
    for (int i = 0; i < NFINDINGS; i++) {
        struct cli_finding *fi = add_finding(run, CLI_LEAKED_SEGMENT, 1);
        add(run, fi, (void *)group_setup, 1);
        add(run, fi, (void *)callers[i % NCALLERS], 1);
        add(run, fi, (void *)group_setup, 0);
    }
}

static void test_once_per_distinct_frame(void **state)
{
    char err[128];
    struct cli_run run = {0};
    struct cli_symbolizer *s = cli_symbolizer_start(err, sizeof err);
    (void)state;
    assert_non_null(s);
    fill(&run);

    cli_symbolize_stacks(s, &run);

    /* One lookup for the shared frame, one per caller; none without a
     * module, none for the 99 copies. */
    assert_int_equal(cli_symbolizer_lookups(s), 1 + NCALLERS);
    const struct cli_frame *first = &run.findings[0].stack.f[0];
    assert_string_equal(first->function, "group_setup");
    assert_non_null(strstr(first->file, "test_symbolize_cache.c"));
    assert_true(first->line > 0);
    for (size_t i = 0; i < run.nfindings; i++) {
        const struct cli_stack *st = &run.findings[i].stack;
        char want[16];
        snprintf(want, sizeof want, "caller%zu", i % NCALLERS);
        assert_ptr_equal(st->f[0].function, first->function);
        assert_ptr_equal(st->f[0].file, first->file);
        assert_int_equal(st->f[0].line, first->line);
        assert_string_equal(st->f[1].function, want);
        assert_ptr_equal(st->f[1].function,
                         run.findings[i % NCALLERS].stack.f[1].function);
        assert_null(st->f[2].function);
        assert_null(st->f[2].file);
        assert_int_equal(st->f[2].line, 0);
    }

    /* Another run: looked up again, its own strings. */
    struct cli_run again = {0};
    fill(&again);
    cli_symbolize_stacks(s, &again);
    assert_int_equal(cli_symbolizer_lookups(s), 2 * (1 + NCALLERS));
    assert_string_equal(again.findings[7].stack.f[1].function, "caller2");
    assert_ptr_not_equal(again.findings[0].stack.f[0].function,
                         first->function);

    cli_symbolizer_stop(s);
    cli_run_free(&run);
    cli_run_free(&again);
}

static void test_null_symbolizer(void **state)
{
    struct cli_run run = {0};
    (void)state;
    fill(&run);

    cli_symbolize_stacks(NULL, &run);

    assert_int_equal(
        cli_symbolize_frame(NULL, &run, &run.findings[0].stack.f[0]), -1);
    assert_null(run.findings[0].stack.f[0].function);
    assert_int_equal(cli_symbolizer_lookups(NULL), 0);
    cli_symbolizer_stop(NULL);
    cli_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_per_distinct_frame),
        cmocka_unit_test(test_null_symbolizer),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
