/*
 * test_symbolize.c - cli_symbolize_frame (src/cli/symbolize.c, in process
 * with libdw): a return address taken in this PIE test, and one printed by
 * a PIE program compiled here (in a directory whose name has a space),
 * symbolize to the calling function, its file and the line of the call;
 * a call inside an inlined function is named by that function, with the
 * line of the call in it; in the C library (a module named libc.so*),
 * the functions of its start (below main) are named without a line even
 * where their DWARF is there, elsewhere such a name is any function's;
 * unknown modules give NULL; a libc function is named. Once per distinct frame:
 * test_symbolize_cache.c; stripped programs and separate debug files:
 * test_symbolize_debug.c.
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
    char dir[64], sub[96];
    struct cli_symbolizer *s;
    struct cli_run run;
};

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
    "static inline __attribute__((always_inline)) void inlined_helper(void)",
    "{",
    "    report(); /* INLINED */",
    "}",
    "void calls_inlined(void) { inlined_helper(); }",
    "void __libc_start_call_main(void);",
    "void __libc_start_call_main(void) { report(); /* BELOW */ }",
    "int main(void)",
    "{ leaky_function(); calls_inlined(); __libc_start_call_main(); }",
};

/* What the compiled program printed and where its calls are. */
struct leaky {
    char src[160], exe[160];
    uint64_t offset[3]; /* the call in leaky_function, the inlined one,
                           the one named as if below main */
    int line[3];
};

static int group_setup(void **state)
{
    static struct fixture fx;
    char err[256];

    unsetenv("SHMCHECK_DEBUG_DIR");
    strcpy(fx.dir, "/tmp/shmc-symbolize-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(fx.sub, sizeof fx.sub, "%s/with space", fx.dir);
    fx.s = cli_symbolizer_start(err, sizeof err);
    *state = &fx;
    return fx.s != NULL ? 0 : -1;
}

/* The files the tests write: the source and each build of it. */
static const char *const written[] = {"leaky.c",      "leaky",
                                      "leaky-fixed",  "libc.so.below",
                                      "libc-9.99.so", "libc.so.nodebug"};

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    char path[160];

    cli_symbolizer_stop(fx->s);
    for (size_t i = 0; i < sizeof written / sizeof *written; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->sub, written[i]);
        unlink(path);
    }
    rmdir(fx->sub);
    return rmdir(fx->dir);
}

static int setup(void **state)
{
    struct fixture *fx = *state;
    memset(&fx->run, 0, sizeof fx->run);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    cli_run_free(&fx->run);
    return 0;
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
    const int line = __LINE__ + 1;
    struct cli_frame f = frame_at(&fx->run, (uintptr_t)get_pc());

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);

    assert_string_equal(f.function, "test_own_call_site");
    assert_string_equal(base_name(f.file), "test_symbolize.c");
    assert_int_equal(f.line, line);
}

/* Writes leaky.c, compiles it with flags and runs it. Skips without a
 * compiler. */
static void build_leaky(struct fixture *fx, const char *name, const char *flags,
                        struct leaky *l)
{
    const size_t nlines = sizeof leaky_src / sizeof leaky_src[0];
    char cmd[512], out[64] = "";
    FILE *fp;

    assert_true(mkdir(fx->sub, 0700) == 0 || access(fx->sub, F_OK) == 0);
    snprintf(l->src, sizeof l->src, "%s/leaky.c", fx->sub);
    snprintf(l->exe, sizeof l->exe, "%s/%s", fx->sub, name);
    fp = fopen(l->src, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < nlines; i++) {
        fprintf(fp, "%s\n", leaky_src[i]);
        if (strstr(leaky_src[i], "CALL") || strstr(leaky_src[i], "INLINED"))
            l->line[strstr(leaky_src[i], "INLINED") != NULL] = (int)i + 1;
        if (strstr(leaky_src[i], "BELOW"))
            l->line[2] = (int)i + 1;
    }
    assert_int_equal(fclose(fp), 0);
    snprintf(cmd, sizeof cmd, "cc -g -O0 %s -o '%s' '%s'", flags, l->exe,
             l->src);
    if (system(cmd) != 0)
        skip();
    snprintf(cmd, sizeof cmd, "'%s'", l->exe);
    fp = popen(cmd, "r");
    assert_non_null(fp);
    for (int i = 0; i < 3; i++) {
        assert_non_null(fgets(out, sizeof out, fp));
        l->offset[i] = strtoull(out, NULL, 16);
    }
    assert_int_equal(pclose(fp), 0);
}

/* Each build its own name: the symbolizer keeps a module it has read. */
static void check_leaky(struct fixture *fx, const char *name, const char *flags)
{
    struct leaky l;
    build_leaky(fx, name, flags, &l);
    struct cli_frame f = {.module = l.exe, .offset = l.offset[0]};
    struct cli_frame g = {.module = l.exe, .offset = l.offset[1]};
    struct cli_frame b = {.module = l.exe, .offset = l.offset[2]};

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);
    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &g), 0);
    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &b), 0);

    assert_string_equal(f.function, "leaky_function");
    assert_string_equal(f.file, l.src);
    assert_int_equal(f.line, l.line[0]);
    /* The innermost function, inlined, and the line of the call in it. */
    assert_string_equal(g.function, "inlined_helper");
    assert_string_equal(g.file, l.src);
    assert_int_equal(g.line, l.line[1]);
    /* Not the C library: a function like any other, with its line. */
    assert_string_equal(b.function, "__libc_start_call_main");
    assert_string_equal(b.file, l.src);
    assert_int_equal(b.line, l.line[2]);
}

static void test_compiled_pie_program(void **state)
{
    check_leaky(*state, "leaky", "-fPIE -pie");
}

/* A fixed-address executable: its offsets are its addresses. */
static void test_compiled_fixed_program(void **state)
{
    check_leaky(*state, "leaky-fixed", "-fno-PIE -no-pie");
}

/* The same program named as the C library is (libc.so.6, or libc-2.NN.so
 * of older layouts): the function of its start is named from the symbol
 * table, its line not looked up; the other functions keep theirs. */
static void check_below_main(struct fixture *fx, const char *name)
{
    struct leaky l;
    build_leaky(fx, name, "-fPIE -pie", &l);
    struct cli_frame f = {.module = l.exe, .offset = l.offset[0]};
    struct cli_frame b = {.module = l.exe, .offset = l.offset[2]};

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);
    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &b), 0);

    assert_string_equal(f.function, "leaky_function");
    assert_int_equal(f.line, l.line[0]);
    assert_string_equal(b.function, "__libc_start_call_main");
    assert_null(b.file);
    assert_int_equal(b.line, 0);
}

static void test_below_main_in_libc(void **state)
{
    check_below_main(*state, "libc.so.below");
    check_below_main(*state, "libc-9.99.so");
}

/* A C library without debug information: its functions are named from
 * the symbol table, looked up first there. */
static void test_libc_without_dwarf(void **state)
{
    struct fixture *fx = *state;
    struct leaky l;
    build_leaky(fx, "libc.so.nodebug", "-g0 -fPIE -pie", &l);
    struct cli_frame f = {.module = l.exe, .offset = l.offset[0]};

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);

    assert_string_equal(f.function, "leaky_function");
    assert_null(f.file);
    assert_int_equal(f.line, 0);
}

static void test_missing_module(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = {.module = "/nonexistent/libnothing.so",
                          .offset = 0x1234};

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);

    assert_null(f.function);
    assert_null(f.file);
    assert_int_equal(f.line, 0);
}

/* getpid's entry + 1, since the symbolizer is asked offset - 1. */
static void test_libc_function(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = frame_at(&fx->run, (uintptr_t)&getpid);
    f.offset += 1;

    assert_int_equal(cli_symbolize_frame(fx->s, &fx->run, &f), 0);

    assert_non_null(f.function);
    assert_non_null(strstr(f.function, "getpid"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_own_call_site),          T(test_compiled_pie_program),
        T(test_compiled_fixed_program), T(test_below_main_in_libc),
        T(test_libc_without_dwarf),     T(test_missing_module),
        T(test_libc_function),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
