/*
 * test_symbolize_debug.c - where the symbolizer (src/cli/symbolize.c,
 * symbolize_dwfl.c) finds debug information for a program compiled here:
 * a stripped program whose debug file is under the debug directory by
 * build-id ($SHMCHECK_DEBUG_DIR/.build-id/xx/yyyy.debug) is reported with
 * function, file and line; without it, the function comes from the
 * symbol table (.dynsym: an exported function only) and there is no line;
 * with only debug sections stripped, every function has its name from
 * .symtab; a debug file beside the program (its .gnu_debuglink) is not
 * read, since another user may own that directory; a FIFO or a directory
 * at a module's path gives nothing, without blocking, and a module
 * truncated while it is read gives nothing more; a relative debug
 * directory, or one with ':', is refused; libdebuginfod is
 * loaded only when DEBUGINFOD_URLS is set. Skips without cc,
 * objcopy, strip or readelf.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findings.h"
#include "fixtures.h"
#include "symbolize.h"

static const char prog_src[] =
    "#define _GNU_SOURCE\n"
    "#include <link.h>\n"
    "#include <stdio.h>\n"
    "static int first(struct dl_phdr_info *i, size_t n, void *bias)\n"
    "{ (void)n; *(ElfW(Addr) *)bias = i->dlpi_addr; return 1; }\n"
    "__attribute__((noinline)) static void report(void)\n"
    "{\n"
    "    ElfW(Addr) bias = 0;\n"
    "    dl_iterate_phdr(first, &bias);\n"
    "    printf(\"%lx\\n\", (unsigned long)((ElfW(Addr))\n"
    "           __builtin_return_address(0) - bias));\n"
    "}\n"
    "__attribute__((noinline)) void exported_caller(void)\n"
    "{\n"
    "    report();\n" /* line 15 */
    "}\n"
    "__attribute__((noinline)) static void hidden_caller(void)\n"
    "{\n"
    "    report();\n" /* line 19 */
    "}\n"
    "int main(void) { exported_caller(); hidden_caller(); return 0; }\n";
#define EXPORTED_LINE 15
#define HIDDEN_LINE 19

/* Builds full (with -g), its debug file by build-id under debug/, and
 * stripped copies: stripped (everything), symtab (debug sections only),
 * linked (everything, with a .gnu_debuglink to full.debug beside it). */
static const char build_script[] =
    "set -e; cd \"$1\"\n"
    "cc -g -O0 -fPIE -pie -rdynamic -Wl,--build-id -o full prog.c\n"
    "./full >offsets\n"
    "readelf -h full | sed -n 's/.*Entry point address: *//p' >>offsets\n"
    "objcopy --only-keep-debug full full.debug\n"
    "id=$(readelf -n full | sed -n 's/^ *Build ID: *//p')\n"
    "head=$(printf %s \"$id\" | cut -c1-2); rest=$(printf %s \"$id\" | "
    "cut -c3-)\n"
    "mkdir -p empty debug/.build-id/$head\n"
    "cp full.debug debug/.build-id/$head/$rest.debug\n"
    "strip --strip-all -o stripped full\n"
    "strip --strip-debug -o symtab full\n"
    "cp stripped linked; objcopy --add-gnu-debuglink=full.debug linked\n"
    "mkfifo fifo\n";

static struct {
    char dir[64], src[96];
    uint64_t exported, hidden; /* the offsets of the two calls */
    uint64_t entry;            /* _start's, which has no DWARF */
    int built;                 /* 1 built, -1 could not be */
} g;

static int group_setup(void **state)
{
    (void)state;
    unsetenv("DEBUGINFOD_URLS"); /* never a download in a test */
    mk_dir(g.dir, sizeof g.dir);
    path_in(g.dir, "prog.c", g.src, sizeof g.src);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unsetenv("SHMCHECK_DEBUG_DIR");
    rm_dir(g.dir);
    return 0;
}

/* Builds the programs once; skips the test when they cannot be. */
static void need_programs(void)
{
    char script[128], cmd[256], offsets[128];
    FILE *fp;

    if (g.built == 0) {
        g.built = -1;
        put_file(g.src, prog_src, 0600);
        path_in(g.dir, "build.sh", script, sizeof script);
        put_file(script, build_script, 0700);
        snprintf(cmd, sizeof cmd, "sh '%s' '%s' >/dev/null 2>&1", script,
                 g.dir);
        path_in(g.dir, "offsets", offsets, sizeof offsets);
        if (system(cmd) == 0 && (fp = fopen(offsets, "r")) != NULL) {
            if (fscanf(fp, "%" SCNx64 " %" SCNx64 " %" SCNx64, &g.exported,
                       &g.hidden, &g.entry) == 3)
                g.built = 1;
            fclose(fp);
        }
    }
    if (g.built != 1)
        skip();
}

/* Symbolizes both calls of the program name with debug_dir (NULL:
 * $SHMCHECK_DEBUG_DIR unset). */
static void symbolize(const char *name, const char *debug_dir,
                      struct cli_run *run, struct cli_frame f[2])
{
    char module[128], dir[128], err[128];
    struct cli_symbolizer *s;

    need_programs();
    path_in(g.dir, name, module, sizeof module);
    f[0] =
        (struct cli_frame){.module = intern(run, module), .offset = g.exported};
    f[1] = (struct cli_frame){.module = f[0].module, .offset = g.hidden};
    if (debug_dir != NULL) {
        path_in(g.dir, debug_dir, dir, sizeof dir);
        setenv("SHMCHECK_DEBUG_DIR", dir, 1);
    } else {
        unsetenv("SHMCHECK_DEBUG_DIR");
    }
    s = cli_symbolizer_start(err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cli_symbolize_frame(s, run, &f[0]), 0);
    assert_int_equal(cli_symbolize_frame(s, run, &f[1]), 0);
    cli_symbolizer_stop(s);
}

static void assert_frame(const struct cli_frame *f, const char *function,
                         const char *file, int line)
{
    if (function == NULL)
        assert_null(f->function);
    else
        assert_string_equal(f->function, function);
    if (file == NULL)
        assert_null(f->file);
    else
        assert_string_equal(f->file, file);
    assert_int_equal(f->line, line);
}

static void test_debug_file_by_build_id(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2];
    (void)state;

    symbolize("stripped", "debug", &run, f);

    assert_frame(&f[0], "exported_caller", g.src, EXPORTED_LINE);
    assert_frame(&f[1], "hidden_caller", g.src, HIDDEN_LINE);
    cli_run_free(&run);
}

/* The same with no debug file: .dynsym names the exported function only.
 * The default directory (/usr/lib/debug) has none for it either. */
static void test_no_debug_information(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2], d[2];
    (void)state;

    symbolize("stripped", "empty", &run, f);
    symbolize("stripped", NULL, &run, d);

    assert_frame(&f[0], "exported_caller", NULL, 0);
    assert_frame(&f[1], NULL, NULL, 0);
    assert_frame(&d[0], "exported_caller", NULL, 0);
    assert_frame(&d[1], NULL, NULL, 0);
    cli_run_free(&run);
}

static void test_symbol_table_only(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2];
    (void)state;

    symbolize("symtab", "empty", &run, f);

    assert_frame(&f[0], "exported_caller", NULL, 0);
    assert_frame(&f[1], "hidden_caller", NULL, 0);
    cli_run_free(&run);
}

/* full.debug beside the program, which names it: not read. */
static void test_program_directory_not_searched(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2];
    (void)state;

    symbolize("linked", "empty", &run, f);

    assert_frame(&f[0], "exported_caller", NULL, 0);
    assert_frame(&f[1], NULL, NULL, 0);
    cli_run_free(&run);
}

/* A debug directory libdwfl would take as relative to each module's
 * directory, or as several: refused, with a message the report shows. */
static void test_debug_dir_refused(void **state)
{
    const char *const bad[] = {"debug", "./debug", "/usr/lib/debug:.debug",
                               ":/usr/lib/debug"};
    char err[160];
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(err, "unchanged");
        setenv("SHMCHECK_DEBUG_DIR", bad[i], 1);
        assert_null(cli_symbolizer_start(err, sizeof err));
        assert_string_equal(err, "cannot start the symbolizer: "
                                 "SHMCHECK_DEBUG_DIR is not an absolute path "
                                 "without ':'");
    }
    setenv("SHMCHECK_DEBUG_DIR", "", 1); /* empty: the default */
    struct cli_symbolizer *s = cli_symbolizer_start(err, sizeof err);
    assert_non_null(s);
    cli_symbolizer_stop(s);
    unsetenv("SHMCHECK_DEBUG_DIR");
}

/* Whether libdebuginfod is loaded in this process. */
static int debuginfod_loaded(void)
{
    void *h = dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (h != NULL)
        dlclose(h);
    return h != NULL;
}

/* Without DEBUGINFOD_URLS, libdebuginfod (and the network libraries it
 * loads, tens of milliseconds) is never loaded; with it, it is asked, here
 * a server that refuses the connection. Runs after the tests above, which
 * looked for debug files that were not there. */
static void test_debuginfod_only_when_set(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2];
    char cache[128];
    (void)state;

    symbolize("stripped", "empty", &run, f);
    assert_false(debuginfod_loaded());

    path_in(g.dir, "cache", cache, sizeof cache);
    setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
    setenv("DEBUGINFOD_TIMEOUT", "5", 1);
    setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9/", 1);
    symbolize("stripped", "empty", &run, f);
    unsetenv("DEBUGINFOD_URLS");

    assert_frame(&f[0], "exported_caller", NULL, 0);
    if (!debuginfod_loaded()) { /* fine only where it is not installed */
        void *h = dlopen("libdebuginfod.so.1", RTLD_LAZY);
        assert_null(h);
        cli_run_free(&run);
        skip();
    }
    cli_run_free(&run);
}

/* A module another user truncates while it is read: the symbolizer reads
 * it (pread), never maps it, so what is left unread gives nothing, where
 * a mapping would raise SIGBUS and kill the CLI. _start has no DWARF: its
 * name needs .symtab, read only then. */
static void test_truncated_module(void **state)
{
    char full[128], copy[128], cmd[300], err[128];
    struct cli_run run = {0};
    (void)state;
    need_programs();
    path_in(g.dir, "full", full, sizeof full);
    path_in(g.dir, "truncated", copy, sizeof copy);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", full, copy);
    assert_int_equal(system(cmd), 0);
    struct cli_frame f = {.module = copy, .offset = g.exported};
    struct cli_frame e = {.module = copy, .offset = g.entry + 1};
    struct cli_frame s = {.module = full, .offset = g.entry + 1};
    unsetenv("SHMCHECK_DEBUG_DIR");
    struct cli_symbolizer *sym = cli_symbolizer_start(err, sizeof err);
    assert_non_null(sym);

    assert_int_equal(cli_symbolize_frame(sym, &run, &f), 0);
    assert_int_equal(truncate(copy, 0), 0);
    assert_int_equal(cli_symbolize_frame(sym, &run, &e), 0);
    assert_int_equal(cli_symbolize_frame(sym, &run, &s), 0);
    cli_symbolizer_stop(sym);

    assert_frame(&f, "exported_caller", g.src, EXPORTED_LINE);
    assert_frame(&e, NULL, NULL, 0);
    assert_frame(&s, "_start", NULL, 0); /* untruncated: named */
    cli_run_free(&run);
}

/* Opening a FIFO for reading would wait for a writer: never done. */
static void test_not_a_regular_file(void **state)
{
    struct cli_run run = {0};
    struct cli_frame f[2], d[2];
    (void)state;

    symbolize("fifo", "debug", &run, f);
    symbolize("debug", "debug", &run, d);

    assert_frame(&f[0], NULL, NULL, 0);
    assert_frame(&d[0], NULL, NULL, 0);
    cli_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug_file_by_build_id),
        cmocka_unit_test(test_no_debug_information),
        cmocka_unit_test(test_symbol_table_only),
        cmocka_unit_test(test_program_directory_not_searched),
        cmocka_unit_test(test_not_a_regular_file),
        cmocka_unit_test(test_truncated_module),
        cmocka_unit_test(test_debug_dir_refused),
        cmocka_unit_test(test_debuginfod_only_when_set),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
