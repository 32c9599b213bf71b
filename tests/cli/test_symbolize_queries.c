/*
 * test_symbolize_queries.c - what cli_symbolize_* (src/cli/symbolize.c)
 * asks its child and how it reads the answers, with a shell script for a
 * symbolizer that logs its arguments and queries and answers from a file:
 * each (module, offset) is asked once and its frames share one set of
 * strings; module paths are quoted, and ones that cannot be quoted are not
 * sent; a missing symbolizer fails to start with its name in the message;
 * one that exits makes calls return -1 at once, with SIGPIPE at its
 * default action and no hang; one that dies midway fails the frames
 * after. With llvm-symbolizer itself: test_symbolize.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "findings.h"
#include "fixtures.h"
#include "symbolize.h"

struct fixture {
    char dir[64], fake[96], oneshot[96];
    struct cli_symbolizer *s; /* a test's own, stopped in teardown */
    struct cli_run run;
};

/* Logs its arguments and queries; answers each query with $0.reply, using
 * shell builtins only (the tests may run with a bare PATH). */
static const char fake_script[] = "#!/bin/sh\n"
                                  "printf '%s\\n' \"$*\" >\"$0.args\"\n"
                                  "while IFS= read -r q; do\n"
                                  "    printf '%s\\n' \"$q\" >>\"$0.log\"\n"
                                  "    while IFS= read -r r; do\n"
                                  "        printf '%s\\n' \"$r\"\n"
                                  "    done <\"$0.reply\"\n"
                                  "done\n";

static const char oneshot_script[] = "#!/bin/sh\n"
                                     "IFS= read -r q\n"
                                     "printf 'once\\nonce.c:3:1\\n\\n'\n";

static char *get_file(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "r");
    size_t n = fp ? fread(buf, 1, cap - 1, fp) : 0;
    if (fp)
        fclose(fp);
    buf[n] = '\0';
    return buf;
}

static const char *side(const struct fixture *fx, const char *suffix)
{
    static char path[128];
    snprintf(path, sizeof path, "%s%s", fx->fake, suffix);
    return path;
}

static int group_setup(void **state)
{
    static struct fixture fx;

    unsetenv("SHMCHECK_SYMBOLIZER");
    strcpy(fx.dir, "/tmp/shmc-symbolize-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(fx.fake, sizeof fx.fake, "%s/fake-symbolizer", fx.dir);
    snprintf(fx.oneshot, sizeof fx.oneshot, "%s/one-shot", fx.dir);
    put_file(fx.fake, fake_script, 0700);
    put_file(fx.oneshot, oneshot_script, 0700);
    *state = &fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    const char *const sides[] = {"", ".args", ".log", ".reply"};

    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++)
        unlink(side(fx, sides[i]));
    unlink(fx->oneshot);
    return rmdir(fx->dir);
}

static int setup(void **state)
{
    struct fixture *fx = *state;
    memset(&fx->run, 0, sizeof fx->run);
    fx->s = NULL;
    unlink(side(fx, ".log"));
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    cli_symbolizer_stop(fx->s);
    cli_run_free(&fx->run);
    unsetenv("SHMCHECK_SYMBOLIZER");
    signal(SIGPIPE, SIG_DFL);
    return 0;
}

/* The fake symbolizer, answering every query with reply. */
static struct cli_symbolizer *start_fake(struct fixture *fx, const char *reply)
{
    char err[256] = "";
    put_file(side(fx, ".reply"), reply, 0600);
    fx->s = cli_symbolizer_start(fx->fake, err, sizeof err);
    assert_non_null(fx->s);
    return fx->s;
}

/* A finding whose stack is the n frames. */
static void add_stack(struct cli_run *run, const struct cli_frame *frames,
                      unsigned n)
{
    struct cli_finding *f;
    run->findings =
        realloc(run->findings, (run->nfindings + 1) * sizeof *run->findings);
    assert_non_null(run->findings);
    f = &run->findings[run->nfindings++];
    memset(f, 0, sizeof *f);
    f->stack.n = n;
    memcpy(f->stack.f, frames, n * sizeof *frames);
}

static void test_cache_asks_once(void **state)
{
    struct fixture *fx = *state;
    char a1[] = "/lib/a.so", a2[] = "/lib/a.so", log[512], args[256];
    const struct cli_frame x[] = {{.module = a1, .offset = 0x1234},
                                  {.module = "/lib/b.so", .offset = 0x10}};
    const struct cli_frame y[] = {{.module = a2, .offset = 0x1234},
                                  {.module = a1, .offset = 0x1235}};
    struct cli_symbolizer *s = start_fake(fx, "f\n/src/a:b/x.c:12:5\n\n");
    add_stack(&fx->run, x, 2);
    add_stack(&fx->run, y, 2);

    cli_symbolize_stacks(s, &fx->run);

    const struct cli_stack *p = &fx->run.findings[0].stack;
    const struct cli_stack *q = &fx->run.findings[1].stack;
    assert_string_equal(get_file(side(fx, ".log"), log, sizeof log),
                        "\"/lib/a.so\" 0x1233\n\"/lib/a.so\" 0x1234\n"
                        "\"/lib/b.so\" 0xf\n");
    assert_ptr_equal(p->f[0].function, q->f[0].function);
    assert_ptr_equal(p->f[0].file, q->f[0].file);
    assert_string_equal(q->f[1].file, "/src/a:b/x.c");
    assert_int_equal(q->f[1].line, 12);
    assert_string_equal(get_file(side(fx, ".args"), args, sizeof args),
                        "--inlining=false --demangle --functions=linkage "
                        "--output-style=LLVM\n");
}

static void test_quoting(void **state)
{
    struct fixture *fx = *state;
    char log[512];
    struct cli_frame f[] = {{.module = "/x/a\"b c.so", .offset = 0x20},
                            {.module = "/x/it's \"odd\".so", .offset = 1},
                            {.module = "/x/new\nline.so", .offset = 1},
                            {.module = NULL, .offset = 1},
                            {.module = "/x/zero.so", .offset = 0}};
    struct cli_symbolizer *s = start_fake(fx, "??\n??:0:0\n\n");

    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        assert_int_equal(cli_symbolize_frame(s, &fx->run, &f[i]), 0);

    assert_string_equal(get_file(side(fx, ".log"), log, sizeof log),
                        "'/x/a\"b c.so' 0x1f\n\"/x/zero.so\" 0x0\n");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        assert_null(f[i].function);
        assert_null(f[i].file);
        assert_int_equal(f[i].line, 0);
    }
}

/* A module path longer than any query can hold is not asked about; the
 * next frame is. */
static void test_module_too_long(void **state)
{
    struct fixture *fx = *state;
    static char path[PATH_MAX + 64];
    char log[512];
    struct cli_frame f[] = {{.module = path, .offset = 1},
                            {.module = "/x/short.so", .offset = 1}};
    struct cli_symbolizer *s = start_fake(fx, "??\n??:0:0\n\n");

    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        assert_int_equal(cli_symbolize_frame(s, &fx->run, &f[i]), 0);
    assert_string_equal(get_file(side(fx, ".log"), log, sizeof log),
                        "\"/x/short.so\" 0x0\n");
    assert_null(f[0].function);
    assert_null(f[0].file);
}

static void test_missing_symbolizer(void **state)
{
    char err[256] = "", err2[256] = "";
    (void)state;
    setenv("SHMCHECK_SYMBOLIZER", "/nonexistent/llvm-symbolizer", 1);

    struct cli_symbolizer *s = cli_symbolizer_start(NULL, err, sizeof err);
    struct cli_symbolizer *t =
        cli_symbolizer_start("/nonexistent/other", err2, sizeof err2);

    assert_null(s);
    assert_null(t);
    assert_non_null(strstr(err, "/nonexistent/llvm-symbolizer"));
    assert_non_null(strstr(err2, "/nonexistent/other"));
    assert_null(cli_symbolizer_start("/nonexistent/other", NULL, 0));
}

static void test_symbolizer_exits(void **state)
{
    struct fixture *fx = *state;
    const struct timespec grace = {0, 50 * 1000 * 1000};
    struct cli_frame f = {.module = "/lib/a.so", .offset = 9};
    signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would end the test */
    setenv("SHMCHECK_SYMBOLIZER", "/bin/true", 1);
    fx->s = cli_symbolizer_start(NULL, NULL, 0);
    assert_non_null(fx->s);
    nanosleep(&grace, NULL); /* most likely gone: the EPIPE path */
    add_stack(&fx->run, &f, 1);

    int first = cli_symbolize_frame(fx->s, &fx->run, &f);
    int again = cli_symbolize_frame(fx->s, &fx->run, &f);
    cli_symbolize_stacks(fx->s, &fx->run);

    assert_int_equal(first, -1);
    assert_int_equal(again, -1);
    assert_null(f.function);
    assert_null(fx->run.findings[0].stack.f[0].function);
}

static void test_symbolizer_dies_midway(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = {.module = "/lib/a.so", .offset = 9}, g = f;
    fx->s = cli_symbolizer_start(fx->oneshot, NULL, 0);
    assert_non_null(fx->s);

    int first = cli_symbolize_frame(fx->s, &fx->run, &f);
    int second = cli_symbolize_frame(fx->s, &fx->run, &g);

    assert_int_equal(first, 0);
    assert_string_equal(f.function, "once");
    assert_string_equal(f.file, "once.c");
    assert_int_equal(f.line, 3);
    assert_int_equal(second, -1);
    assert_null(g.function);
    assert_int_equal(cli_symbolize_frame(NULL, &fx->run, &g), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_cache_asks_once),        T(test_quoting),
        T(test_missing_symbolizer),     T(test_symbolizer_exits),
        T(test_symbolizer_dies_midway), T(test_module_too_long),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
