/*
 * test_text.c - cli_report_text, the report on stderr: the exact block
 * of every kind of finding (the process's command, cut after 8 arguments;
 * frames with and without function, file and module; errno names and
 * numbers; missing messages), ERROR or WARNING as --errors says, colours
 * only when asked, the run's warnings first, suppressed findings left out,
 * blocks capped with the rest counted, --gen-suppressions' rules (and
 * none when one does not fit), the SUMMARY line, and -1 when the stream
 * cannot be written; what the program or the file system named escaped.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "findings.h"
#include "text.h"

#define ERRORS (1u << CLI_LEAKED_SEGMENT | 1u << CLI_INVALID_DETACH)

/* Renders the run, summarized, into fx->text; returns the writer's result. */
static int render_text(struct report_fx *fx, const struct cli_text_opts *o)
{
    FILE *m;
    int rc;

    cli_summarize(&fx->run);
    m = begin_text(fx);
    rc = cli_report_text(&fx->run, o, m);
    end_text(m);
    return rc;
}

/* --- blocks ------------------------------------------------------------- */

static void build_every_kind(struct cli_run *run)
{
    struct cli_finding *f;

    add_process(run, 100, ARGV("/bin/prog", "a", "b"));
    add_process(run, 101, ARGV("w", "1", "2", "3", "4", "5", "6", "7", "8"));
    add_process(run, 102, ARGV("x", "1", "2", "3", "4", "5", "6", "7"));
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 5, f->key = 0xf00f, f->size = 4096, f->creator_pid = 100;
    add_frame(run, f, &main_x12);
    add_frame(run, f, &libc_start);
    f = add_finding(run, CLI_LEAKED_SEGMENT, 103);
    f->shmid = 6, f->key = -1, f->size = 1, f->creator_pid = 103;
    f->seen_by_kernel = 1;
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 101);
    f->shmid = 5, f->addr = 0x7f1234560000, f->ended_by = CLI_END_EXIT;
    add_frame(run, f, &(struct frame){0x10, NULL, 0, "attach", "y.c", 3});
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 102);
    f->shmid = 5, f->addr = 0x1000, f->inherited = 1;
    f->ended_by = CLI_END_EXEC;
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 102);
    f->shmid = 5, f->addr = 0x2000, f->ended_by = CLI_END_SIGNAL;
    add_frame(run, f, &(struct frame){0x20, "prog", 0x20, NULL, "z.c", 0});
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    f->addr = 0x3000, f->err = EINVAL;
    f->message = cli_run_strdup(run, "double detach");
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    f->addr = 0x4000, f->err = 4242;
    f = add_finding(run, CLI_FAILED_CALL, 100);
    f->call = "shmget", f->err = EEXIST;
    f->message = cli_run_strdup(run, "key exists");
    f = add_finding(run, CLI_FAILED_CALL, 104);
    f->call = "ftok", f->err = 4243;
    f = add_finding(run, CLI_LINT, 100);
    f->rule = "world_writable", f->shmid = 5;
    f->message = cli_run_strdup(run, "any user may write");
    f = add_finding(run, CLI_LINT, 100);
    f->rule = "never_removed";
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 9, f->size = 1 << 20, f->suppressed = 1;
}

static void test_every_kind(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {ERRORS, 0, 100, NULL};
    static const char want[] =
        "==shmcheck== warning: pid 104's journal is damaged\n"
        "==shmcheck== ERROR: leaked segment: shmid 5 key 0x0000f00f, 4096 "
        "bytes, created by pid 100 (/bin/prog a b), never removed "
        "(IPC_RMID):\n"
        "==shmcheck==     #0 0x401136 in main x.c:12 (prog+0x1136)\n"
        "==shmcheck==     #1 0x7f0000029d90 in ?? (libc.so.6+0x29d90)\n"
        "==shmcheck== ERROR: leaked segment: shmid 6 key 0xffffffff, 1 bytes, "
        "created by pid 103, seen by the kernel only (no journal has its "
        "creation):\n"
        "==shmcheck== WARNING: unmatched attach: shmid 5 at 0x7f1234560000 in "
        "pid 101 (w 1 2 3 4 5 6 7 ...), never detached before exit; attached "
        "at:\n"
        "==shmcheck==     #0 0x10 in attach y.c:3\n"
        "==shmcheck== WARNING: unmatched attach (inherited through fork): "
        "shmid 5 at 0x1000 in pid 102 (x 1 2 3 4 5 6 7), never detached "
        "before exec; attached at:\n"
        "==shmcheck== WARNING: unmatched attach: shmid 5 at 0x2000 in pid 102 "
        "(x 1 2 3 4 5 6 7), never detached before a signal; attached at:\n"
        "==shmcheck==     #0 0x20 in ?? z.c:0 (prog+0x20)\n"
        "==shmcheck== ERROR: invalid detach: shmdt(0x3000) -> EINVAL in pid "
        "100 (/bin/prog a b): double detach:\n"
        "==shmcheck== ERROR: invalid detach: shmdt(0x4000) -> 4242 in pid 100 "
        "(/bin/prog a b): not attached:\n"
        "==shmcheck== WARNING: failed call: shmget -> EEXIST in pid 100 "
        "(/bin/prog a b): shmcheck: key exists:\n"
        "==shmcheck== WARNING: failed call: ftok -> 4243 in pid 104:\n"
        "==shmcheck== WARNING: lint world_writable: any user may write (shmid "
        "5, pid 100):\n"
        "==shmcheck== WARNING: lint never_removed:  (shmid -1, pid 100):\n"
        "==shmcheck== SUMMARY: shmcheck: 2 leaked segment(s) (4097 bytes), 2 "
        "unmatched attach(es), 1 inherited unmatched, 2 invalid detach(es), 2 "
        "failed call(s), 2 lint(s); 1 suppressed\n";
    build_every_kind(&fx->run);
    fx->run.warnings = calloc(2, sizeof *fx->run.warnings);
    assert_non_null(fx->run.warnings);
    fx->run.warnings[0] = strdup("pid 104's journal is damaged");
    fx->run.nwarnings = 1;

    int rc = render_text(fx, &o);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
}

/* What the program or the file system named is escaped: a newline, a
 * terminal escape, a C1 control or invalid UTF-8 in argv, comm, a
 * function, a file, a module, a message or a warning neither breaks a
 * line nor reaches the terminal; the SUMMARY line stays the only one. */
static void test_escaped(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {ERRORS, 0, 100, NULL};
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    static const char want[] =
        "==shmcheck== warning: tracer: x\\n==shmcheck== SUMMARY: "
        "fake\\x1b[2J\n"
        "==shmcheck== ERROR: leaked segment: shmid 1 key 0x00000000, 1 bytes, "
        "created by pid 100 (./p a\\n==shmcheck== SUMMARY: shmcheck: 0 leaked "
        "segment(s) \\x1b[2J \\u009b2J \\xff\\\\), never removed "
        "(IPC_RMID):\n"
        "==shmcheck==     #0 0x10 in f\\ng\\x07 /s\\r/x.c:3 "
        "(m\\x1b]0;t\\x07+0x10)\n"
        "==shmcheck== ERROR: leaked segment: shmid 2 key 0x00000000, 1 bytes, "
        "created by pid 101 (co\\nmm\\x7f), seen by the kernel only (no "
        "journal has its creation):\n"
        "==shmcheck== WARNING: lint r: a\\nb (shmid -1, pid 100):\n"
        "==shmcheck== SUMMARY: shmcheck: 2 leaked segment(s) (2 bytes), 0 "
        "unmatched attach(es), 0 inherited unmatched, 0 invalid detach(es), 0 "
        "failed call(s), 1 lint(s); 0 suppressed\n";

    add_process(run, 100,
                ARGV("./p",
                     "a\n==shmcheck== SUMMARY: shmcheck: 0 leaked "
                     "segment(s)",
                     "\x1b[2J",
                     "\xc2\x9b"
                     "2J",
                     "\xff\\"));
    add_process(run, 101, NULL)->name = "co\nmm\x7f";
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 1, f->size = 1, f->creator_pid = 100;
    add_frame(run, f,
              &(struct frame){0x10, "/d/m\x1b]0;t\x07", 0x10, "f\ng\a",
                              "/s\r/x.c", 3});
    f = add_finding(run, CLI_LEAKED_SEGMENT, 101);
    f->shmid = 2, f->size = 1, f->creator_pid = 101, f->seen_by_kernel = 1;
    f = add_finding(run, CLI_LINT, 100);
    f->rule = "r", f->message = cli_run_strdup(run, "a\nb");
    run->warnings = calloc(2, sizeof *run->warnings);
    assert_non_null(run->warnings);
    run->warnings[0] = strdup("tracer: x\n==shmcheck== SUMMARY: fake\x1b[2J");
    run->nwarnings = 1;

    int rc = render_text(fx, &o);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
}

/* --errors decides the level; colours only on a terminal (o->color). */
static void test_levels_and_colours(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts all = {~0u, 1, 100, NULL};
    const struct cli_text_opts none = {0, 1, 100, NULL};
    struct cli_finding *f = add_finding(&fx->run, CLI_LINT, 1);
    f->rule = "r", f->message = "m";
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 1);
    f->size = 1;

    int rc_all = render_text(fx, &all);
    char *as_errors = strdup(fx->text);
    int rc_none = render_text(fx, &none);

    assert_int_equal(rc_all, 0);
    assert_int_equal(rc_none, 0);
    assert_non_null(as_errors);
    assert_non_null(strstr(as_errors, "==shmcheck== \033[1;31mERROR\033[0m: "
                                      "lint r: m (shmid -1, pid 1):\n"));
    assert_non_null(strstr(as_errors, "==shmcheck== \033[1;31mERROR\033[0m: "
                                      "leaked segment"));
    assert_non_null(strstr(fx->text, "==shmcheck== \033[1;33mWARNING\033[0m: "
                                     "lint r"));
    assert_non_null(strstr(fx->text, "==shmcheck== \033[1;33mWARNING\033[0m: "
                                     "leaked segment"));
    free(as_errors);
}

/* max_blocks blocks; the others, not the suppressed ones, are counted. */
static void test_capped(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {ERRORS, 0, 3, NULL};
    for (int i = 0; i < 7; i++) {
        struct cli_finding *f = add_finding(&fx->run, CLI_INVALID_DETACH, i);
        f->err = EINVAL;
        f->suppressed = i == 1;
    }

    int rc = render_text(fx, &o);

    assert_int_equal(rc, 0);
    assert_non_null(strstr(fx->text, "in pid 0:"));
    assert_null(strstr(fx->text, "in pid 1:"));
    assert_non_null(strstr(fx->text, "in pid 3:"));
    assert_null(strstr(fx->text, "in pid 4:"));
    assert_non_null(strstr(fx->text, "==shmcheck== ... and 3 more findings "
                                     "(all of them are in --json)\n"
                                     "==shmcheck== SUMMARY: "));
    assert_non_null(strstr(fx->text, "6 invalid detach(es)"));
    assert_non_null(strstr(fx->text, "; 1 suppressed\n"));
}

/* --- suppression rules -------------------------------------------------- */

static size_t fits(const struct cli_finding *f, char *buf, size_t len)
{
    return (size_t)snprintf(buf, len, "%s:pid%d",
                            f->kind == CLI_LINT ? "lint" : "*", f->pid);
}

static size_t too_long(const struct cli_finding *f, char *buf, size_t len)
{
    (void)f;
    snprintf(buf, len, "x");
    return len; /* the rule needs len + 1 bytes: not printed */
}

static void test_suggestions(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts ok = {ERRORS, 0, 100, fits};
    const struct cli_text_opts cut = {ERRORS, 0, 100, too_long};
    add_finding(&fx->run, CLI_LINT, 7)->rule = "r";

    int rc_ok = render_text(fx, &ok);
    char *with = strdup(fx->text);
    int rc_cut = render_text(fx, &cut);

    assert_int_equal(rc_ok, 0);
    assert_int_equal(rc_cut, 0);
    assert_non_null(with);
    assert_non_null(strstr(with, "(shmid -1, pid 7):\n"
                                 "==shmcheck==   suppression: lint:pid7\n"));
    assert_null(strstr(fx->text, "suppression"));
    free(with);
}

/* --- failures ----------------------------------------------------------- */

static void test_write_error(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {ERRORS, 0, 100, NULL};
    FILE *full = fopen("/dev/full", "w");
    FILE *ro = fopen("/dev/null", "r");
    if (full == NULL || ro == NULL)
        skip();
    build_every_kind(&fx->run);
    cli_summarize(&fx->run);

    int rc_full = cli_report_text(&fx->run, &o, full);
    int rc_ro = cli_report_text(&fx->run, &o, ro);
    fclose(full);
    fclose(ro);

    assert_int_equal(rc_full, -1);
    assert_int_equal(rc_ro, -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_kind), T(test_escaped),     T(test_levels_and_colours),
        T(test_capped),     T(test_suggestions), T(test_write_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
