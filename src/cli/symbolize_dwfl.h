/*
 * symbolize_dwfl.h - function, file and line for an address of an ELF
 * file, in process, with elfutils' libdwfl (libdw). The symbolizer's
 * backend: symbolize.c asks it once per distinct frame.
 *
 * Each module (executable or shared object, by path) is opened once, on
 * its first address, and kept until cli_dwfl_close. Its debug
 * information comes from the file itself, else from a separate debug file
 * under the debug directory by build-id (DIR/.build-id/xx/yyyy.debug, as
 * Debian's *-dbgsym packages install it). When DEBUGINFOD_URLS is set,
 * libdwfl's standard search follows: the .gnu_debuglink name under
 * DIR/<the module's directory>/, then the debuginfod servers through
 * libdebuginfod (libdw loads it itself). Only that directory is searched:
 * never the module's own directory, which another user may own. Without
 * line information the function still comes from the ELF symbol table
 * (.symtab, else .dynsym).
 */
#ifndef SHMC_CLI_SYMBOLIZE_DWFL_H
#define SHMC_CLI_SYMBOLIZE_DWFL_H

#include <stdint.h>

struct cli_dwfl;

/* What is known of one address; NULL / 0 for what is not. The strings
 * belong to the cli_dwfl: valid until the next lookup. */
struct cli_dwfl_answer {
    const char *function, *file;
    int line;
};

/* What the symbolizer loads when it starts (a run with findings only:
 * a clean run never loads elfutils and the compression libraries it
 * needs). */
#define CLI_DW_LIBRARY "libdw.so.1"

/* Loads CLI_DW_LIBRARY (and libelf through it) the first time; 1 when
 * every function the backend uses is there, else 0 (then and after). */
int cli_dwfl_load(void);

/* The default debug directory, where separate debug information is
 * installed. */
#define CLI_DWFL_DEBUG_DIR "/usr/lib/debug"

/* A backend that looks up separate debug information under debug_dir
 * (NULL: CLI_DWFL_DEBUG_DIR), once cli_dwfl_load said 1. NULL with errno
 * when memory runs out. */
struct cli_dwfl *cli_dwfl_open(const char *debug_dir);

/* Fills a for the ELF virtual address vaddr of the module at path: the
 * innermost function whose code holds vaddr (an inlined function's own
 * name), the source file and line the line table gives for vaddr. A path
 * that is not a readable regular ELF file gives nothing. */
void cli_dwfl_lookup(struct cli_dwfl *d, const char *path, uint64_t vaddr,
                     struct cli_dwfl_answer *a);

/* Closes every module and frees d; NULL is a no-op. */
void cli_dwfl_close(struct cli_dwfl *d);

#endif
