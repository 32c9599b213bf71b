/*
 * test_cov3_reports.c - the times and counts of grouped findings in the
 * reports (src/cli/json.c, text.c, report_json.c): a negative number of
 * seconds and a whole one in JSON, a first occurrence before the run's
 * start in the text report, a leak group of one segment, a finding made
 * without the analysis (count 0, or a count without its pids) and times when
 * the run's start is not known.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "group.h"
#include "json.h"
#include "report.h"
#include "text.h"

static void test_json_seconds(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    struct cli_json j;

    (void)state;
    assert_non_null(m);
    cli_json_init(&j, m);
    cli_json_array(&j);
    cli_json_seconds(&j, -1500000);    /* -1.5 ms */
    cli_json_seconds(&j, 2000000000);  /* 2 s */
    cli_json_seconds(&j, -3000000000); /* -3 s */
    cli_json_end(&j);
    assert_int_equal(fclose(m), 0);
    assert_non_null(strstr(text, "-0.0015"));
    assert_non_null(strstr(text, "2.0"));
    assert_non_null(strstr(text, "-3.0"));
    assert_null(strstr(text, "2.00"));
    free(text);
}

/* A group of 3 invalid detaches in 2 processes, the first 1 s before the
 * run's start, the last 1.5 s after; a leak group of one segment counted
 * twice has no segment list. */
static void test_text_before_start(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {0, 0, 100, NULL};
    struct cli_finding *f;

    fx->run.start_ns = 5000000000u;
    f = add_finding(&fx->run, CLI_INVALID_DETACH, 10);
    f->count = 3;
    assert_int_equal(cli_group_add_pid(f, 10), 0);
    assert_int_equal(cli_group_add_pid(f, 11), 0);
    f->first = (struct cli_occurrence){10, 4000000000u};
    f->last = (struct cli_occurrence){11, 6500000000u};
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 10);
    f->shmid = 7;
    f->count = 2;
    assert_int_equal(cli_group_add_pid(f, 10), 0);
    f->first = f->last = (struct cli_occurrence){10, 0};
    cli_summarize(&fx->run);
    FILE *m = begin_text(fx);
    assert_int_equal(cli_report_text(&fx->run, &o, m), 0);
    end_text(m);
    assert_contains(fx->text, "3 times in 2 processes (pids 10, 11), first "
                              "at -1.000 s (pid 10), last at +1.500 s "
                              "(pid 11)");
    assert_contains(fx->text, "2 times in 1 process (pid 10), first in pid "
                              "10, last in pid 10");
    assert_null(strstr(fx->text, "segments: shmid"));
}

/* A finding made without the analysis counts once, at its own pid and
 * time (one counted without pids: its count, at its own pid); with the run's
 * start unknown, no time is given. */
static void test_json_ungrouped(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f = add_finding(&fx->run, CLI_INVALID_DETACH, 10);

    f->count = 0;
    f->when = 123;
    f = add_finding(&fx->run, CLI_FAILED_CALL, 12); /* counted, no pids */
    f->count = 5;
    f->call = "shmget";
    assert_int_equal(render_summarized(fx, cli_report_json), 0);
    assert_contains(fx->text, "\"count\": 1,");
    assert_int_equal(count(fx->text, "\"pid\": 10,\n        \"time_s\": "
                                     "null"),
                     2); /* first and last */
    assert_contains(fx->text, "\"count\": 5,");
    assert_int_equal(count(fx->text, "\"pid\": 12,\n        \"time_s\": "
                                     "null"),
                     2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_seconds),
        T(test_text_before_start),
        T(test_json_ungrouped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
