/*
 * test_elfdeps.c - the program's DT_NEEDED names (src/cli/elfdeps.c),
 * read from files built here: the shared ASan runtime of gcc and of clang
 * is found, other libraries and static programs need nothing; a file that
 * is not an ELF file of this machine is refused with ENOEXEC, a damaged
 * one with EINVAL, and offsets that point anywhere (past the file, past
 * the string table, near the top of the address space) read nothing
 * outside the file.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"

/* The image: header, PT_LOAD and PT_DYNAMIC, the dynamic section at
 * DYN_OFF, the string table at STR_OFF (its address is the same: the
 * PT_LOAD maps the file from address 0). */
#define DYN_OFF 256
#define STR_OFF 512
#define IMAGE 640
#define STRINGS "\0libc.so.6\0libasan.so.8\0libclang_rt.asan-x86_64.so"
#define LIBC 1
#define LIBASAN 11
#define LIBCLANG 24

struct image {
    unsigned char b[IMAGE];
    ElfW(Ehdr) * eh;
    ElfW(Phdr) * ph;
    ElfW(Dyn) * dyn;
};

static void make(struct image *im, const ElfW(Xword) * needed, size_t n)
{
    memset(im->b, 0, sizeof im->b);
    im->eh = (void *)im->b;
    im->ph = (void *)(im->b + sizeof *im->eh);
    im->dyn = (void *)(im->b + DYN_OFF);
    memcpy(im->eh->e_ident, ELFMAG, SELFMAG);
    im->eh->e_ident[EI_CLASS] = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
    im->eh->e_ident[EI_DATA] = ELFDATA2LSB;
    im->eh->e_ident[EI_VERSION] = EV_CURRENT;
    im->eh->e_phoff = sizeof *im->eh;
    im->eh->e_phentsize = sizeof *im->ph;
    im->eh->e_phnum = 2;
    im->ph[0] = (ElfW(Phdr)){.p_type = PT_LOAD, .p_filesz = IMAGE};
    im->ph[1] = (ElfW(Phdr)){.p_type = PT_DYNAMIC,
                             .p_offset = DYN_OFF,
                             .p_filesz = 8 * sizeof *im->dyn};
    size_t i = 0;
    for (; i < n; i++)
        im->dyn[i] = (ElfW(Dyn)){DT_NEEDED, {needed[i]}};
    im->dyn[i++] = (ElfW(Dyn)){DT_STRTAB, {STR_OFF}};
    im->dyn[i++] = (ElfW(Dyn)){DT_STRSZ, {sizeof STRINGS}};
    memcpy(im->b + STR_OFF, STRINGS, sizeof STRINGS);
}

/* needs_asan on the first len bytes of the image, from a file. */
static int check(const struct image *im, size_t len, int *err)
{
    char path[] = "/tmp/shmc-elfXXXXXX";
    int fd = mkstemp(path), r;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, im->b, len), (ssize_t)len);
    close(fd);
    errno = 0;
    r = cli_elf_needs_asan(path);
    *err = errno;
    unlink(path);
    return r;
}

static void test_needed_runtimes(void **state)
{
    const ElfW(Xword) gcc[] = {LIBASAN, LIBC}, clang[] = {LIBC, LIBCLANG},
                      none[] = {LIBC};
    struct image im;
    int e;

    (void)state;
    make(&im, gcc, 2);
    assert_int_equal(check(&im, IMAGE, &e), 1);
    make(&im, clang, 2);
    assert_int_equal(check(&im, IMAGE, &e), 1);
    make(&im, none, 1);
    assert_int_equal(check(&im, IMAGE, &e), 0);
    make(&im, gcc, 2);
    im.ph[1].p_type = PT_NOTE; /* static: no dynamic section */
    assert_int_equal(check(&im, IMAGE, &e), 0);
    make(&im, gcc, 0);
    assert_int_equal(check(&im, IMAGE, &e), 0);
}

static void test_not_ours(void **state)
{
    const ElfW(Xword) gcc[] = {LIBASAN};
    struct image im;
    int e;

    (void)state;
    make(&im, gcc, 1);
    im.b[0] = '#';
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, ENOEXEC);
    make(&im, gcc, 1);
    im.eh->e_ident[EI_CLASS] = sizeof(void *) == 8 ? ELFCLASS32 : ELFCLASS64;
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, ENOEXEC);
    make(&im, gcc, 1);
    im.eh->e_phentsize = 1;
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, ENOEXEC);
    assert_int_equal(check(&im, 10, &e), -1); /* shorter than a header */
    assert_int_equal(e, ENOEXEC);
    errno = 0;
    assert_int_equal(cli_elf_needs_asan("/nonexistent/prog"), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(cli_elf_needs_asan("/"), -1);
    assert_int_equal(errno, ENOEXEC);
}

static void test_damaged(void **state)
{
    const ElfW(Xword) gcc[] = {LIBASAN};
    struct image im;
    int e;

    (void)state;
    make(&im, gcc, 1);
    im.eh->e_phoff = 1u << 30; /* headers past the end */
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, EINVAL);
    make(&im, gcc, 1);
    im.ph[1].p_offset = (ElfW(Off)) - 8; /* dynamic section nowhere */
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, EINVAL);
    make(&im, gcc, 1);
    im.ph[0].p_filesz = STR_OFF; /* string table not in the file */
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, EINVAL);
    make(&im, gcc, 1);
    assert_int_equal(check(&im, DYN_OFF + 8, &e), -1); /* cut short */
    assert_int_equal(e, EINVAL);
    make(&im, gcc, 1);
    im.eh->e_phnum = 0xffff; /* more headers than are read or exist */
    assert_int_equal(check(&im, IMAGE, &e), -1);
    assert_int_equal(e, EINVAL);
}

static void test_offsets_anywhere(void **state)
{
    const ElfW(Xword)
        far[] = {(ElfW(Xword)) - 1, sizeof STRINGS, (ElfW(Xword))INT64_MAX};
    struct image im;
    int e;

    (void)state;
    make(&im, far, 3); /* past the table, or past any file */
    assert_int_equal(check(&im, IMAGE, &e), 0);
    make(&im, far, 3);
    im.dyn[4].d_un.d_val = (ElfW(Xword)) - 1; /* DT_STRSZ: everything */
    assert_int_equal(check(&im, IMAGE, &e), 0);
    /* A name cut by the end of the file is read up to it. */
    const ElfW(Xword) gcc[] = {LIBASAN};
    make(&im, gcc, 1);
    assert_int_equal(check(&im, STR_OFF + LIBASAN + 10, &e), 1);
    assert_int_equal(check(&im, STR_OFF + LIBASAN + 9, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needed_runtimes),
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_offsets_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
