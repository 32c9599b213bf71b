/*
 * test_cov3_dwfl.c - modules the symbolizer's libdwfl layer
 * (src/cli/symbolize_dwfl.c) cannot use, made byte by byte: a file that
 * is no ELF, an ELF without program headers, one whose only loadable
 * segment is empty, and ELF files with loadable segments but nothing to
 * name; each gives no function, file or line, and a session that looks up
 * many modules, one after another and again, still answers. And the
 * symbolizer (src/cli/symbolize.c) refusing its debug directory with no
 * room for a message, and a frame at offset 0 of a module.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "journal/settings.h"
#include "symbolize.h"
#include "symbolize_dwfl.h"

/* LeakSanitizer (the ASan build) faults while it scans the dynamic TLS
 * of libdw, loaded by dlopen, once these files went through it: its roots
 * there are libdw's own state, no allocation of the test, so the scan of
 * thread-local storage is left out. Unused in the other builds. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "use_tls=0";
}

/* An ELF64 executable of this host with the program headers ph (n). */
static void put_elf(const char *dir, const char *name, const Elf64_Phdr *ph,
                    unsigned n)
{
    unsigned char buf[sizeof(Elf64_Ehdr) + 8 * sizeof(Elf64_Phdr)] = {0};
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                    ELFDATA2LSB,
#else
                    ELFDATA2MSB,
#endif
                    EV_CURRENT},
        .e_type = ET_DYN,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_phoff = n ? sizeof eh : 0,
        .e_ehsize = sizeof eh,
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = (Elf64_Half)n,
    };

    assert_true(n <= 8);
    memcpy(buf, &eh, sizeof eh);
    if (n > 0) /* ph may be NULL */
        memcpy(buf + sizeof eh, ph, n * sizeof *ph);
    put_bytes(dir, name, buf, sizeof eh + n * sizeof *ph);
}

/* The answer for vaddr in dir/name: asserted empty. */
static void assert_nothing(struct cli_dwfl *d, const char *dir,
                           const char *name, uint64_t vaddr)
{
    struct cli_dwfl_answer a = {"x", "y", 1};
    char path[128];

    path_in(dir, name, path, sizeof path);
    cli_dwfl_lookup(d, path, vaddr, &a);
    assert_null(a.function);
    assert_null(a.file);
    assert_int_equal(a.line, 0);
}

static void test_unusable_modules(void **state)
{
    static const Elf64_Phdr empty[] = {
        {.p_type = PT_LOAD, .p_vaddr = 0x1000, .p_memsz = 0, .p_align = 1}};
    static const Elf64_Phdr loads[] = {
        {.p_type = PT_NOTE, .p_vaddr = 0x200, .p_memsz = 0x10},
        {.p_type = PT_LOAD,
         .p_vaddr = 0x1010,
         .p_memsz = 0x100,
         .p_align = 0x1000},
        {.p_type = PT_LOAD,
         .p_vaddr = 0x2000,
         .p_memsz = 0x100,
         .p_align = 0x1000}};
    static const Elf64_Phdr unaligned[] = {
        {.p_type = PT_LOAD, .p_vaddr = 0x1010, .p_memsz = 0x100, .p_align = 0}};
    char dir[64];
    struct cli_dwfl *d;

    (void)state;
    assert_true(cli_dwfl_load());
    mk_dir(dir, sizeof dir);
    put_bytes(dir, "text", "not an ELF file\n", 16);
    put_bytes(dir, "archive", "!<arch>\n", 8);
    put_elf(dir, "nophdr", NULL, 0);
    put_elf(dir, "empty", empty, 1);
    put_elf(dir, "loads", loads, 3);
    put_elf(dir, "unaligned", unaligned, 1);
    assert_non_null(d = cli_dwfl_open(dir));
    assert_nothing(d, dir, "text", 0x10);
    assert_nothing(d, dir, "archive", 0x10);
    assert_nothing(d, dir, "nophdr", 0x10);
    assert_nothing(d, dir, "empty", 0x1000);
    assert_nothing(d, dir, "loads", 0x1020);
    assert_nothing(d, dir, "unaligned", 0x1020);
    assert_nothing(d, dir, "missing", 0x10);
    /* Again, in another order: each module is found among the others. */
    assert_nothing(d, dir, "loads", 0x2010);
    assert_nothing(d, dir, "text", 0x10);
    assert_nothing(d, dir, "loads", 0x2010);
    cli_dwfl_close(d);
    rm_dir(dir);
}

/* More modules than the first table holds, looked up again after. */
static void test_many_modules(void **state)
{
    char dir[64], name[16];
    struct cli_dwfl *d;

    (void)state;
    assert_true(cli_dwfl_load());
    mk_dir(dir, sizeof dir);
    assert_non_null(d = cli_dwfl_open(NULL));
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 20; i++) {
            snprintf(name, sizeof name, "m%d", i);
            if (round == 0)
                put_bytes(dir, name, "no ELF", 6);
            assert_nothing(d, dir, name, (uint64_t)i);
        }
    cli_dwfl_close(d);
    cli_dwfl_close(NULL);
    rm_dir(dir);
}

/* An empty DEBUGINFOD_URLS is no server: the build-id search alone. */
static void test_empty_debuginfod_urls(void **state)
{
    static const Elf64_Phdr loads[] = {
        {.p_type = PT_LOAD, .p_vaddr = 0, .p_memsz = 0x100, .p_align = 0x1000}};
    char dir[64];
    struct cli_dwfl *d;

    (void)state;
    assert_true(cli_dwfl_load());
    mk_dir(dir, sizeof dir);
    put_elf(dir, "loads", loads, 1);
    assert_int_equal(setenv("DEBUGINFOD_URLS", "", 1), 0);
    assert_non_null(d = cli_dwfl_open(dir));
    assert_nothing(d, dir, "loads", 0x10);
    cli_dwfl_close(d);
    unsetenv("DEBUGINFOD_URLS");
    rm_dir(dir);
}

/* No room for the message: refused all the same. */
static void test_refused_without_message(void **state)
{
    char err[4] = "abc";

    (void)state;
    assert_int_equal(setenv(SHMC_CLI_DEBUG_DIR, "relative", 1), 0);
    assert_null(cli_symbolizer_start(err, 0));
    assert_string_equal(err, "abc");
    unsetenv(SHMC_CLI_DEBUG_DIR);
}

/* Offset 0 is looked up as 0 (not the byte before, as a return address):
 * a module that is no ELF names nothing there. */
static void test_frame_at_offset_zero(void **state)
{
    struct cli_run run = {0};
    struct cli_symbolizer *s;
    char dir[64], path[128];
    struct cli_frame f = {0x10, NULL, 0, "old", "old.c", 3};

    (void)state;
    mk_dir(dir, sizeof dir);
    put_bytes(dir, "text", "no ELF", 6);
    path_in(dir, "text", path, sizeof path);
    f.module = path;
    assert_non_null(s = cli_symbolizer_start(NULL, 0));
    assert_int_equal(cli_symbolize_frame(s, &run, &f), 0);
    assert_null(f.function);
    assert_null(f.file);
    assert_int_equal(f.line, 0);
    assert_int_equal(cli_symbolizer_lookups(s), 1);
    cli_symbolizer_stop(s);
    cli_run_free(&run);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unusable_modules),
        cmocka_unit_test(test_many_modules),
        cmocka_unit_test(test_empty_debuginfod_urls),
        cmocka_unit_test(test_refused_without_message),
        cmocka_unit_test(test_frame_at_offset_zero),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
