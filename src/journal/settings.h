/*
 * settings.h - the tracer's settings, from SHMCHECK_* environment variables.
 *
 * One X-macro table (SHMC_TRACE_OPTIONS) yields the parser and the help
 * text. A malformed value keeps its default and adds one warning line that
 * names the variable, the value and what is allowed; an unknown SHMCHECK_*
 * name adds a warning too (the CLI's own settings are known). Parsing never
 * allocates, never crashes on any bytes, and touches nothing but its arguments.
 */
#ifndef SHMC_JOURNAL_SETTINGS_H
#define SHMC_JOURNAL_SETTINGS_H

#include <limits.h>
#ifndef PATH_MAX /* <limits.h> has it only with POSIX feature macros */
#include <linux/limits.h>
#endif
#include <stddef.h>

#include "kinds.h" /* enum shmc_kind, the bits of errors */

enum shmc_report_to {
    SHMC_REPORT_STDERR,
    SHMC_REPORT_LOGDIR,
    SHMC_REPORT_NONE
};
enum shmc_stacks { SHMC_STACKS_OFF, SHMC_STACKS_FAST, SHMC_STACKS_FULL };
enum shmc_on_error { SHMC_ON_ERROR_EXIT, SHMC_ON_ERROR_ABORT };

struct shmc_trace_config {
    char log_dir[PATH_MAX];      /* "" = no journal                    */
    enum shmc_report_to report;  /* where the exit report goes         */
    enum shmc_stacks stacks;     /* off, frame pointers, full unwind   */
    unsigned stack_depth;        /* 1..32                              */
    unsigned errors;             /* enum shmc_kind bits that are errors */
    int exitcode;                /* 0..255; 0 keeps the program's own  */
    enum shmc_on_error on_error; /* at an end with errors: exit, or
                                    remove the leaks and abort         */
};

/*   X(NAME,             default text,                      help) */
#define SHMC_TRACE_OPTIONS(X)                                            \
    X(SHMCHECK_LOG_DIR, "",                                              \
      "directory for per-process journals (and the "                     \
      "report with SHMCHECK_REPORT=logdir); ignored in setuid programs") \
    X(SHMCHECK_REPORT, "stderr",                                         \
      "where each process's exit report goes: "                          \
      "stderr, logdir or none")                                          \
    X(SHMCHECK_STACKS, "fast",                                           \
      "call stacks: off, fast (caller plus frame "                       \
      "pointers) or full (DWARF unwinder, slower)")                      \
    X(SHMCHECK_STACK_DEPTH, "8", "frames per stack, 1..32")              \
    X(SHMCHECK_ERRORS, SHMC_KINDS_DEFAULT_ERRORS_TEXT,                   \
      "finding kinds that count as errors: a comma list of all, "        \
      "none" SHMC_KINDS_NAMES_TEXT)                                      \
    X(SHMCHECK_EXITCODE, "23",                                           \
      "exit status when errors were found, 0..255, of the process that " \
      "first loaded the tracer and only instead of 0 (the processes it " \
      "starts keep theirs); 0 keeps the program's own")                  \
    X(SHMCHECK_ON_ERROR, "exit",                                         \
      "what a process that ends (exit, _exit; not exec) with errors "    \
      "does: exit (as it asked) or abort (removes the segments it "      \
      "leaked, then abort(): SIGABRT, a crash to a fuzzer)")

/* Settings only the CLI reads (shmcheck(1)). They pass through the traced
 * tree's environment like any other, so the parser accepts them without a
 * word: an "unknown setting" warning from every traced process would be
 * wrong. */
#define SHMC_CLI_DEBUG_DIR "SHMCHECK_DEBUG_DIR"
#define SHMC_CLI_TRACE_LIB "SHMCHECK_TRACE_LIB"
#define SHMC_CLI_SETTINGS                      \
    {                                          \
        SHMC_CLI_DEBUG_DIR, SHMC_CLI_TRACE_LIB \
    }

/* Fills cfg from envp (NULL-terminated "NAME=value" strings, as environ).
 * secure != 0 (AT_SECURE: setuid/setgid execution) ignores path settings.
 * Warnings, one per line, go into warn (NUL-terminated, truncated to
 * wlen). Returns the number of warnings. */
int shmc_trace_config_parse(struct shmc_trace_config *cfg, char *const *envp,
                            int secure, char *warn, size_t wlen);

/* Writes the option table as help text ("NAME=default  help" lines). */
size_t shmc_trace_config_help(char *buf, size_t len);

#endif
