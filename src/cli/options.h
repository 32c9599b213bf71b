/*
 * options.h - the command line of shmcheck: what each option sets, its
 * help, and the parser that refuses bad usage with exit status 2.
 */
#ifndef SHMC_CLI_OPTIONS_H
#define SHMC_CLI_OPTIONS_H

#define CLI_MAX_SUPPRESSIONS 16
#define CLI_DEFAULT_ERROR_EXITCODE 23

struct cli_opts {
    const char *json, *sarif, *html, *supp[CLI_MAX_SUPPRESSIONS], *log_dir,
        *trace_lib, *replay, *source_root;
    int nsupp, gen, isolate, cleanup, exitcode, no_symbolize, quiet;
    int no_events;   /* --no-process-events */
    unsigned errors; /* enum shmc_kind bits (journal/kinds.h) */
    char **argv;     /* the program and its arguments */
};

/* The name shmcheck was called by (argv[0]'s basename), for messages;
 * "shmcheck" until cli_parse_options has set it. */
extern const char *cli_prog;

/* Fills o from the command line. --help and --version print and exit
 * (0, or 2 when stdout cannot be written); bad usage prints why to
 * stderr and exits 2. */
void cli_parse_options(int argc, char **argv, struct cli_opts *o);

/* Bad usage: "PROG: " fmt (with what for its %s), the line pointing to
 * --help, both on stderr, then exit status 2. */
_Noreturn void cli_bad_usage(const char *fmt, const char *what);

#endif
