/*
 * test_cli_symbolize.c - cli_symbolize_*: a return address taken in this
 * PIE test, and one printed by a PIE program compiled here (in a directory
 * whose name has a space), symbolize to the calling function, its file and
 * the line of the call; unknown modules give NULL; each (module, offset) is
 * asked once and its frames share one set of strings; module paths are
 * quoted, and ones that cannot be quoted are not sent; a missing symbolizer
 * fails to start with its name in the message; one that exits makes calls
 * return -1 at once, with SIGPIPE at its default action and no hang.
 *
 * Tests needing llvm-symbolizer skip when none starts. The others use a
 * shell script that logs its arguments and queries and answers from a file.
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

#include "cli_fixtures.h"
#include "findings.h"
#include "symbolize.h"

struct fixture {
    char dir[64], fake[96], oneshot[96], sub[96];
    struct cli_symbolizer *llvm; /* NULL when not installed */
    struct cli_symbolizer *s;    /* a test's own, stopped in teardown */
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

/* The program compiled at test time; the call to report() is the pc. */
static const char *const leaky_src[] = {
    "#define _GNU_SOURCE",
    "#include <link.h>",
    "#include <stdio.h>",
    "static int first(struct dl_phdr_info *i, size_t n, void *bias)",
    "{ (void)n; *(ElfW(Addr) *)bias = i->dlpi_addr; return 1; }",
    "__attribute__((noinline)) static void report(void)",
    "{",
    "    ElfW(Addr) bias = 0;",
    "    dl_iterate_phdr(first, &bias);",
    "    printf(\"%lx\\n\", (unsigned long)((ElfW(Addr))",
    "           __builtin_return_address(0) - bias));",
    "}",
    "void leaky_function(void)",
    "{",
    "    report(); /* CALL */",
    "}",
    "int main(void) { leaky_function(); return 0; }",
};

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
    char err[256];

    unsetenv("SHMCHECK_SYMBOLIZER");
    strcpy(fx.dir, "/tmp/shmc-symbolize-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(fx.fake, sizeof fx.fake, "%s/fake-symbolizer", fx.dir);
    snprintf(fx.oneshot, sizeof fx.oneshot, "%s/one-shot", fx.dir);
    snprintf(fx.sub, sizeof fx.sub, "%s/with space", fx.dir);
    put_file(fx.fake, fake_script, 0700);
    put_file(fx.oneshot, oneshot_script, 0700);
    fx.llvm = cli_symbolizer_start(NULL, err, sizeof err);
    *state = &fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    const char *const sides[] = {"", ".args", ".log", ".reply"};
    char path[160];

    cli_symbolizer_stop(fx->llvm);
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++)
        unlink(side(fx, sides[i]));
    unlink(fx->oneshot);
    snprintf(path, sizeof path, "%s/leaky.c", fx->sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/leaky", fx->sub);
    unlink(path);
    rmdir(fx->sub);
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

static void need_llvm(const struct fixture *fx)
{
    if (fx->llvm == NULL)
        skip();
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

struct where {
    uintptr_t pc, bias;
    const char *name;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct where *w = data;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && w->pc >= lo && w->pc < lo + ph->p_memsz) {
            w->bias = info->dlpi_addr;
            w->name = info->dlpi_name;
            return 1;
        }
    }
    return 0;
}

/* A frame for pc as the tracer records it: module path, pc - bias. */
static struct cli_frame frame_at(struct cli_run *run, uintptr_t pc)
{
    struct where w = {pc, 0, NULL};
    struct cli_frame f = {.pc = pc};
    char exe[PATH_MAX];
    ssize_t n;

    assert_int_equal(dl_iterate_phdr(find_object, &w), 1);
    if (w.name == NULL || w.name[0] == '\0') { /* the main program */
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        w.name = exe;
    }
    f.module = cli_run_strdup(run, w.name);
    f.offset = pc - w.bias;
    return f;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

static __attribute__((noinline)) uint64_t return_address(void)
{
    return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

/* Called through a volatile pointer: never inlined, never cloned. */
static uint64_t (*volatile get_pc)(void) = return_address;

static void test_own_call_site(void **state)
{
    struct fixture *fx = *state;
    need_llvm(fx);
    const int line = __LINE__ + 1;
    struct cli_frame f = frame_at(&fx->run, (uintptr_t)get_pc());

    assert_int_equal(cli_symbolize_frame(fx->llvm, &fx->run, &f), 0);

    assert_string_equal(f.function, "test_own_call_site");
    assert_string_equal(base_name(f.file), "test_cli_symbolize.c");
    assert_int_equal(f.line, line);
}

/* Writes, compiles and runs leaky.c; returns the line of the call and
 * sets *offset to what the program printed. Skips without a compiler. */
static int build_leaky(struct fixture *fx, char *src, size_t cap,
                       uint64_t *offset)
{
    const size_t nlines = sizeof leaky_src / sizeof leaky_src[0];
    char cmd[512], out[64] = "";
    int call = 0;
    FILE *fp;

    assert_true(mkdir(fx->sub, 0700) == 0 || access(fx->sub, F_OK) == 0);
    snprintf(src, cap, "%s/leaky.c", fx->sub);
    fp = fopen(src, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < nlines; i++) {
        fprintf(fp, "%s\n", leaky_src[i]);
        call = strstr(leaky_src[i], "CALL") ? (int)i + 1 : call;
    }
    assert_int_equal(fclose(fp), 0);
    snprintf(cmd, sizeof cmd, "cc -g -O0 -fPIE -pie -o '%s/leaky' '%s'",
             fx->sub, src);
    if (system(cmd) != 0)
        skip();
    snprintf(cmd, sizeof cmd, "'%s/leaky'", fx->sub);
    fp = popen(cmd, "r");
    assert_non_null(fp);
    assert_non_null(fgets(out, sizeof out, fp));
    assert_int_equal(pclose(fp), 0);
    *offset = strtoull(out, NULL, 16);
    return call;
}

static void test_compiled_pie_program(void **state)
{
    struct fixture *fx = *state;
    char src[160], exe[160];
    need_llvm(fx);
    struct cli_frame f = {0};
    int line = build_leaky(fx, src, sizeof src, &f.offset);
    snprintf(exe, sizeof exe, "%s/leaky", fx->sub);
    f.module = exe;

    assert_int_equal(cli_symbolize_frame(fx->llvm, &fx->run, &f), 0);

    assert_string_equal(f.function, "leaky_function");
    assert_string_equal(f.file, src);
    assert_int_equal(f.line, line);
}

static void test_missing_module(void **state)
{
    struct fixture *fx = *state;
    need_llvm(fx);
    struct cli_frame f = {.module = "/nonexistent/libnothing.so",
                          .offset = 0x1234};

    assert_int_equal(cli_symbolize_frame(fx->llvm, &fx->run, &f), 0);

    assert_null(f.function);
    assert_null(f.file);
    assert_int_equal(f.line, 0);
}

/* getpid's entry + 1, since the symbolizer is asked offset - 1. */
static void test_libc_function(void **state)
{
    struct fixture *fx = *state;
    need_llvm(fx);
    struct cli_frame f = frame_at(&fx->run, (uintptr_t)&getpid);
    f.offset += 1;

    assert_int_equal(cli_symbolize_frame(fx->llvm, &fx->run, &f), 0);

    assert_non_null(f.function);
    assert_non_null(strstr(f.function, "getpid"));
}

static void add_finding(struct cli_run *run, const struct cli_frame *frames,
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
    add_finding(&fx->run, x, 2);
    add_finding(&fx->run, y, 2);

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
    add_finding(&fx->run, &f, 1);

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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_own_call_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compiled_pie_program, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_module, setup, teardown),
        cmocka_unit_test_setup_teardown(test_libc_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_asks_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_symbolizer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_symbolizer_exits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symbolizer_dies_midway, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
