/*
 * main.c - shmcheck [options] -- prog [args...]
 *
 * Runs a whole process tree under the tracer (or takes the journals of an
 * earlier run, --replay), decides from the journals and the kernel what
 * leaked, and reports it as text, JSON and SARIF, with an exit status fit
 * for CI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <limits.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "assets.h"
#include "kernel.h"
#include "logdir.h"
#include "options.h"
#include "procevents.h"
#include "report.h"
#include "report_html.h"
#include "files.h"
#include "janitor.h"
#include "run.h"
#include "signals.h"
#include "snapshot.h"
#include "suppress.h"
#include "symbolize.h"
#include "text.h"
#include "timeline.h"

/* What happened when, collected for --html only (timeline.h). */
static struct cli_timeline timeline;

/* What the analysis needs from the run of the tree. */
struct tree {
    char log_dir[PATH_MAX];
    int keep_log_dir;          /* --log-dir or --replay: never removed */
    struct shmc_jdir_pin pin;  /* the log directory's identity */
    struct cli_interrupt intr; /* the signals forwarded to the tree */
    struct cli_reaped *reaped;
    size_t nreaped;
    int top_pid;
    long start;                   /* seconds; 0 with --replay */
    uint64_t start_mono_ns;       /* CLOCK_MONOTONIC; 0 with --replay */
    struct cli_procevents events; /* every process of the tree (root) */
    int events_on;                /* events were read during the run  */
};

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "%s: %s%s\n", cli_prog, what, err);
    return 2;
}

/* --replay: the journals are there already. 0, or the exit status. A
 * file or a directory without journals is bad usage: its report would be
 * a clean one that no run ever made. */
static int open_replay(const struct cli_opts *o, struct tree *t)
{
    t->keep_log_dir = 1;
    if (realpath(o->replay, t->log_dir) != NULL)
        switch (cli_log_dir_has_journal(t->log_dir)) {
        case 1:
            return 0;
        case 0:
            cli_bad_usage("--replay: '%s' holds no journal", o->replay);
        default:
            if (errno == ENOTDIR)
                cli_bad_usage("--replay: '%s' is not a directory", o->replay);
        }
    fprintf(stderr, "%s: --replay: '%s': %s\n", cli_prog, o->replay,
            strerror(errno));
    return 2;
}

/* Runs the program's tree under the tracer. 0, or the exit status. */
static int run_tree(const struct cli_opts *o, struct tree *t)
{
    char tracer[PATH_MAX], err[1024];
    int code, root = geteuid() == 0; /* before a user namespace says 0 */

    if (cli_find_tracer(o->trace_lib, tracer, err, sizeof err) != 0)
        return fail("", err);
    /* The log directory first: in the user namespace --isolate may enter,
     * root's directories above it would look like nobody's. */
    if (cli_log_dir_make(o->log_dir, t->log_dir, sizeof t->log_dir, &t->pin,
                         err, sizeof err) != 0)
        return fail("", err);
    t->keep_log_dir = o->log_dir != NULL;
    /* Ours is removed at every end we reach, and by the janitor at the
     * others (killed, crashed). Its pipe stays open until we end. */
    if (!t->keep_log_dir)
        cli_janitor_start(t->log_dir, &t->pin);
    if (o->isolate && cli_isolate(err, sizeof err) != 0) {
        if (!t->keep_log_dir)
            cli_log_dir_remove(t->log_dir);
        return fail("--isolate: ", err);
    }
    t->start = (long)time(NULL);
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    t->start_mono_ns =
        (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
    /* As root: the kernel's process events tell every process of the
     * tree, static ones reaped by their own parents too. Without them
     * (not root), the report says what it could not know. */
    t->events_on =
        root && !o->no_events &&
        cli_procevents_start(&t->events, getpid(), err, sizeof err) == 0;
    struct cli_spawn sp = {.argv = o->argv,
                           .trace_so = tracer,
                           .log_dir = t->log_dir,
                           .quiet_tracer = 1,
                           .pin = &t->pin,
                           .intr = &t->intr};
    code = cli_spawn_tree(&sp, &t->reaped, &t->nreaped, &t->top_pid, err,
                          sizeof err);
    if (t->events_on)
        cli_procevents_stop(&t->events);
    if (code == 0)
        return 0;
    fail("", err);
    if (!t->keep_log_dir)
        cli_log_dir_remove(t->log_dir);
    return code < 0 ? 2 : code;
}

static struct cli_supp *load_suppressions(const struct cli_opts *o)
{
    struct cli_supp *s;
    char err[512];

    if (o->nsupp == 0)
        return NULL;
    if ((s = cli_supp_new()) == NULL)
        exit(fail("out of memory", ""));
    for (int i = 0; i < o->nsupp; i++)
        if (cli_supp_load(s, o->supp[i], err, sizeof err) != 0)
            exit(fail("", err));
    return s;
}

/* Function, file and line for every frame of the findings; a symbolizer
 * that cannot start (out of memory, a SHMCHECK_DEBUG_DIR it refuses) is a
 * warning of the report, in every format. 0, or -1 when memory runs out
 * for the warning too. */
static int symbolize(const struct cli_opts *o, struct cli_run *run)
{
    struct cli_symbolizer *sym;
    char err[256];

    if (o->no_symbolize || run->nfindings == 0)
        return 0;
    if ((sym = cli_symbolizer_start(err, sizeof err)) == NULL) {
        snprintf(err + strlen(err), sizeof err - strlen(err),
                 "; stacks stay as module+offset");
        return cli_run_warn(run, err);
    }
    cli_symbolize_stacks(sym, run);
    cli_symbolizer_stop(sym);
    return 0;
}

/* The kernel's segments to judge the journals against: with --replay,
 * those the run left (its snapshot, with the run's isolation and start),
 * when the log directory has one; else the kernel's now, kept as the
 * snapshot when the log directory is kept (--log-dir). */
static long kernel_view(const struct cli_opts *o, const struct tree *t,
                        struct cli_kseg **kernel, int *isolated, long *start,
                        int *damaged)
{
    if (o->replay) {
        long n = cli_snapshot_load(t->log_dir, kernel, isolated, start);
        if (n >= 0)
            return n;
        *damaged = errno != ENOENT; /* else an older log dir: none */
        return cli_kernel_segments(NULL, kernel);
    }
    if (t->keep_log_dir)
        (void)cli_snapshot_save(t->log_dir, NULL, *isolated, *start);
    return cli_kernel_segments(NULL, kernel);
}

/* The findings from the journals and the kernel, symbolized, then
 * suppressed (rules match function and file names). 0, or -1 when
 * memory ran out. */
static int analyse(const struct cli_opts *o, const struct tree *t,
                   struct cli_supp *supp, struct cli_run *run)
{
    struct cli_kseg *kernel = NULL;
    int isolated = o->isolate && !o->replay, damaged = 0;
    long start = t->start,
         nkernel = kernel_view(o, t, &kernel, &isolated, &start, &damaged);
    struct cli_inputs in = {.log_dir = t->log_dir,
                            .kernel = kernel,
                            .nkernel = nkernel > 0 ? (size_t)nkernel : 0,
                            .reaped = t->reaped,
                            .nreaped = t->nreaped,
                            .top_pid = t->top_pid,
                            .start_time = start,
                            .start_mono_ns = t->start_mono_ns,
                            .isolated = isolated,
                            .intr = &t->intr};
    if (o->html) {
        cli_timeline_init(&timeline);
        in.timeline = &timeline;
    }
    if (t->events_on) {
        in.seen = cli_procevents_list(&t->events, &in.nseen);
        in.tree_known = !cli_procevents_lost(&t->events);
    }
    int rc = cli_analyze(&in, run);

    free(kernel);
    if (rc != 0 || cli_log_dir_messages(t->log_dir, run) != 0 ||
        (damaged && cli_run_warn(run, CLI_SNAPSHOT_NAME
                                 " in the log directory "
                                 "is damaged: the journals were judged "
                                 "against the kernel's segments now") != 0))
        return -1;
    run->command = o->argv; /* empty (argv[argc]) with --replay */
    if (symbolize(o, run) != 0)
        return -1; /* LCOV_EXCL_LINE: only cli_run_warn out of memory */
    for (size_t i = 0; supp && i < run->nfindings; i++)
        run->findings[i].suppressed =
            cli_supp_match(supp, &run->findings[i]) != 0;
    cli_summarize(run);
    return 0;
}

static int write_report(const char *path, const struct cli_run *run,
                        int (*fn)(const struct cli_run *, FILE *))
{
    FILE *f = strcmp(path, "-") ? cli_open_write(path) : stdout;
    int r;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", cli_prog, path,
                errno == ENXIO ? "a FIFO nobody reads" : strerror(errno));
        return -1;
    }
    r = fn(run, f);
    if (f != stdout && fclose(f) != 0) /* the writer has flushed f */
        r = -1; /* LCOV_EXCL_LINE: only close(2) can fail: EIO over NFS */
    if (r != 0)
        fprintf(stderr, "%s: writing '%s' failed\n", cli_prog, path);
    return r;
}

/* The HTML report: the page the build embedded, the run's data. */
static int html_report(const struct cli_run *run, FILE *f)
{
    const struct cli_html_page page = {cli_asset_html, cli_asset_css,
                                       cli_asset_js};

    return cli_report_html(run, &timeline, &page, f);
}

/* The text report on stderr, and the files asked for. 0, or 2 when one
 * could not be written. */
static int report(const struct cli_opts *o, const struct cli_run *run)
{
    struct cli_text_opts to = {o->errors, isatty(2), 100,
                               o->gen ? cli_supp_suggest : NULL};
    int code = 0;

    if ((!o->quiet || cli_run_has_errors(run, o->errors)) &&
        cli_report_text(run, &to, stderr) != 0)
        code = 2;
    if (o->json && write_report(o->json, run, cli_report_json) != 0)
        code = 2;
    if (o->sarif && write_report(o->sarif, run, cli_report_sarif) != 0)
        code = 2;
    if (o->html && write_report(o->html, run, html_report) != 0)
        code = 2;
    return code;
}

/* The errors' exit code, or the program's own status as a shell would
 * give it; a run the user stopped after the program itself ended exited
 * 0 (sh -c 'daemon &'), as the signal would end a shell's command. */
static int status(const struct cli_opts *o, const struct cli_run *run,
                  const struct cli_interrupt *intr)
{
    if (cli_run_has_errors(run, o->errors))
        return o->exitcode;
    if (run->end == CLI_END_SIGNAL)
        return 128 + run->value;
    return run->value == 0 && intr->after_top ? 128 + intr->sig : run->value;
}

static void say_cleanup(struct cli_cleanup c)
{
    fprintf(stderr, "%s: --cleanup removed %u leaked segment(s)", cli_prog,
            c.removed);
    if (c.unproven)
        fprintf(stderr,
                "; left %u not proven to be this run's (created by a "
                "process without a journal, or the segment is not the one "
                "its journal recorded)",
                c.unproven);
    fputc('\n', stderr);
}

/* --sarif's source root, resolved now (before the program runs: a
 * mistake is bad usage, not a lost run): --source-root, else the current
 * directory. */
static void source_root(const struct cli_opts *o, char *out)
{
    const char *dir = o->source_root ? o->source_root : ".";
    struct stat st;

    if (o->sarif == NULL)
        return;
    if (realpath(dir, out) == NULL || stat(out, &st) != 0)
        cli_bad_usage("--source-root: '%s' cannot be resolved", dir);
    if (!S_ISDIR(st.st_mode))
        cli_bad_usage("--source-root: '%s' is not a directory", dir);
}

int main(int argc, char **argv)
{
    struct cli_opts o = {0};
    struct tree t = {.top_pid = -1};
    struct cli_run run = {0};
    struct cli_supp *supp;
    char root[PATH_MAX] = "";
    int code;

    /* One malloc arena: our helper threads (process events, the journal
     * broker) allocate little, and an arena of their own each costs a
     * 64 MiB reservation and its page faults in every run. */
    mallopt(M_ARENA_MAX, 1);
    cli_parse_options(argc, argv, &o);
    source_root(&o, root);
    supp = load_suppressions(&o);
    code = o.replay ? open_replay(&o, &t) : run_tree(&o, &t);
    if (code != 0)
        return code;
    /* A report written to a closed pipe fails with EPIPE. Not before the
     * tree has run: the program inherits ignored signals across exec. */
    signal(SIGPIPE, SIG_IGN);
    if (analyse(&o, &t, supp, &run) != 0)
        return fail("out of memory while analysing", "");
    run.source_root = root[0] ? root : NULL;
    run.errors = o.errors;
    code = report(&o, &run);
    if (o.cleanup)
        say_cleanup(cli_remove_leaked(&run, o.isolate && !o.replay));
    code = code ? code : status(&o, &run, &t.intr);
    if (!t.keep_log_dir)
        cli_log_dir_remove(t.log_dir);
    run.command = NULL;
    cli_run_free(&run);
    cli_timeline_free(&timeline);
    cli_supp_free(supp);
    free(t.reaped);
    if (t.events_on)
        cli_procevents_free(&t.events);
    return code;
}
