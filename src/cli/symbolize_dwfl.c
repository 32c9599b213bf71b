/*
 * symbolize_dwfl.c - the symbolizer's backend: libdwfl, one session per
 * module, each module reported at its own ELF addresses.
 *
 * The module file is opened here, not by libdwfl: as a regular file only
 * (never a FIFO or a device another user put at the path, which would
 * block or misbehave), and read with ELF_C_READ (pread into memory) rather
 * than mapped, so that a file another user truncates while it is read
 * gives read errors, not a SIGBUS that would kill the CLI. libdwfl takes
 * that Elf through its find_elf callback. Separate debug files are looked
 * up in the debug directory only (root's): by build-id, and with
 * DEBUGINFOD_URLS set through libdwfl's standard search (find_debuginfo).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "lib/hash.h"
#include "symbolize_dwfl.h"

/* libdw and libelf are loaded when the first frame is looked up, not
 * when the CLI starts: a run with nothing to symbolize (most runs) never
 * pays for loading them and the compression libraries they need. */
#define CLI_DW_FUNCTIONS(X)                                                  \
    X(dwfl_begin)                                                            \
    X(dwfl_end)                                                              \
    X(dwfl_report_begin)                                                     \
    X(dwfl_report_module)                                                    \
    X(dwfl_report_end) X(dwfl_module_info) X(dwfl_module_getelf)             \
        X(dwfl_module_addrdie) X(dwfl_module_getsrc) X(dwfl_module_addrinfo) \
            X(dwfl_lineinfo) X(dwfl_line_comp_dir)                           \
                X(dwfl_offline_section_address)                              \
                    X(dwfl_standard_find_debuginfo)                          \
                        X(dwfl_build_id_find_debuginfo) X(dwarf_getscopes)   \
                            X(dwarf_tag) X(dwarf_diename) X(elf_version)     \
                                X(elf_begin) X(elf_end) X(elf_kind)          \
                                    X(elf_getphdrnum) X(gelf_getphdr)

#define CLI_DW_POINTER(f) SHMC_TYPEOF(f) * f;
static struct {
    int tried, ok;
    CLI_DW_FUNCTIONS(CLI_DW_POINTER)
} dw;

int cli_dwfl_load(void)
{
    void *h;

    if (dw.tried)
        return dw.ok;
    dw.tried = 1;
    if ((h = dlopen(CLI_DW_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL)
        return 0;
#define CLI_DW_LOOKUP(f)                          \
    if ((*(void **)&dw.f = dlsym(h, #f)) == NULL) \
        return 0;
    /* LCOV_EXCL_BR_START: every libdw.so.1 since elfutils 0.158 has them
     * all; only a library of that name that is no libdw lacks one */
    CLI_DW_FUNCTIONS(CLI_DW_LOOKUP)
    /* LCOV_EXCL_BR_STOP */
#undef CLI_DW_LOOKUP
    dw.elf_version(EV_CURRENT);
    return dw.ok = 1;
}

struct module {
    uint64_t hash; /* of path: most comparisons end here           */
    char *path;
    Dwfl *dwfl; /* NULL: the module cannot be read               */
    Dwfl_Module *mod;
    Dwarf_Addr bias; /* libdwfl's address = ELF virtual address + bias */
};

/* The file handed to libdwfl by find_elf: it owns fd and elf after. */
struct pending {
    const char *path;
    int fd;
    Elf *elf;
};

struct cli_dwfl {
    Dwfl_Callbacks cb;
    char *debug_path;  /* what cb.debuginfo_path points to             */
    struct module *m;  /* every module asked so far, in order: a run   */
    size_t n, cap;     /* has few, so a linear search by hash is cheap */
    size_t last;       /* the module of the previous lookup            */
    char *joined;      /* the last file joined to its compilation      */
    size_t joined_cap; /* directory, joined_cap bytes                  */
};

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
                    Dwarf_Addr base, char **file_name, Elf **elfp)
{
    struct pending *p = *userdata;
    int fd;

    (void)mod, (void)name, (void)base;
    /* LCOV_EXCL_BR_START: libdwfl calls find_elf once, from
     * dwfl_module_getelf in report(), p set; strdup fails without memory */
    if (p == NULL || p->elf == NULL || (*file_name = strdup(p->path)) == NULL)
        return -1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    *elfp = p->elf;
    fd = p->fd;
    p->elf = NULL;
    p->fd = -1;
    return fd;
}

/* Separate debug information. With DEBUGINFOD_URLS set, libdwfl's
 * standard search: by build-id, then by .gnu_debuglink name, both in the
 * debug directory only (debuginfo_path), then the servers. Without it,
 * the build-id search alone: the standard one would load libdebuginfod,
 * and the network libraries it needs, tens of milliseconds, to find that
 * no server is configured. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
                          const char *modname, Dwarf_Addr base,
                          const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    const char *urls = getenv("DEBUGINFOD_URLS");

    if (urls != NULL && urls[0] != '\0')
        return dw.dwfl_standard_find_debuginfo(
            mod, userdata, modname, base, file_name, debuglink_file,
            debuglink_crc, debuginfo_file_name);
    return dw.dwfl_build_id_find_debuginfo(mod, userdata, modname, base,
                                           file_name, debuglink_file,
                                           debuglink_crc, debuginfo_file_name);
}

struct cli_dwfl *cli_dwfl_open(const char *debug_dir)
{
    struct cli_dwfl *d = calloc(1, sizeof *d);

    if (d == NULL)
        return NULL;
    d->debug_path = strdup(debug_dir ? debug_dir : CLI_DWFL_DEBUG_DIR);
    if (d->debug_path == NULL) {
        free(d);
        return NULL;
    }
    d->cb.find_elf = find_elf;
    d->cb.find_debuginfo = find_debuginfo;
    d->cb.section_address = dw.dwfl_offline_section_address;

    d->cb.debuginfo_path = &d->debug_path;
    return d;
}

/* Opens path as a regular file: -1 for anything else. */
static int open_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;

    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The addresses the module's PT_LOAD segments span, as libdwfl lays a
 * module out (the first one aligned down): reported there, the module's
 * bias is 0 and its addresses are the ELF's own. 0, or -1 if it has none. */
static int load_range(Elf *elf, GElf_Addr *lo, GElf_Addr *hi)
{
    size_t n;
    int first = 1;

    if (dw.elf_kind(elf) != ELF_K_ELF || dw.elf_getphdrnum(elf, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (dw.gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
            continue;
        if (first)
            *lo = ph.p_align > 1 ? ph.p_vaddr & -ph.p_align : ph.p_vaddr;
        first = 0;
        *hi = ph.p_vaddr + ph.p_memsz;
    }
    return first || *hi <= *lo ? -1 : 0;
}

/* Reports the file p names as the only module of a new session. */
static int report(struct cli_dwfl *d, struct module *m, struct pending *p)
{
    GElf_Addr lo, hi;
    void **userdata;

    /* LCOV_EXCL_BR_START: past load_range, libdwfl fails only without
     * memory (an ELF file with a non-empty load range, its Elf given) */
    if (load_range(p->elf, &lo, &hi) != 0 ||
        (m->dwfl = dw.dwfl_begin(&d->cb)) == NULL)
        return -1;
    dw.dwfl_report_begin(m->dwfl);
    m->mod = dw.dwfl_report_module(m->dwfl, p->path, lo, hi);
    dw.dwfl_report_end(m->dwfl, NULL, NULL);
    if (m->mod == NULL)
        return -1; /* LCOV_EXCL_LINE */
    dw.dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
    *userdata = p;
    /* Loads the file now, through find_elf, while p is alive. */
    if (dw.dwfl_module_getelf(m->mod, &m->bias) == NULL)
        return -1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    *userdata = NULL;
    return 0;
}

/* Opens the module m->path; on failure m->dwfl stays NULL. */
static void open_module(struct cli_dwfl *d, struct module *m)
{
    struct pending p = {m->path, open_regular(m->path), NULL};

    if (p.fd >= 0)
        p.elf = dw.elf_begin(p.fd, ELF_C_READ, NULL);
    if (p.elf == NULL || report(d, m, &p) != 0) {
        if (m->dwfl != NULL)      /* LCOV_EXCL_BR_LINE: as in report() */
            dw.dwfl_end(m->dwfl); /* LCOV_EXCL_LINE */
        m->dwfl = NULL;
        m->mod = NULL;
    }
    if (p.elf != NULL) /* not taken by libdwfl */
        dw.elf_end(p.elf);
    if (p.fd >= 0)
        close(p.fd);
}

/* The module at path, opened on first use; NULL when memory runs out. */
static struct module *module_at(struct cli_dwfl *d, const char *path)
{
    uint64_t h = shmc_fnv1a_str(SHMC_FNV1A_BASIS, path);
    struct module *m;

    /* LCOV_EXCL_BR_START: an equal hash of another path is a 64-bit
     * collision, which no test can choose */
    if (d->last < d->n && d->m[d->last].hash == h &&
        strcmp(d->m[d->last].path, path) == 0)
        return &d->m[d->last];
    for (d->last = 0; d->last < d->n; d->last++)
        if (d->m[d->last].hash == h && strcmp(d->m[d->last].path, path) == 0)
            return &d->m[d->last];
    /* LCOV_EXCL_BR_STOP */
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        struct module *v = realloc(d->m, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        d->m = v;
        d->cap = cap;
    }
    m = &d->m[d->n];
    memset(m, 0, sizeof *m);
    if ((m->path = strdup(path)) == NULL)
        return NULL;
    m->hash = h;
    d->last = d->n++;
    open_module(d, m);
    return m;
}

/* The name of the innermost function (inlined or not) holding addr, from
 * the DWARF scopes; NULL without debug information for it. */
static const char *scope_function(Dwfl_Module *mod, Dwarf_Addr addr)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = dw.dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL;
    const char *name = NULL;
    int n = cu ? dw.dwarf_getscopes(cu, addr - bias, &scopes) : 0;

    for (int i = 0; i < n && name == NULL; i++) {
        int tag = dw.dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
            name = dw.dwarf_diename(&scopes[i]);
    }
    free(scopes);
    return name;
}

/* The source file of l as the line table names it, made absolute the way
 * other symbolizers do: a relative name is taken from the compilation
 * directory (which may be relative itself, as in Debian's libc). */
static const char *source_file(struct cli_dwfl *d, Dwfl_Line *l, int *line)
{
    const char *file = dw.dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
    const char *dir = dw.dwfl_line_comp_dir(l);
    size_t n;

    if (file == NULL || *line <= 0)
        return NULL;
    if (file[0] == '/' || dir == NULL || dir[0] == '\0')
        return file;
    n = strlen(dir) + strlen(file) + 2;
    if (n > d->joined_cap) {
        char *p = realloc(d->joined, n);
        if (p == NULL)   /* LCOV_EXCL_BR_LINE: out of memory */
            return file; /* LCOV_EXCL_LINE: relative, still the right file */
        d->joined = p;
        d->joined_cap = n;
    }
    snprintf(d->joined, n, "%s/%s", dir, file);
    return d->joined;
}

/* 1 when name is one of the C library's functions that run main: the
 * frames below main, whose source lines say nothing of the program
 * (Valgrind hides them). Their lines would cost the C library's separate
 * debug file's whole DWARF (glibc's is compressed: about 80 ms to read)
 * for nothing, so only their name is looked up. (The entry point that
 * calls them, _start, is the program's, and has no DWARF: named from the
 * symbol table anyway.) */
static int below_main(const char *name)
{
    static const char *const start[] = {
        "__libc_start_call_main", "__libc_start_main", "__libc_start_main_impl",
        "__libc_start_main_alias_2"};

    for (size_t i = 0; name != NULL && i < sizeof start / sizeof *start; i++)
        if (strcmp(name, start[i]) == 0)
            return 1;
    return 0;
}

/* Whether path is the C library (libc.so.6, or libc-2.NN.so of older
 * layouts): where the functions below main are. */
static int in_libc(const char *path)
{
    const char *base = strrchr(path, '/');

    base = base != NULL ? base + 1 : path; /* LCOV_EXCL_BR_LINE: absolute */
    return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0;
}

void cli_dwfl_lookup(struct cli_dwfl *d, const char *path, uint64_t vaddr,
                     struct cli_dwfl_answer *a)
{
    struct module *m;
    Dwarf_Addr addr;
    Dwfl_Line *l;
    GElf_Off off;
    GElf_Sym sym;
    const char *name;
    int line = 0;

    memset(a, 0, sizeof *a);
    m = module_at(d, path);
    if (m == NULL || m->mod == NULL)
        return;
    addr = vaddr + m->bias;
    if (in_libc(path)) { /* its symbol table first, which costs little */
        a->function =
            dw.dwfl_module_addrinfo(m->mod, addr, &off, &sym, NULL, NULL, NULL);
        if (below_main(a->function))
            return; /* the C library's start: its name is all we need */
    }
    if ((l = dw.dwfl_module_getsrc(m->mod, addr)) != NULL &&
        (a->file = source_file(d, l, &line)) != NULL)
        a->line = line;
    name = scope_function(m->mod, addr);
    if (name == NULL && a->function == NULL) /* no DWARF: the symbols' */
        name =
            dw.dwfl_module_addrinfo(m->mod, addr, &off, &sym, NULL, NULL, NULL);
    if (name != NULL)
        a->function = name;
}

void cli_dwfl_close(struct cli_dwfl *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++) {
        if (d->m[i].dwfl != NULL)
            dw.dwfl_end(d->m[i].dwfl);
        free(d->m[i].path);
    }
    free(d->m);
    free(d->joined);
    free(d->debug_path);
    free(d);
}
