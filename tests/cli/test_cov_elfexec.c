/*
 * test_cov_elfexec.c - the limits of the DT_NEEDED reader
 * (src/cli/elfdeps.c): a dynamic section read no further than its size or
 * than its first entries, no more needed names looked at than it keeps, a
 * string table no PT_LOAD maps, a byte order not ours; the ASan setting
 * made for a program that needs the ASan runtime (src/cli/exec.c); and
 * the PATH search of the program the tree starts: a directory too long to
 * hold the name passed over, an entry that is a file (ENOTDIR) passed
 * over, a file the kernel refuses to run (ENOEXEC) reported, a name
 * longer than a file name can be refused.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "elfdeps.h"
#include "exec.h"

/* Header and two program headers, the string table at STR_OFF, the
 * dynamic section at DYN_OFF with room for NDYN entries; the PT_LOAD maps
 * the file from address 0. */
#define STR_OFF 256
#define DYN_OFF 512
#define NDYN 600
#define SIZE (DYN_OFF + NDYN * sizeof(ElfW(Dyn)))
#define STRINGS "\0libc.so.6\0libasan.so.8"
#define LIBC 1
#define LIBASAN 11

static unsigned char image[SIZE];
static char dir[] = "/tmp/shmc-covXXXXXX";

static ElfW(Ehdr) * eh(void)
{
    return (void *)image;
}
static ElfW(Phdr) * ph(void)
{
    return (void *)(image + sizeof(ElfW(Ehdr)));
}
static ElfW(Dyn) * dyn(void)
{
    return (void *)(image + DYN_OFF);
}

/* The image with n dynamic entries: DT_STRTAB, DT_STRSZ, then DT_DEBUG
 * fillers (callers put DT_NEEDED where they want); no DT_NULL. */
static void make(size_t n)
{
    memset(image, 0, sizeof image);
    memcpy(eh()->e_ident, ELFMAG, SELFMAG);
    eh()->e_ident[EI_CLASS] = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
    eh()->e_ident[EI_DATA] = ELFDATA2LSB;
    eh()->e_phoff = sizeof(ElfW(Ehdr));
    eh()->e_phentsize = sizeof(ElfW(Phdr));
    eh()->e_phnum = 2;
    ph()[0] = (ElfW(Phdr)){.p_type = PT_LOAD, .p_filesz = SIZE};
    ph()[1] = (ElfW(Phdr)){.p_type = PT_DYNAMIC,
                           .p_offset = DYN_OFF,
                           .p_filesz = n * sizeof(ElfW(Dyn))};
    dyn()[0] = (ElfW(Dyn)){DT_STRTAB, {STR_OFF}};
    dyn()[1] = (ElfW(Dyn)){DT_STRSZ, {sizeof STRINGS}};
    for (size_t i = 2; i < NDYN; i++)
        dyn()[i] = (ElfW(Dyn)){DT_DEBUG, {0}};
    memcpy(image + STR_OFF, STRINGS, sizeof STRINGS);
}

/* The image written to a file in dir, mode mode: its path (static). */
static const char *save(mode_t mode)
{
    static char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s/prog", dir);
    unlink(path);
    assert_non_null(f = fopen(path, "w"));
    assert_int_equal(fwrite(image, 1, sizeof image, f), sizeof image);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static int needs(void)
{
    return cli_elf_needs_asan(save(0600));
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[64];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* The section's size ends the reading where no DT_NULL does. */
static void test_section_size(void **state)
{
    (void)state;
    make(3);
    dyn()[3] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 0);
    make(4);
    dyn()[3] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 1);
}

/* Only the first 512 entries are read, however big the section says it
 * is: a DT_NEEDED past them is not seen. */
static void test_entries_read(void **state)
{
    (void)state;
    make(NDYN);
    dyn()[511] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 1);
    make(NDYN);
    dyn()[512] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 0);
}

/* Only the first 64 needed names are looked at. */
static void test_needed_kept(void **state)
{
    (void)state;
    make(NDYN);
    for (size_t i = 0; i < 63; i++)
        dyn()[2 + i] = (ElfW(Dyn)){DT_NEEDED, {LIBC}};
    dyn()[65] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 1);
    dyn()[65] = (ElfW(Dyn)){DT_NEEDED, {LIBC}};
    dyn()[66] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 0);
}

/* A string table below every PT_LOAD, a name past the end of the file,
 * another byte order. */
static void test_odd_tables(void **state)
{
    (void)state;
    make(3);
    dyn()[2] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    ph()[0].p_vaddr = 0x10000;
    errno = 0;
    assert_int_equal(needs(), -1);
    assert_int_equal(errno, EINVAL);
    make(4);
    dyn()[1] = (ElfW(Dyn)){DT_STRSZ, {(ElfW(Xword)) - 1}};
    dyn()[2] = (ElfW(Dyn)){DT_NEEDED, {1u << 20}}; /* nothing there */
    dyn()[3] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    assert_int_equal(needs(), 1);
    make(3);
    dyn()[2] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    eh()->e_ident[EI_DATA] = ELFDATA2MSB;
    errno = 0;
    assert_int_equal(needs(), -1);
    assert_int_equal(errno, ENOEXEC);
}

/* ASAN_OPTIONS for a program that needs the ASan runtime: the caller's
 * options kept, the link order check off; left alone when the caller
 * decided it, none for a program that does not need the runtime. */
static void test_asan_setting(void **state)
{
    const char *path;
    char *s;

    (void)state;
    make(3);
    dyn()[2] = (ElfW(Dyn)){DT_NEEDED, {LIBASAN}};
    path = save(0700);
    assert_non_null(s = cli_asan_setting(path, NULL));
    assert_string_equal(s, "ASAN_OPTIONS=verify_asan_link_order=0");
    free(s);
    assert_non_null(s = cli_asan_setting(path, ""));
    assert_string_equal(s, "ASAN_OPTIONS=verify_asan_link_order=0");
    free(s);
    assert_non_null(s = cli_asan_setting(path, "detect_leaks=0"));
    assert_string_equal(s,
                        "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0");
    free(s);
    assert_null(cli_asan_setting(path, "verify_asan_link_order=1"));
    dyn()[2] = (ElfW(Dyn)){DT_NEEDED, {LIBC}};
    assert_null(cli_asan_setting(save(0700), "detect_leaks=0"));
}

/* cli_exec_which: a directory too long to hold the name is passed over,
 * as are a directory, a file we may not run and a path longer than the
 * caller's buffer. */
static void test_which(void **state)
{
    char path[PATH_MAX * 2], out[PATH_MAX], sub[PATH_MAX];

    (void)state;
    make(0);
    save(0600); /* dir/prog, not executable */
    memset(path, 'a', PATH_MAX);
    snprintf(path + PATH_MAX, sizeof path - PATH_MAX, ":%s", dir);
    assert_int_equal(cli_exec_which("prog", path, out, sizeof out), -1);
    assert_int_equal(chmod(save(0700), 0700), 0);
    assert_int_equal(cli_exec_which("prog", path, out, sizeof out), 0);
    snprintf(sub, sizeof sub, "%s/prog", dir);
    assert_string_equal(out, sub);
    assert_int_equal(cli_exec_which("prog", dir, out, 4), -1); /* no room */
    snprintf(sub, sizeof sub, "%s/d", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(cli_exec_which("d", dir, out, sizeof out), -1);
    assert_int_equal(rmdir(sub), 0);
}

/* cli_exec in a child: its errno as the exit status, or the program's. */
static int exec_status(const char *prog, const char *path)
{
    char *argv[] = {(char *)prog, NULL}, *env[] = {NULL};
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        cli_exec(argv, env, path);
        int e = errno;
        SHMC_COVERAGE_FLUSH();
        _exit(100 + e);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* An entry of PATH that is a file is passed over (ENOTDIR), as execvp
 * does; a file the kernel will not run stops the search with ENOEXEC; a
 * name longer than NAME_MAX is ENAMETOOLONG before any search. */
static void test_exec_search(void **state)
{
    char path[PATH_MAX], name[NAME_MAX + 2];

    (void)state;
    /* ENOTDIR passed over: the search ends with ENOENT, not ENOTDIR. */
    assert_int_equal(exec_status("true", "/etc/passwd:/nonexistent"),
                     100 + ENOENT);
    snprintf(path, sizeof path, "/etc/passwd:%s", CLI_DEFAULT_PATH);
    assert_int_equal(exec_status("true", path), 0);
    memset(image, '#', sizeof image); /* no ELF, no "#!" either */
    save(0700);
    assert_int_equal(exec_status("prog", dir), 100 + ENOEXEC);
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    assert_int_equal(exec_status(name, CLI_DEFAULT_PATH), 100 + ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section_size),
        cmocka_unit_test(test_entries_read),
        cmocka_unit_test(test_needed_kept),
        cmocka_unit_test(test_odd_tables),
        cmocka_unit_test(test_asan_setting),
        cmocka_unit_test(test_which),
        cmocka_unit_test(test_exec_search),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
