/*
 * test_findings.c - the run's bookkeeping (src/cli/findings.c): a finding
 * of a kind the reports do not know is named "unknown" in both reports;
 * strings are interned into 64 KiB blocks, a new one for a string that
 * does not fit, earlier strings left where they are.
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

static void test_unknown_kind(void **state)
{
    struct report_fx *fx = *state;
    add_finding(&fx->run, CLI_KIND_COUNT, 3);
    add_finding(&fx->run, CLI_LINT, 4)->rule = "r";

    int json = render_summarized(fx, cli_report_json);
    char *j = strdup(fx->text);
    int sarif = render_summarized(fx, cli_report_sarif);

    assert_int_equal(json, 0);
    assert_int_equal(sarif, 0);
    assert_int_equal(python_check("sarif_schema.py", "", fx->text), 0);
    assert_non_null(j);
    /* made by hand, not by the analysis: one occurrence, time unknown */
    assert_contains(j, "    {\n"
                       "      \"kind\": \"unknown\",\n"
                       "      \"pid\": 3,\n"
                       "      \"count\": 1,\n"
                       "      \"first\": {\n"
                       "        \"pid\": 3,\n"
                       "        \"time_s\": null\n"
                       "      },\n"
                       "      \"last\": {\n"
                       "        \"pid\": 3,\n"
                       "        \"time_s\": null\n"
                       "      },\n"
                       "      \"pids\": [\n"
                       "        3\n"
                       "      ],\n"
                       "      \"stack\": []\n"
                       "    },\n");
    assert_contains(fx->text, "\"ruleId\": \"unknown\",\n"
                              "          \"message\": {\n"
                              "            \"text\": \"finding in pid 3\"\n");
    assert_contains(fx->text, "\"ruleId\": \"lint\",\n"
                              "          \"ruleIndex\": 0,\n");
    assert_int_equal(count(fx->text, "\"id\": "), 1);
    assert_int_equal(count(fx->text, "\"ruleIndex\""), 1);
    free(j);
}

/* Strings go into 64 KiB blocks; one that does not fit the block in use,
 * or any block, gets a new one; earlier strings stay where they are. */
static void test_intern_blocks(void **state)
{
    struct report_fx *fx = *state;
    static char big[100000];
    const char *first = cli_run_strdup(&fx->run, "first");
    memset(big, 'b', sizeof big - 1);

    const char *huge = cli_run_strdup(&fx->run, big);
    big[40000] = '\0';
    const char *a = cli_run_strdup(&fx->run, big);
    const char *b = cli_run_strdup(&fx->run, big);
    const char *none = cli_run_strdup(&fx->run, NULL);

    assert_string_equal(first, "first");
    assert_int_equal(strlen(huge), sizeof big - 1);
    assert_int_equal(strlen(a), 40000);
    assert_int_equal(strlen(b), 40000);
    assert_true(a != b);
    assert_null(none);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_unknown_kind),
        T(test_intern_blocks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
