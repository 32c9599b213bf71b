/*
 * options.c - shmcheck's options: one table gives the getopt_long options,
 * the --help text and what each option sets; numbers and lists of kinds
 * are checked here, and bad usage ends the program with status 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal/kinds.h"
#include "journal/textbuf.h"
#include "options.h"
#include "shmcheck.h"

/* What an option does with its argument. */
enum action {
    SET_STRING, /* the argument into a const char * field */
    SET_FLAG,   /* 1 into an int field */
    ADD_SUPPRESSIONS,
    SET_EXITCODE,
    SET_ERRORS,
    VERSION,
    HELP
};

#define STRING(field) SET_STRING, offsetof(struct cli_opts, field)
#define FLAG(field) SET_FLAG, offsetof(struct cli_opts, field)
#define DO(action) action, 0

/*  X(short, long, argument, action, help) */
#define OPTIONS(X)                                                             \
    X('j', "json", "FILE", STRING(json),                                       \
      "write the JSON report to FILE (format: docs/report-format.md)")         \
    X('s', "sarif", "FILE", STRING(sarif),                                     \
      "write a SARIF 2.1.0 report to FILE")                                    \
    X('H', "html", "FILE", STRING(html),                                       \
      "write the HTML report to FILE: one self-contained page, "               \
      "timeline and findings")                                                 \
    X('R', "source-root", "DIR", STRING(source_root),                          \
      "with --sarif: name files below DIR relative to it "                     \
      "(default: the current directory)")                                      \
    X('S', "suppressions", "FILE", DO(ADD_SUPPRESSIONS),                       \
      "suppress findings matching FILE's rules "                               \
      "(KIND:PATTERN lines); may be given several times")                      \
    X('g', "gen-suppressions", NULL, FLAG(gen),                                \
      "print a ready rule under each finding")                                 \
    X('i', "isolate", NULL, FLAG(isolate),                                     \
      "run the tree in a private IPC namespace: the "                          \
      "host is never touched")                                                 \
    X('P', "no-process-events", NULL, FLAG(no_events),                         \
      "as root, do not read the kernel's process events (which "               \
      "tell every process of the tree, untraced ones too)")                    \
    X('c', "cleanup", NULL, FLAG(cleanup),                                     \
      "after reporting, remove the leaked segments the "                       \
      "tree created, and nothing else")                                        \
    X('e', "error-exitcode", "N", DO(SET_EXITCODE),                            \
      "exit status when errors are found, 1..255 "                             \
      "(default 23)")                                                          \
    X('E', "errors", "KINDS", DO(SET_ERRORS), "kinds that count as errors")    \
    X('l', "log-dir", "DIR", STRING(log_dir),                                  \
      "keep the journals in DIR (created, mode 0700; must hold none yet)")     \
    X('r', "replay", "DIR", STRING(replay),                                    \
      "analyse the journals kept in DIR (--log-dir) "                          \
      "instead of running a program")                                          \
    X('t', "trace-lib", "PATH", STRING(trace_lib),                             \
      "the tracer to preload (default: next to "                               \
      "this program)")                                                         \
    X('n', "no-symbolize", NULL, FLAG(no_symbolize), "keep frames unresolved") \
    X('q', "quiet", NULL, FLAG(quiet),                                         \
      "print the text report only when errors are found")                      \
    X('V', "version", NULL, DO(VERSION), "print the version and exit")         \
    X('h', "help", NULL, DO(HELP), "show this help and exit")

struct row {
    char s;
    const char *l, *arg;
    enum action action;
    size_t field;
    const char *help;
};

#define ROW(s, l, arg, action, help) {s, l, arg, action, help},
static const struct row rows[] = {OPTIONS(ROW)};
#undef ROW
#define NROWS (sizeof rows / sizeof rows[0])

#define LONG(s, l, arg, action, help) \
    {l, arg ? required_argument : no_argument, NULL, s},
static const struct option longs[] = {OPTIONS(LONG){NULL, 0, NULL, 0}};
#undef LONG

const char *cli_prog = "shmcheck";

/* " (default leaked_segment,invalid_detach; also ..., all, none)": what
 * --errors takes, from the table of kinds. */
static void kinds_help(struct shmc_textbuf *t)
{
    shmc_textbuf_printf(t, " (default %s; also ",
                        SHMC_KINDS_DEFAULT_ERRORS_TEXT);
    for (size_t i = 0; i < SHMC_KIND_WORDS; i++)
        if (i >= SHMC_KIND_COUNT ||
            (shmc_kind_words[i].value & SHMC_KINDS_DEFAULT_ERRORS) == 0)
            shmc_textbuf_printf(t, "%s%s", shmc_kind_words[i].name,
                                i + 1 < SHMC_KIND_WORDS ? ", " : ")");
}

static void help_row(const struct row *r)
{
    char left[64], help[512];
    struct shmc_textbuf t;

    snprintf(left, sizeof left, "--%s%s%s", r->l, r->arg ? "=" : "",
             r->arg ? r->arg : "");
    shmc_textbuf_init(&t, help, sizeof help);
    shmc_textbuf_put(&t, r->help);
    if (r->action == SET_ERRORS)
        kinds_help(&t);
    printf("  -%c, %-26s %s\n", r->s, left, help);
}

static _Noreturn void usage(void)
{
    printf("Usage: %s [options] -- program [arguments...]\n\n"
           "Runs program and every process it starts under the shmcheck "
           "tracer, then\nreports System V shared memory leaks with source "
           "lines.\n\nOptions:\n",
           cli_prog);
    for (size_t i = 0; i < NROWS; i++)
        help_row(&rows[i]);
    printf("\nExit status: the program's own (128+N if killed by signal N), "
           "or the\n--error-exitcode when errors are found; 126 if the "
           "program cannot be run,\n127 if it is not found, 2 for bad "
           "usage.\n");
    exit(fflush(stdout) == 0 ? 0 : 2);
}

void cli_bad_usage(const char *fmt, const char *what)
{
    fprintf(stderr, "%s: ", cli_prog);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
    exit(2);
}

/* A decimal lo..hi, the whole of s. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* The row of the option whose short name is c, or NULL. */
static const struct row *row_of(int c)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].s == c)
            return &rows[i];
    return NULL;
}

/* getopt_long refused an option: say which, as the user wrote it where
 * getopt tells (an unknown long option, which it has passed). */
static _Noreturn void refused(char **argv, int missing)
{
    const struct row *r = optopt != 0 ? row_of(optopt) : NULL;
    char opt[3] = {'-', (char)optopt, '\0'};

    if (missing) /* only options that take one: r is not NULL */
        cli_bad_usage("option '--%s' needs an argument", r->l);
    if (r != NULL) /* --flag=ARG */
        cli_bad_usage("option '--%s' takes no argument", r->l);
    cli_bad_usage("unknown option '%s'", optopt != 0 ? opt : argv[optind - 1]);
}

/* getopt takes the word after an option that needs an argument, whatever
 * it is: "--json -- prog" would name the report "--" and run prog. "--"
 * ends the options, so it is never an option's argument; an empty one
 * names no file, directory or number either. */
static void checked_argument(const struct row *r, const char *arg)
{
    if (r->arg == NULL)
        return;
    if (strcmp(arg, "--") == 0)
        cli_bad_usage("option '--%s' needs an argument before '--'", r->l);
    if (*arg == '\0')
        cli_bad_usage("option '--%s' needs a non-empty argument", r->l);
}

static void apply(const struct row *r, const char *arg, struct cli_opts *o)
{
    char *field = (char *)o + r->field;

    switch (r->action) {
    case SET_STRING:
        *(const char **)(void *)field = arg;
        break;
    case SET_FLAG:
        *(int *)(void *)field = 1;
        break;
    case ADD_SUPPRESSIONS:
        if (o->nsupp == CLI_MAX_SUPPRESSIONS)
            cli_bad_usage("at most %s suppression files", "16");
        o->supp[o->nsupp++] = arg;
        break;
    case SET_EXITCODE:
        if (parse_int(arg, 1, 255, &o->exitcode) != 0)
            cli_bad_usage("--error-exitcode: '%s' is not a number 1..255", arg);
        break;
    case SET_ERRORS:
        if (shmc_kinds_parse(arg, &o->errors).what != NULL)
            cli_bad_usage("--errors: '%s' is not a list of finding kinds", arg);
        break;
    case VERSION:
        printf("shmcheck %s\n", SHMC_VERSION_STRING);
        exit(fflush(stdout) == 0 ? 0 : 2);
    default: /* HELP */
        usage();
    }
}

/* "+:" (stop at the program; report a missing argument as ':'), then each
 * short option, with ':' when it takes an argument. */
static void short_options(char *out)
{
    size_t n = 0;

    out[n++] = '+';
    out[n++] = ':';
    for (size_t i = 0; i < NROWS; i++) {
        out[n++] = rows[i].s;
        if (rows[i].arg != NULL)
            out[n++] = ':';
    }
    out[n] = '\0';
}

void cli_parse_options(int argc, char **argv, struct cli_opts *o)
{
    char shorts[2 + 2 * NROWS + 1];
    const struct row *r;
    int c;

    /* argv[0] is NULL (an execve without argv) only before Linux 5.18,
     * which now passes "": no test can give it. */
    if (argv[0] && *argv[0]) /* LCOV_EXCL_BR_LINE: NULL argv[0], see above */
        cli_prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    short_options(shorts);
    opterr = 0; /* our messages, in our format */
    o->exitcode = CLI_DEFAULT_ERROR_EXITCODE;
    o->errors = SHMC_KINDS_DEFAULT_ERRORS;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if ((r = row_of(c)) == NULL) /* '?' or ':': no option's name */
            refused(argv, c == ':');
        checked_argument(r, optarg);
        apply(r, optarg, o);
    }
    if (optind >= argc && !o->replay)
        cli_bad_usage("%s", "no program to run");
    /* --replay reads an earlier run: a program after it would silently
     * not run, and the replayed report would pass for its own. */
    if (optind < argc && o->replay)
        cli_bad_usage("--replay runs no program: '%s' given", argv[optind]);
    if (o->source_root && !o->sarif)
        cli_bad_usage("%s",
                      "--source-root is for the SARIF report: no --sarif");
    o->argv = argv + optind;
}
