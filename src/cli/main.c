/*
 * main.c - shmcheck [options] -- prog [args...]
 *
 * Runs a whole process tree under the tracer, then decides from the
 * journals and the kernel what leaked, and reports it as text, JSON and
 * SARIF, with an exit status fit for CI.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "journal/format.h"
#include "report.h"
#include "run.h"
#include "shmcheck.h"
#include "suppress.h"
#include "symbolize.h"
#include "text.h"

#define DEFAULT_ERROR_EXITCODE 23
#define MAX_SUPPRESSIONS 16

/*  X(short, long, argument, help) */
#define OPTIONS(X)                                                             \
    X('j', "json", "FILE", "write the JSON report (DESIGN.md format) to FILE") \
    X('s', "sarif", "FILE", "write a SARIF 2.1.0 report to FILE")              \
    X('S', "suppressions", "FILE",                                             \
      "suppress findings matching FILE's rules "                               \
      "(KIND:PATTERN lines); may be given several times")                      \
    X('g', "gen-suppressions", NULL, "print a ready rule under each finding")  \
    X('i', "isolate", NULL,                                                    \
      "run the tree in a private IPC namespace: the "                          \
      "host is never touched")                                                 \
    X('c', "cleanup", NULL,                                                    \
      "after reporting, remove the leaked segments the "                       \
      "tree created, and nothing else")                                        \
    X('e', "error-exitcode", "N",                                              \
      "exit status when errors are found, 1..255 "                             \
      "(default 23)")                                                          \
    X('E', "errors", "KINDS",                                                  \
      "kinds that count as errors (default "                                   \
      "leaked_segment,invalid_detach; also unmatched_attach, "                 \
      "inherited_unmatched, failed_call, lint, all)")                          \
    X('l', "log-dir", "DIR",                                                   \
      "keep the journals in DIR (created, mode 0700; must hold none yet)")     \
    X('r', "replay", "DIR",                                                    \
      "analyse the journals kept in DIR (--log-dir) "                          \
      "instead of running a program")                                          \
    X('t', "trace-lib", "PATH",                                                \
      "the tracer to preload (default: next to "                               \
      "this program)")                                                         \
    X('y', "symbolizer", "PATH", "llvm-symbolizer to use")                     \
    X('n', "no-symbolize", NULL, "leave frames as module+offset")              \
    X('q', "quiet", NULL, "print the text report only when errors are found")  \
    X('V', "version", NULL, "print the version and exit")                      \
    X('h', "help", NULL, "show this help and exit")

struct opts {
    const char *json, *sarif, *supp[MAX_SUPPRESSIONS], *log_dir, *trace_lib,
        *symbolizer, *replay;
    int nsupp, gen, isolate, cleanup, exitcode, no_symbolize, quiet;
    unsigned errors;
    char **argv;
};

static const char *prog = "shmcheck";

static void help_row(char s, const char *l, const char *arg, const char *help)
{
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", l, arg ? "=" : "", arg ? arg : "");
    printf("  -%c, %-26s %s\n", s, left, help);
}

static _Noreturn void usage(void)
{
    printf("Usage: %s [options] -- program [arguments...]\n\n"
           "Runs program and every process it starts under the shmcheck "
           "tracer, then\nreports System V shared memory leaks with source "
           "lines.\n\nOptions:\n",
           prog);
#define HELP_ROW(s, l, arg, help) help_row(s, l, arg, help);
    OPTIONS(HELP_ROW)
#undef HELP_ROW
    printf("\nExit status: the program's own (128+N if killed by signal N), "
           "or the\n--error-exitcode when errors are found; 126 if the "
           "program cannot be run,\n127 if it is not found, 2 for bad "
           "usage.\n");
    if (fflush(stdout) != 0)
        exit(2);
    exit(0);
}

static _Noreturn void bad_usage(const char *fmt, const char *what)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    exit(2);
}

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

static int parse_kinds(const char *s, unsigned *out)
{
    char buf[256], *save, *w;
    unsigned m = 0;

    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int k;
        if (strcmp(w, "all") == 0) {
            m = ~0u;
            continue;
        }
        if (strcmp(w, "inherited_unmatched") == 0)
            w = "unmatched_attach";
        for (k = 0; k < CLI_KIND_COUNT && strcmp(w, cli_kind_name(k)); k++)
            ;
        if (k == CLI_KIND_COUNT)
            return -1;
        m |= 1u << k;
    }
    *out = m;
    return 0;
}

/* The long name of the option whose short name is val, or NULL. */
static const char *long_name(const struct option *longs, int val)
{
    for (; longs->name != NULL; longs++)
        if (longs->val == val)
            return longs->name;
    return NULL;
}

/* getopt_long refused an option: say which, as the user wrote it where
 * getopt tells (an unknown long option, which it has passed). */
static _Noreturn void refused(const struct option *longs, char **argv,
                              int missing)
{
    const char *name = optopt != 0 ? long_name(longs, optopt) : NULL;
    char opt[3] = {'-', (char)optopt, '\0'};

    if (missing) /* only options that take one: name is not NULL */
        bad_usage("option '--%s' needs an argument", name);
    if (name != NULL) /* --flag=ARG */
        bad_usage("option '--%s' takes no argument", name);
    bad_usage("unknown option '%s'", optopt != 0 ? opt : argv[optind - 1]);
}

static void parse(int argc, char **argv, struct opts *o)
{
#define LONG_ROW(s, l, arg, help) \
    {l, arg ? required_argument : no_argument, NULL, s},
    static const struct option longs[] = {OPTIONS(LONG_ROW){NULL, 0, NULL, 0}};
#undef LONG_ROW
    int c;

    opterr = 0; /* our messages, in our format */
    o->exitcode = DEFAULT_ERROR_EXITCODE;
    o->errors = 1u << CLI_LEAKED_SEGMENT | 1u << CLI_INVALID_DETACH;
    while ((c = getopt_long(argc, argv, "+:j:s:S:gice:E:l:r:t:y:nqVh", longs,
                            NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = optarg;
            break;
        case 's':
            o->sarif = optarg;
            break;
        case 'S':
            if (o->nsupp == MAX_SUPPRESSIONS)
                bad_usage("at most %s suppression files", "16");
            o->supp[o->nsupp++] = optarg;
            break;
        case 'g':
            o->gen = 1;
            break;
        case 'i':
            o->isolate = 1;
            break;
        case 'c':
            o->cleanup = 1;
            break;
        case 'e':
            if (parse_int(optarg, 1, 255, &o->exitcode) != 0)
                bad_usage("--error-exitcode: '%s' is not a number 1..255",
                          optarg);
            break;
        case 'E':
            if (parse_kinds(optarg, &o->errors) != 0)
                bad_usage("--errors: '%s' is not a list of finding kinds",
                          optarg);
            break;
        case 'l':
            o->log_dir = optarg;
            break;
        case 'r':
            o->replay = optarg;
            break;
        case 't':
            o->trace_lib = optarg;
            break;
        case 'y':
            o->symbolizer = optarg;
            break;
        case 'n':
            o->no_symbolize = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'V':
            printf("shmcheck %s\n", SHMC_VERSION_STRING);
            exit(fflush(stdout) == 0 ? 0 : 2);
        case 'h':
            usage();
        default:
            refused(longs, argv, c == ':');
        }
    }
    if (optind >= argc && !o->replay)
        bad_usage("%s", "no program to run");
    o->argv = argv + optind;
}

/* The tracer: --trace-lib, $SHMCHECK_TRACE_LIB, next to this program, or
 * in ../lib from it (an installed layout). */
static int find_tracer(const struct opts *o, char *out, size_t len)
{
    char self[PATH_MAX], *slash;
    const char *cands[] = {"%s/libshmcheck-trace.so",
                           "%s/../lib/libshmcheck-trace.so"};
    const char *given =
        o->trace_lib ? o->trace_lib : getenv("SHMCHECK_TRACE_LIB");
    ssize_t n;

    if (given)
        return realpath(given, out) && access(out, R_OK) == 0 ? 0 : -1;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    if ((slash = strrchr(self, '/')) != NULL)
        *slash = '\0';
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, cands[i], self);
        if (realpath(path, out) && access(out, R_OK) == 0)
            return 0;
    }
    (void)len;
    return -1;
}

static int is_journal(const struct dirent *d)
{
    size_t n = strlen(d->d_name), k = strlen(SHMC_JSUFFIX);
    return n > k && strcmp(d->d_name + n - k, SHMC_JSUFFIX) == 0;
}

/* The journals' directory, its absolute path in out: --log-dir, made if
 * needed, or a new one under $TMPDIR. A --log-dir must hold no journal
 * yet: the analysis reads every one there, and an earlier run's would be
 * judged again as this tree's. */
static int make_log_dir(const struct opts *o, char *out, size_t len, char *err,
                        size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    struct dirent **names;
    int n;

    if (o->log_dir == NULL) {
        snprintf(out, len, "%s/shmcheck.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(out) != NULL) /* mode 0700 */
            return 0;
        snprintf(err, errlen, "cannot create a log directory in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return -1;
    }
    if ((mkdir(o->log_dir, 0700) != 0 && errno != EEXIST) ||
        realpath(o->log_dir, out) == NULL ||
        (n = scandir(out, &names, is_journal, NULL)) < 0) {
        snprintf(err, errlen, "--log-dir: '%s': %s", o->log_dir,
                 strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (n > 0) {
        snprintf(err, errlen,
                 "--log-dir: '%s' holds the journals of an earlier run "
                 "(analyse them with --replay, or give an empty directory)",
                 o->log_dir);
        return -1;
    }
    return 0;
}

static void remove_log_dir(const char *dir)
{
    char cmd[PATH_MAX + 64];
    struct dirent **names;
    int n = scandir(dir, &names, NULL, NULL);

    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            snprintf(cmd, sizeof cmd, "%s/%s", dir, names[i]->d_name);
            unlink(cmd);
        }
        free(names[i]);
    }
    free(names);
    rmdir(dir);
}

static void apply_suppressions(const struct opts *o, struct cli_run *run,
                               struct cli_supp *supp)
{
    for (size_t i = 0; supp && i < run->nfindings; i++)
        run->findings[i].suppressed =
            cli_supp_match(supp, &run->findings[i]) != 0;
    cli_summarize(run);
    (void)o;
}

/* Removes the leaked segments the tree made: the kernel's creator pid and
 * creation time must still say so, so nothing else is touched. */
static unsigned cleanup(const struct cli_run *run, long start)
{
    unsigned removed = 0;

    for (size_t i = 0; i < run->nfindings; i++) {
        const struct cli_finding *f = &run->findings[i];
        struct shmid_ds ds;
        if (f->kind != CLI_LEAKED_SEGMENT ||
            shmctl(f->shmid, IPC_STAT, &ds) != 0 ||
            ds.shm_cpid != f->creator_pid || ds.shm_ctime < start)
            continue;
        removed += shmctl(f->shmid, IPC_RMID, NULL) == 0;
    }
    return removed;
}

static int errors_found(const struct cli_run *run, unsigned mask)
{
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed &&
            ((mask >> run->findings[i].kind) & 1))
            return 1;
    return 0;
}

static int write_report(const char *path, const struct cli_run *run,
                        int (*fn)(const struct cli_run *, FILE *))
{
    FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
    int r;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", prog, path,
                strerror(errno));
        return -1;
    }
    r = fn(run, f);
    if (f != stdout && fclose(f) != 0) /* the writer has flushed f */
        r = -1; /* LCOV_EXCL_LINE: only close(2) can fail: EIO over NFS */
    if (r != 0)
        fprintf(stderr, "%s: writing '%s' failed\n", prog, path);
    return r;
}

static struct cli_supp *load_suppressions(const struct opts *o)
{
    struct cli_supp *s;
    char err[512];

    if (o->nsupp == 0)
        return NULL;
    if ((s = cli_supp_new()) == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(2);
    }
    for (int i = 0; i < o->nsupp; i++)
        if (cli_supp_load(s, o->supp[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            exit(2);
        }
    return s;
}

static void symbolize(const struct opts *o, struct cli_run *run)
{
    struct cli_symbolizer *sym;
    char err[512];

    if (o->no_symbolize || run->nfindings == 0)
        return;
    if ((sym = cli_symbolizer_start(o->symbolizer, err, sizeof err)) == NULL) {
        fprintf(stderr, "%s: warning: %s; stacks stay as module+offset\n", prog,
                err);
        return;
    }
    cli_symbolize_stacks(sym, run);
    cli_symbolizer_stop(sym);
}

/* The program's own status as a shell would give it. */
static int own_status(const struct cli_run *run)
{
    return run->end == CLI_END_SIGNAL ? 128 + run->value : run->value;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct cli_run run = {0};
    struct cli_reaped *reaped = NULL;
    struct cli_kseg *kernel = NULL;
    struct cli_supp *supp;
    char tracer[PATH_MAX], logdir[PATH_MAX], err[1024];
    size_t nreaped = 0;
    long nkernel, start;
    int top = -1, code, status;

    if (argv[0] && *argv[0])
        prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    parse(argc, argv, &o);
    supp = load_suppressions(&o);
    if (o.replay) {
        start = 0;
        if (realpath(o.replay, logdir) == NULL) {
            fprintf(stderr, "%s: --replay: '%s': %s\n", prog, o.replay,
                    strerror(errno));
            return 2;
        }
        o.log_dir = logdir; /* never removed */
        goto analyse;
    }
    if (find_tracer(&o, tracer, sizeof tracer) != 0) {
        fprintf(stderr,
                "%s: cannot find libshmcheck-trace.so (use "
                "--trace-lib or SHMCHECK_TRACE_LIB)\n",
                prog);
        return 2;
    }
    if (o.isolate && cli_isolate(err, sizeof err) != 0) {
        fprintf(stderr, "%s: --isolate: %s\n", prog, err);
        return 2;
    }
    if (make_log_dir(&o, logdir, sizeof logdir, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    start = (long)time(NULL);
    struct cli_spawn sp = {o.argv, tracer, logdir, 1};
    code = cli_spawn_tree(&sp, &reaped, &nreaped, &top, err, sizeof err);
    if (code != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        if (!o.log_dir)
            remove_log_dir(logdir);
        return code < 0 ? 2 : code;
    }
analyse:
    /* A report written to a closed pipe fails with EPIPE. Not before the
     * tree has run: the program inherits ignored signals across exec. */
    signal(SIGPIPE, SIG_IGN);
    nkernel = cli_kernel_segments(NULL, &kernel);
    struct cli_inputs in = {logdir, kernel,  nkernel > 0 ? (size_t)nkernel : 0,
                            reaped, nreaped, top,
                            start};
    if (cli_analyze(&in, &run) != 0) {
        fprintf(stderr, "%s: out of memory while analysing\n", prog);
        return 2;
    }
    run.command = o.argv; /* empty (argv[argc]) with --replay */
    symbolize(&o, &run);  /* suppressions match function and file names */
    apply_suppressions(&o, &run, supp);
    struct cli_text_opts to = {o.errors, isatty(2), 100,
                               o.gen ? cli_supp_suggest : NULL};
    if ((!o.quiet || errors_found(&run, o.errors)) &&
        cli_report_text(&run, &to, stderr) != 0)
        code = 2;
    if (o.json && write_report(o.json, &run, cli_report_json) != 0)
        code = 2;
    if (o.sarif && write_report(o.sarif, &run, cli_report_sarif) != 0)
        code = 2;
    if (o.cleanup)
        fprintf(stderr, "%s: --cleanup removed %u leaked segment(s)\n", prog,
                cleanup(&run, start));
    status = errors_found(&run, o.errors) ? o.exitcode : own_status(&run);
    if (!o.log_dir)
        remove_log_dir(logdir);
    run.command = NULL;
    cli_run_free(&run);
    cli_supp_free(supp);
    free(reaped);
    free(kernel);
    return code ? code : status;
}
