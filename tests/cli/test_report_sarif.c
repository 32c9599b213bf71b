/*
 * test_report_sarif.c - cli_report_sarif (src/cli/report_sarif.c): the
 * exact SARIF of one finding; every kind with its rule and level, the
 * suppressed leak not shown; an empty run; each finding's message, with
 * what is missing said plainly; and the invocation of a run that ended by
 * a signal with no name, or in no known way. Python 3 checks SARIF's
 * required keys as GitHub takes them (tests/cli/check_sarif.py; skipped
 * without it). Locations and fingerprints: test_report_sarif_locations.c.
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

/* What test_sarif_one_finding must render, exactly. */
static const char sarif_one_finding_want[] =
    "{\n"
    "  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
    "  \"version\": \"2.1.0\",\n"
    "  \"runs\": [\n"
    "    {\n"
    "      \"tool\": {\n"
    "        \"driver\": {\n"
    "          \"name\": \"shmcheck\",\n"
    "          \"version\": \"0.1.0\",\n"
    "          \"rules\": [\n"
    "            {\n"
    "              \"id\": \"leaked_segment\",\n"
    "              \"shortDescription\": {\n"
    "                \"text\": \"Leaked shared memory segment\"\n"
    "              },\n"
    "              \"fullDescription\": {\n"
    "                \"text\": \"A segment created by the traced process "
    "tree still exists, not marked for removal, after every process ended. "
    "Only shmctl(IPC_RMID) removes a segment; shmdt and exit do not.\"\n"
    "              },\n"
    "              \"defaultConfiguration\": {\n"
    "                \"level\": \"error\"\n"
    "              }\n"
    "            }\n"
    "          ]\n"
    "        }\n"
    "      },\n"
    "      \"results\": [\n"
    "        {\n"
    "          \"ruleId\": \"leaked_segment\",\n"
    "          \"ruleIndex\": 0,\n"
    "          \"level\": \"error\",\n"
    "          \"message\": {\n"
    "            \"text\": \"leaked segment shmid 5 (key 0x0000f00f, 4096 "
    "bytes) created by pid 100 was never removed\"\n"
    "          },\n"
    "          \"locations\": [\n"
    "            {\n"
    "              \"physicalLocation\": {\n"
    "                \"artifactLocation\": {\n"
    "                  \"uri\": \"src/a%20b.c\"\n"
    "                },\n"
    "                \"region\": {\n"
    "                  \"startLine\": 12\n"
    "                }\n"
    "              }\n"
    "            }\n"
    "          ],\n"
    "          \"stacks\": [\n"
    "            {\n"
    "              \"frames\": [\n"
    "                {\n"
    "                  \"location\": {\n"
    "                    \"physicalLocation\": {\n"
    "                      \"address\": {\n"
    "                        \"absoluteAddress\": 139637977387008\n"
    "                      }\n"
    "                    },\n"
    "                    \"logicalLocations\": [\n"
    "                      {\n"
    "                        \"name\": \"shmget\",\n"
    "                        \"kind\": \"function\"\n"
    "                      }\n"
    "                    ]\n"
    "                  },\n"
    "                  \"module\": \"/lib/libshm.so\"\n"
    "                },\n"
    "                {\n"
    "                  \"location\": {\n"
    "                    \"physicalLocation\": {\n"
    "                      \"artifactLocation\": {\n"
    "                        \"uri\": \"src/a%20b.c\"\n"
    "                      },\n"
    "                      \"region\": {\n"
    "                        \"startLine\": 12\n"
    "                      },\n"
    "                      \"address\": {\n"
    "                        \"absoluteAddress\": 4198710\n"
    "                      }\n"
    "                    },\n"
    "                    \"logicalLocations\": [\n"
    "                      {\n"
    "                        \"name\": \"main\",\n"
    "                        \"kind\": \"function\"\n"
    "                      }\n"
    "                    ]\n"
    "                  },\n"
    "                  \"module\": \"/usr/bin/prog\"\n"
    "                }\n"
    "              ]\n"
    "            }\n"
    "          ],\n"
    "          \"codeFlows\": [\n"
    "            {\n"
    "              \"threadFlows\": [\n"
    "                {\n"
    "                  \"locations\": [\n"
    "                    {\n"
    "                      \"location\": {\n"
    "                        \"physicalLocation\": {\n"
    "                          \"artifactLocation\": {\n"
    "                            \"uri\": \"src/a%20b.c\"\n"
    "                          },\n"
    "                          \"region\": {\n"
    "                            \"startLine\": 12\n"
    "                          },\n"
    "                          \"address\": {\n"
    "                            \"absoluteAddress\": 4198710\n"
    "                          }\n"
    "                        },\n"
    "                        \"logicalLocations\": [\n"
    "                          {\n"
    "                            \"name\": \"main\",\n"
    "                            \"kind\": \"function\"\n"
    "                          }\n"
    "                        ]\n"
    "                      }\n"
    "                    },\n"
    "                    {\n"
    "                      \"location\": {\n"
    "                        \"physicalLocation\": {\n"
    "                          \"address\": {\n"
    "                            \"absoluteAddress\": 139637977387008\n"
    "                          }\n"
    "                        },\n"
    "                        \"logicalLocations\": [\n"
    "                          {\n"
    "                            \"name\": \"shmget\",\n"
    "                            \"kind\": \"function\"\n"
    "                          }\n"
    "                        ]\n"
    "                      }\n"
    "                    }\n"
    "                  ]\n"
    "                }\n"
    "              ]\n"
    "            }\n"
    "          ],\n"
    "          \"partialFingerprints\": {\n"
    "            \"shmcheck/v1\": \"29a9a322e4d53646\"\n"
    "          },\n"
    "          \"occurrenceCount\": 1,\n"
    "          \"properties\": {\n"
    "            \"count\": 1,\n"
    "            \"first\": {\n"
    "              \"pid\": 100,\n"
    "              \"time_s\": null\n"
    "            },\n"
    "            \"last\": {\n"
    "              \"pid\": 100,\n"
    "              \"time_s\": null\n"
    "            },\n"
    "            \"pids\": [\n"
    "              100\n"
    "            ]\n"
    "          }\n"
    "        }\n"
    "      ],\n"
    "      \"invocations\": [\n"
    "        {\n"
    "          \"executionSuccessful\": true,\n"
    "          \"exitCode\": 1,\n"
    "          \"toolExecutionNotifications\": [\n"
    "            {\n"
    "              \"level\": \"warning\",\n"
    "              \"message\": {\n"
    "                \"text\": \"journal of pid 102 is damaged\"\n"
    "              }\n"
    "            }\n"
    "          ]\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

/* The location is the first frame with a file (its path %-encoded), the
 * whole stack is in "stacks", the fingerprint is FNV-1a 64 of the kind,
 * the lint rule (none here) and that frame's function, file and line. */
static void test_sarif_one_finding(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f;
    int rc;

    fx->run.command = prog_arg;
    fx->run.end = CLI_END_EXIT;
    fx->run.value = 1;
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 5, f->key = 0xf00f, f->size = 4096, f->creator_pid = 100;
    add_frame(&fx->run, f,
              &(struct frame){0x7f00000a1000, "/lib/libshm.so", 0xa1000,
                              "shmget", NULL, 0});
    add_frame(&fx->run, f,
              &(struct frame){0x401136, "/usr/bin/prog", 0x1136, "main",
                              "src/a b.c", 12});
    fx->run.warnings = strv(ARGV("journal of pid 102 is damaged"));
    fx->run.nwarnings = 1;
    cli_summarize(&fx->run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, sarif_one_finding_want);
    assert_int_equal(python_check("check_sarif.py", "leaked_segment", fx->text),
                     0);
}

/* Every kind has its rule and level; the suppressed leak is not shown. */
static void test_sarif_full_run(void **state)
{
    struct report_fx *fx = *state;
    int rc;

    build_full_run(&fx->run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_int_equal(count(fx->text, "\"ruleId\": "), 5);
    assert_null(strstr(fx->text, "shmid 6"));
    assert_contains(fx->text, "\"text\": \"pid 101 inherited the attachment "
                              "of shmid 5 at 0x7f1234560000 and never "
                              "detached it before a signal killed it\"");
    assert_contains(fx->text,
                    "\"text\": \"pid 100: shmget failed with EEXIST: key "
                    "0x0000f00f has a segment; IPC_EXCL\"");
    assert_contains(fx->text, "\"text\": \"lint creat-without-excl by pid 100 "
                              "on shmid 5: IPC_CREAT without IPC_EXCL on key "
                              "0x0000f00f\"");
    /* the invalid detach happened three times in two processes: one
     * result, its occurrences counted and in its properties */
    assert_contains(fx->text, "\"text\": \"pid 100 detached 0x7f1234561000, "
                              "which is not the start of an attachment "
                              "(EINVAL) (3 times in 2 processes)\"");
    assert_contains(fx->text, "\"occurrenceCount\": 3,\n"
                              "          \"properties\": {\n"
                              "            \"count\": 3,\n"
                              "            \"first\": {\n"
                              "              \"pid\": 100,\n"
                              "              \"time_s\": 0.012\n"
                              "            },\n"
                              "            \"last\": {\n"
                              "              \"pid\": 101,\n"
                              "              \"time_s\": 3.40025\n"
                              "            },\n"
                              "            \"pids\": [\n"
                              "              100,\n"
                              "              101\n"
                              "            ]\n");
    assert_int_equal(
        python_check("check_sarif.py",
                     "leaked_segment unmatched_attach invalid_detach "
                     "failed_call lint",
                     fx->text),
        0);
}

static void test_sarif_empty_run(void **state)
{
    struct report_fx *fx = *state;
    int rc;

    fx->run.command = prog_arg;
    fx->run.end = CLI_END_SIGNAL;
    fx->run.value = SIGKILL;

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"rules\": []\n");
    assert_contains(fx->text, "\"results\": [],\n");
    assert_contains(fx->text, "\"exitSignalNumber\": 9,\n"
                              "          \"exitSignalName\": \"SIGKILL\"\n");
    assert_null(strstr(fx->text, "exitCode"));
    assert_int_equal(python_check("check_sarif.py", "", fx->text), 0);
}

/* Descriptions with what is missing said plainly. */
static void test_sarif_messages(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f;
    f = add_finding(&fx->run, CLI_UNMATCHED_ATTACH, 1);
    f->shmid = 2, f->addr = 0x10, f->ended_by = CLI_END_UNKNOWN;
    f = add_finding(&fx->run, CLI_UNMATCHED_ATTACH, 1);
    f->shmid = 2, f->addr = 0x20, f->ended_by = (enum cli_end)7;
    f = add_finding(&fx->run, CLI_UNMATCHED_ATTACH, 1);
    f->shmid = 2, f->addr = 0x30, f->ended_by = CLI_END_EXEC, f->inherited = 1;
    add_finding(&fx->run, CLI_FAILED_CALL, 1)->err = 4242;
    add_finding(&fx->run, CLI_LINT, 1);
    f = add_finding(&fx->run, CLI_LINT, 1);
    f->rule = "world_writable", f->shmid = 8, f->message = "any user";

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"pid 1 attached shmid 2 at 0x10 and never "
                              "detached it before it ended\"");
    assert_contains(fx->text, "\"pid 1 attached shmid 2 at 0x20 and never "
                              "detached it before it ended\"");
    assert_contains(fx->text, "\"pid 1 inherited the attachment of shmid 2 "
                              "at 0x30 and never detached it before it called "
                              "exec\"");
    assert_contains(fx->text, "\"pid 1: a call failed with 4242\"");
    assert_contains(fx->text, "\"lint ? by pid 1\"");
    assert_contains(fx->text, "\"lint world_writable by pid 1 on shmid 8: "
                              "any user\"");
}

/* Message texts escaped as the text report's are: a message or a warning
 * that quotes a program holds no control byte, only its escape (which
 * JSON then escapes once more). */
static void test_sarif_escaped_messages(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f = add_finding(&fx->run, CLI_LINT, 1);
    f->rule = "r", f->message = "a\nb\x1b[2J";
    fx->run.warnings = calloc(2, sizeof *fx->run.warnings);
    assert_non_null(fx->run.warnings);
    fx->run.warnings[0] = strdup("pid 2 (x\n\x1b]0;t\x07) was not traced");
    fx->run.nwarnings = 1;

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text,
                    "\"text\": \"lint r by pid 1: a\\\\nb\\\\x1b[2J\"");
    assert_contains(fx->text,
                    "\"text\": \"pid 2 (x\\\\n\\\\x1b]0;t\\\\x07) was "
                    "not traced\"");
}

/* A signal glibc has no name for; an exit neither status nor signal. */
static void test_sarif_invocations(void **state)
{
    struct report_fx *fx = *state;
    fx->run.end = CLI_END_SIGNAL;
    fx->run.value = 35;
    fx->run.warnings = calloc(1, sizeof *fx->run.warnings);
    assert_non_null(fx->run.warnings);

    int rc_signal = render_summarized(fx, cli_report_sarif);
    char *signal = strdup(fx->text);
    fx->run.end = CLI_END_UNKNOWN;
    int rc_unknown = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc_signal, 0);
    assert_int_equal(rc_unknown, 0);
    assert_non_null(signal);
    assert_contains(signal, "\"executionSuccessful\": true,\n"
                            "          \"exitSignalNumber\": 35\n"
                            "        }");
    assert_contains(fx->text, "\"invocations\": [\n"
                              "        {\n"
                              "          \"executionSuccessful\": true\n"
                              "        }\n");
    free(signal);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_sarif_one_finding), T(test_sarif_full_run),
        T(test_sarif_empty_run),   T(test_sarif_messages),
        T(test_sarif_invocations), T(test_sarif_escaped_messages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
