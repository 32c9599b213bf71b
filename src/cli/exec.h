/*
 * exec.h - the program the tree starts: found on PATH as execvp(3) finds
 * it, run with execve(2) only, and the ASan setting it may need.
 */
#ifndef SHMC_CLI_EXEC_H
#define SHMC_CLI_EXEC_H

#include <stddef.h>

/* PATH when the environment has none (as execvp(3)). */
#define CLI_DEFAULT_PATH "/bin:/usr/bin"

/* Runs argv[0] with argv and env: a name with a '/' as it is, else the
 * first file of that name in the directories of path (':'-separated, an
 * empty one the current directory) that execve accepts, trying the next
 * directory on the errors execvp tries the next on. Unlike execvp, a file
 * the kernel cannot run (ENOEXEC: no #! line, another architecture) is
 * never handed to /bin/sh: it is an error. Returns only on failure, with
 * errno: that of the file found, else EACCES when a file was found but
 * could not be run, else ENOENT. Only stack memory, no locks: safe in the
 * child of a fork of a threaded program. */
void cli_exec(char *const argv[], char *const env[], const char *path);

/* The file cli_exec would most likely run for prog: prog itself when it
 * has a '/', else the first regular file with execute permission of that
 * name in path's directories, into out (n bytes). 0, or -1. */
int cli_exec_which(const char *prog, const char *path, char *out, size_t n);

/* "ASAN_OPTIONS=..." (malloc'd) for the tree when the program at path is
 * linked against the shared ASan runtime (gcc's -fsanitize=address):
 * the runtime then aborts unless it comes first in the loader's list,
 * where the preloaded tracer is. verify_asan_link_order=0 lifts that
 * check, added after the options given in asan_options (the caller's
 * ASAN_OPTIONS, or NULL). NULL when the program does not need it, when
 * asan_options already sets verify_asan_link_order (the user's choice),
 * or when memory runs out. */
char *cli_asan_setting(const char *path, const char *asan_options);

#endif
