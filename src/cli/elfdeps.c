/*
 * elfdeps.c - reads the DT_NEEDED names of a program's dynamic section,
 * with pread and bounded buffers (no ELF library): the file is whatever
 * the user asked to run, so nothing in it is trusted.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h> /* ElfW: this machine's ELF types */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"

#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

#define MAX_PHDRS 64  /* program headers read */
#define MAX_DYNS 512  /* dynamic entries read */
#define MAX_NEEDED 64 /* DT_NEEDED names looked at */

/* What the dynamic section gives: string table and needed names. */
struct dyn {
    ElfW(Addr) strtab;
    ElfW(Xword) strsz;
    ElfW(Xword) needed[MAX_NEEDED];
    size_t nneeded;
};

static int read_at(int fd, void *buf, size_t len, off_t off)
{
    if (off < 0 || pread(fd, buf, len, off) != (ssize_t)len) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* The file offset of the virtual address addr, from the PT_LOAD headers;
 * -1 when no segment maps it from the file. */
static off_t file_offset(const ElfW(Phdr) * ph, size_t n, ElfW(Addr) addr)
{
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
            addr - ph[i].p_vaddr < ph[i].p_filesz)
            return (off_t)(ph[i].p_offset + (addr - ph[i].p_vaddr));
    return -1;
}

/* The dynamic section's entries of interest, from its program header. */
static int read_dynamic(int fd, const ElfW(Phdr) * dynph, struct dyn *d)
{
    size_t n = dynph->p_filesz / sizeof(ElfW(Dyn));
    ElfW(Dyn) e;

    for (size_t i = 0; i < n && i < MAX_DYNS; i++) {
        if (read_at(fd, &e, sizeof e,
                    (off_t)(dynph->p_offset + i * sizeof e)) != 0)
            return -1;
        if (e.d_tag == DT_NULL)
            break;
        if (e.d_tag == DT_STRTAB)
            d->strtab = e.d_un.d_ptr;
        else if (e.d_tag == DT_STRSZ)
            d->strsz = e.d_un.d_val;
        else if (e.d_tag == DT_NEEDED && d->nneeded < MAX_NEEDED)
            d->needed[d->nneeded++] = e.d_un.d_val;
    }
    return 0;
}

/* Whether name is the shared ASan runtime's. */
static int asan_runtime(const char *name)
{
    return strncmp(name, "libasan.so", 10) == 0 ||
           strncmp(name, "libclang_rt.asan-", 17) == 0;
}

/* Whether one of d's needed names is the ASan runtime's. */
static int needs_asan(int fd, const ElfW(Phdr) * ph, size_t nph,
                      const struct dyn *d)
{
    off_t strtab = file_offset(ph, nph, d->strtab);
    char name[32];

    if (strtab < 0) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < d->nneeded; i++) {
        size_t room = d->needed[i] < d->strsz ? d->strsz - d->needed[i] : 0;
        size_t len = room < sizeof name - 1 ? room : sizeof name - 1;
        uint64_t at = (uint64_t)strtab + d->needed[i];
        memset(name, 0, sizeof name);
        /* A short read (a name near the end of the file) leaves zeros. */
        if (len > 0 && at <= (uint64_t)INT64_MAX - len &&
            pread(fd, name, len, (off_t)at) > 0 && asan_runtime(name))
            return 1;
    }
    return 0;
}

/* The checks on the ELF header: ours to read, with program headers. */
static int native_elf(const ElfW(Ehdr) * eh)
{
    return memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
           eh->e_ident[EI_CLASS] == NATIVE_CLASS &&
           eh->e_ident[EI_DATA] == NATIVE_DATA &&
           eh->e_phentsize == sizeof(ElfW(Phdr));
}

static int needs_asan_fd(int fd)
{
    ElfW(Ehdr) eh;
    ElfW(Phdr) ph[MAX_PHDRS];
    struct dyn d = {0};
    struct stat st;
    size_t n;

    /* LCOV_EXCL_BR_START: fstat of a descriptor just opened cannot fail */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        read_at(fd, &eh, sizeof eh, 0) != 0 || !native_elf(&eh)) {
        /* LCOV_EXCL_BR_STOP */
        errno = ENOEXEC;
        return -1;
    }
    n = eh.e_phnum < MAX_PHDRS ? eh.e_phnum : MAX_PHDRS;
    if (read_at(fd, ph, n * sizeof *ph, (off_t)eh.e_phoff) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_DYNAMIC)
            return read_dynamic(fd, &ph[i], &d) != 0
                       ? -1
                       : needs_asan(fd, ph, n, &d);
    return 0; /* static: nothing needed */
}

int cli_elf_needs_asan(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int r, e;

    if (fd < 0)
        return -1;
    r = needs_asan_fd(fd);
    e = errno;
    close(fd);
    errno = e;
    return r;
}
