/*
 * elfdeps.h - what a program's ELF dynamic section says it needs.
 */
#ifndef SHMC_CLI_ELFDEPS_H
#define SHMC_CLI_ELFDEPS_H

/* Whether the ELF file at path (of this machine's class and byte order)
 * names the shared ASan runtime among its DT_NEEDED libraries: gcc's
 * libasan.so.N, or clang's libclang_rt.asan-ARCH.so (-shared-libasan).
 * 1 or 0; -1 with errno when it cannot be read, is not such an ELF file
 * (ENOEXEC) or its dynamic section is damaged (EINVAL). The file is
 * untrusted: every offset and size is checked, and no more than a few
 * kilobytes of it are read. */
int cli_elf_needs_asan(const char *path);

#endif
