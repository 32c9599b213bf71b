/*
 * test_depot.c - the analysis's stack depot (src/cli/depot.c): one copy
 * of each distinct stack and of each module path, raw and placed stacks
 * kept apart, copies back into a struct cli_stack.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "depot.h"
#include "fixtures.h"

struct depot_fx {
    struct cli_depot d;
    struct cli_run run;
};

static int setup(void **state)
{
    struct depot_fx *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    cli_depot_init(&fx->d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct depot_fx *fx = *state;

    cli_depot_destroy(&fx->d);
    cli_run_free(&fx->run);
    free(fx);
    return 0;
}

/* A placed stack of n frames at pcs base, base + 0x10, ... in module. */
static struct cli_stack stack_of(unsigned n, uint64_t base, const char *module)
{
    struct cli_stack s;

    memset(&s, 0, sizeof s);
    s.n = n;
    for (unsigned i = 0; i < n; i++) {
        s.f[i].pc = base + 0x10 * i;
        s.f[i].module = module;
        s.f[i].offset = s.f[i].pc - 0x1000;
    }
    return s;
}

/* The stack of 1000 segments made at one call site is stored once. */
static void test_one_copy(void **state)
{
    struct depot_fx *fx = *state;
    const char *prog = cli_depot_path(&fx->d, &fx->run, "/bin/prog");
    const struct cli_dstack *first = NULL;

    for (int i = 0; i < 1000; i++) {
        struct cli_stack s = stack_of(8, 0x401000, prog);
        s.f[0].function = "ignored"; /* not part of a depot stack */
        const struct cli_dstack *d = cli_depot_stack(&fx->d, &s);
        assert_non_null(d);
        if (first == NULL)
            first = d;
        assert_ptr_equal(d, first);
    }
    assert_int_equal(fx->d.count, 1);
    assert_int_equal(first->n, 8);
    assert_int_equal(first->raw, 0);
    assert_int_equal(first->f[7].pc, 0x401070);
    assert_ptr_equal(first->f[7].module, prog);
    assert_int_equal(first->f[7].offset, 0x400070);
}

/* Any difference in a frame, or in the number of frames, is another
 * stack; raw pcs never match a placed stack with the same pcs. */
static void test_distinct(void **state)
{
    struct depot_fx *fx = *state;
    const char *a = cli_depot_path(&fx->d, &fx->run, "/lib/a.so");
    const char *b = cli_depot_path(&fx->d, &fx->run, "/lib/b.so");
    struct cli_stack s[5];
    const struct cli_dstack *d[6];
    uint64_t pcs[3] = {0x401000, 0x401010, 0x401020};

    s[0] = stack_of(3, 0x401000, a);
    s[1] = stack_of(3, 0x401000, b); /* another module */
    s[2] = stack_of(3, 0x401000, a);
    s[2].f[2].offset++;                 /* another offset */
    s[3] = stack_of(2, 0x401000, a);    /* fewer frames */
    s[4] = stack_of(3, 0x401000, NULL); /* no module: as raw, but placed */
    for (int i = 0; i < 5; i++)
        assert_non_null(d[i] = cli_depot_stack(&fx->d, &s[i]));
    assert_non_null(d[5] = cli_depot_pcs(&fx->d, pcs, 3));
    for (int i = 0; i < 6; i++)
        for (int k = i + 1; k < 6; k++)
            assert_ptr_not_equal(d[i], d[k]);
    assert_int_equal(fx->d.count, 6);
    assert_int_equal(d[5]->raw, 1);
    /* the same ones again: found, nothing added */
    assert_ptr_equal(cli_depot_stack(&fx->d, &s[1]), d[1]);
    assert_ptr_equal(cli_depot_pcs(&fx->d, pcs, 3), d[5]);
    pcs[1]++;
    assert_ptr_not_equal(cli_depot_pcs(&fx->d, pcs, 3), d[5]);
    pcs[1]--;
    assert_ptr_equal(cli_depot_pcs(&fx->d, pcs, 3), d[5]);
    assert_int_equal(fx->d.count, 7);
}

/* Equal paths from different buffers are one pointer, owned by the run. */
static void test_paths(void **state)
{
    struct depot_fx *fx = *state;
    char buf[32];

    strcpy(buf, "/lib/libc.so.6");
    const char *one = cli_depot_path(&fx->d, &fx->run, buf);
    strcpy(buf, "/lib/libm.so.6");
    const char *other = cli_depot_path(&fx->d, &fx->run, buf);
    strcpy(buf, "/lib/libc.so.6");
    assert_ptr_equal(cli_depot_path(&fx->d, &fx->run, buf), one);
    assert_ptr_not_equal(one, buf);
    assert_string_equal(one, "/lib/libc.so.6");
    assert_string_equal(other, "/lib/libm.so.6");
    assert_null(cli_depot_path(&fx->d, &fx->run, NULL));
}

/* Back into a struct cli_stack: frames as stored, nothing symbolized. */
static void test_copy(void **state)
{
    struct depot_fx *fx = *state;
    struct cli_stack s = stack_of(CLI_MAX_FRAMES, 0x500000, "/bin/x"), out;

    memset(&out, 0xa5, sizeof out);
    cli_depot_copy(cli_depot_stack(&fx->d, &s), &out);
    assert_int_equal(out.n, CLI_MAX_FRAMES);
    for (unsigned i = 0; i < CLI_MAX_FRAMES; i++) {
        assert_int_equal(out.f[i].pc, s.f[i].pc);
        assert_ptr_equal(out.f[i].module, s.f[i].module);
        assert_int_equal(out.f[i].offset, s.f[i].offset);
        assert_null(out.f[i].function);
        assert_null(out.f[i].file);
        assert_int_equal(out.f[i].line, 0);
    }
    cli_depot_copy(NULL, &out);
    assert_int_equal(out.n, 0);
}

/* Many distinct stacks: each found again after the depot has grown. */
static void test_many(void **state)
{
    struct depot_fx *fx = *state;
    const struct cli_dstack **kept = calloc(5000, sizeof *kept);

    assert_non_null(kept);
    for (unsigned i = 0; i < 5000; i++) {
        struct cli_stack s = stack_of(1 + i % CLI_MAX_FRAMES, 0x1000 * i, NULL);
        assert_non_null(kept[i] = cli_depot_stack(&fx->d, &s));
    }
    assert_int_equal(fx->d.count, 5000);
    for (unsigned i = 0; i < 5000; i++) {
        struct cli_stack s = stack_of(1 + i % CLI_MAX_FRAMES, 0x1000 * i, NULL);
        assert_ptr_equal(cli_depot_stack(&fx->d, &s), kept[i]);
    }
    assert_int_equal(fx->d.count, 5000);
    free(kept);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_one_copy), T(test_distinct), T(test_paths),
        T(test_copy),     T(test_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
