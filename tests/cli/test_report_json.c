/*
 * test_report_json.c - cli_report_json (src/cli/report_json.c) on runs
 * built by hand: the exact JSON of a run with one finding of each kind
 * (and a suppressed one that is counted, not shown), of an empty run, of
 * every kind of exit and of the optional fields (byte for byte as in
 * tests/cli/expected/report_json/), which Python 3 must read
 * with json.dumps(indent=2)'s layout and no duplicate key
 * (tests/cli/check_json.py; skipped without it); and -1 from both
 * writers, JSON and SARIF, when the FILE cannot be written.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "findings.h"
#include "json.h"
#include "report.h"

static void test_json_full_run(void **state)
{
    struct report_fx *fx = *state;
    int rc;

    build_full_run(&fx->run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, expected_text("report_json/full_run.json"));
    assert_int_equal(python_check("check_json.py", "layout", fx->text), 0);
}

static void test_json_empty_run(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {"true", NULL};
    int rc;

    fx->run.command = cmd;
    fx->run.end = CLI_END_EXIT;
    cli_summarize(&fx->run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, expected_text("report_json/empty_run.json"));
    assert_int_equal(python_check("check_json.py", "layout", fx->text), 0);
}

/* A status, a signal, and {"status": null} for an unknown end and for an
 * exec (the report format has no other shape); no command is []. */
static void test_json_exits(void **state)
{
    struct report_fx *fx = *state;
    int rc_signal, rc_unknown;
    char *signal_text;

    fx->run.end = CLI_END_SIGNAL;
    fx->run.value = 9;
    add_traced(&fx->run, 10, 1, ARGV(NULL), CLI_END_EXIT, 3);
    add_traced(&fx->run, 11, 10, ARGV("b"), CLI_END_SIGNAL, 15);
    add_traced(&fx->run, 12, 10, ARGV(NULL), CLI_END_UNKNOWN, 0);
    add_traced(&fx->run, 13, 10, ARGV("d"), CLI_END_EXEC, 0);
    free(fx->run.procs[2].argv);
    fx->run.procs[2].argv = NULL;

    rc_signal = render(fx, cli_report_json);
    signal_text = fx->text;
    fx->text = NULL;
    fx->run.end = CLI_END_UNKNOWN;
    rc_unknown = render(fx, cli_report_json);

    assert_int_equal(rc_signal, 0);
    assert_string_equal(signal_text, expected_text("report_json/exits.json"));
    free(signal_text);
    assert_int_equal(rc_unknown, 0);
    assert_contains(fx->text, "  \"command\": [],\n"
                              "  \"exit\": {\n"
                              "    \"status\": null\n"
                              "  },\n");
}

/* Optional and odd fields: "ended_by" null and "exec", a finding's own
 * message, an errno without a name, a failed call with no call name and
 * no message, a lint with no shmid and no message, a negative key, a
 * frame that knows nothing but its pc. */
static void test_json_finding_details(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {"prog", NULL};
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    int rc;

    run->command = cmd;
    run->end = CLI_END_EXIT;
    f = add_finding(run, CLI_LEAKED_SEGMENT, 7);
    f->shmid = 9, f->key = -1, f->size = UINT64_C(1) << 40;
    f->creator_pid = 7, f->seen_by_kernel = 1;
    add_frame(run, f, &(struct frame){0x10, NULL, 0, NULL, NULL, 0});
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 7);
    f->shmid = 3, f->addr = 0x1000, f->ended_by = CLI_END_UNKNOWN;
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 7);
    f->shmid = 3, f->addr = 0x2000, f->ended_by = CLI_END_EXEC;
    f->message = intern(run, "attached in a loop");
    f = add_finding(run, CLI_INVALID_DETACH, 7);
    f->err = 4242;
    f = add_finding(run, CLI_FAILED_CALL, 7);
    f->err = ENOENT, f->args[0] = -1, f->args[3] = INT64_MIN;
    f = add_finding(run, CLI_LINT, 7);
    f->rule = intern(run, "mode-world-writable");
    cli_summarize(run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text,
                        expected_text("report_json/finding_details.json"));
    assert_int_equal(python_check("check_json.py", "layout", fx->text), 0);
}

/* A full disk shows at fflush, a read-only stream at the first write. */
static void test_write_errors(void **state)
{
    struct report_fx *fx = *state;
    FILE *full = fopen("/dev/full", "w");
    FILE *ro = fopen("/dev/null", "r");
    int json_full, sarif_full, json_ro, sarif_ro;

    if (full == NULL || ro == NULL) {
        if (full != NULL)
            fclose(full);
        if (ro != NULL)
            fclose(ro);
        skip();
    }
    build_full_run(&fx->run);

    json_full = cli_report_json(&fx->run, full);
    clearerr(full);
    sarif_full = cli_report_sarif(&fx->run, full);
    json_ro = cli_report_json(&fx->run, ro);
    clearerr(ro);
    sarif_ro = cli_report_sarif(&fx->run, ro);
    fclose(full);
    fclose(ro);

    assert_int_equal(json_full, -1);
    assert_int_equal(sarif_full, -1);
    assert_int_equal(json_ro, -1);
    assert_int_equal(sarif_ro, -1);
}

/* An untraced process: its comm, and no "reason" when it has none (only
 * the analysis gives one). */
static void test_json_untraced_without_reason(void **state)
{
    struct report_fx *fx = *state;

    add_traced(&fx->run, 10, 1, ARGV("a"), CLI_END_EXIT, 0);
    struct cli_process *p = add_process(&fx->run, 11, ARGV(NULL));
    p->ppid = 10;
    p->name = intern(&fx->run, "static");

    assert_int_equal(render(fx, cli_report_json), 0);
    assert_contains(fx->text, "\"traced\": false,\n"
                              "      \"comm\": \"static\"\n");
    assert_null(strstr(fx->text, "\"reason\""));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_json_full_run), T(test_json_empty_run),
        T(test_json_exits),    T(test_json_finding_details),
        T(test_write_errors),  T(test_json_untraced_without_reason),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
