/*
 * test_cli_report_edges.c - the reports on runs no analysis makes but
 * their contracts allow, and the JSON writer's own contract: a finding of
 * a kind the reports do not know; attachments ended in no known way;
 * failed calls and lints without a name; a signal without an
 * abbreviation, an unknown exit, an empty warning list; SARIF locations
 * when processes have no argv and there is no command, frames without a
 * module, fingerprints from module names, URIs of every kind of byte;
 * strings interned across blocks; cli_json_stringf; and a writer whose error
 * is sticky: nothing is written after it, whatever is called.
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

#include "cli_report_fixtures.h"
#include "json.h"
#include "findings.h"
#include "report.h"

/* The report of the run, summarized first, in fx->text. */
static int render_summarized(struct report_fx *fx, writer *w)
{
    cli_summarize(&fx->run);
    return render(fx, w);
}

/* --- kinds and ends the reports do not know ----------------------------- */

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
    assert_non_null(j);
    assert_contains(j, "    {\n"
                       "      \"kind\": \"unknown\",\n"
                       "      \"pid\": 3,\n"
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

/* --- SARIF locations and fingerprints ----------------------------------- */

/* The finding's process has no argv (or an empty one): the command's
 * program; no command either: no location at all. */
static void test_sarif_no_program(void **state)
{
    struct report_fx *fx = *state;
    static char *empty[] = {NULL};
    add_process(&fx->run, 5, NULL);
    add_process(&fx->run, 6, ARGV(NULL));
    add_finding(&fx->run, CLI_INVALID_DETACH, 5)->err = EINVAL;
    add_finding(&fx->run, CLI_INVALID_DETACH, 6)->err = EINVAL;

    fx->run.command = (char *[]){"/bin/cmd", NULL};
    int with_command = render_summarized(fx, cli_report_sarif);
    char *with = strdup(fx->text);
    fx->run.command = empty;
    int rc_empty = render_summarized(fx, cli_report_sarif);
    char *none = strdup(fx->text);
    fx->run.command = NULL;
    int rc_null = render_summarized(fx, cli_report_sarif);

    assert_int_equal(with_command, 0);
    assert_int_equal(rc_empty, 0);
    assert_int_equal(rc_null, 0);
    assert_non_null(with);
    assert_non_null(none);
    assert_int_equal(count(with, "\"uri\": \"/bin/cmd\""), 2);
    assert_int_equal(count(none, "\"locations\""), 0);
    assert_int_equal(count(fx->text, "\"locations\""), 0);
    free(with);
    free(none);
}

/* The fingerprint of a frame that knows nothing but its module comes from
 * the module's name and the offset, wherever the module is. */
static char *fingerprint(const char *text, int which)
{
    static char fp[4][17];
    const char *p = text;

    for (int i = 0; i <= which; i++) {
        p = strstr(p, "\"shmcheck/v1\": \"");
        assert_non_null(p);
        p += strlen("\"shmcheck/v1\": \"");
    }
    memcpy(fp[which], p, 16);
    fp[which][16] = '\0';
    return fp[which];
}

static void test_sarif_frames(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f;
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 1);
    add_frame(&fx->run, f,
              &(struct frame){0x10, "/usr/lib/libx.so", 0x10, NULL, NULL, 0});
    add_frame(&fx->run, f, &(struct frame){0x20, NULL, 0, "fn", NULL, 0});
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 2);
    add_frame(&fx->run, f,
              &(struct frame){0x30, "/opt/libx.so", 0x10, NULL, NULL, 0});
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 3);
    add_frame(&fx->run, f,
              &(struct frame){0x40, "libx.so", 0x10, NULL, NULL, 0});
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 4);
    add_frame(&fx->run, f, &(struct frame){0x50, NULL, 0x10, NULL, NULL, 0});

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_string_equal(fingerprint(fx->text, 0), fingerprint(fx->text, 1));
    assert_string_equal(fingerprint(fx->text, 0), fingerprint(fx->text, 2));
    assert_string_not_equal(fingerprint(fx->text, 0), fingerprint(fx->text, 3));
    /* frame 2 of finding 1 has no module: no "module" key */
    assert_int_equal(count(fx->text, "\"module\": "), 3);
    assert_contains(fx->text, "\"absoluteAddress\": 32\n");
    assert_int_equal(count(fx->text, "\"logicalLocations\""), 1);
    assert_contains(fx->text, "\"name\": \"fn\",\n");
}

/* Unreserved and sub-delimiter bytes stay, every other is %XX. */
static void test_sarif_uris(void **state)
{
    struct report_fx *fx = *state;
    const char *file = "/Az09/-._~!$&'()*+,;=@/%?#:[] \"\\\x7f\xc3\xa9";
    struct cli_finding *f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 1);
    add_frame(&fx->run, f,
              &(struct frame){.pc = 0x10, .file = file, .line = 3});

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"uri\": \"/Az09/-._~!$&'()*+,;=@/"
                              "%25%3F%23%3A%5B%5D%20%22%5C%7F%C3%A9\"");
}

/* --- strings ------------------------------------------------------------ */

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

/* --- the JSON writer ------------------------------------------------------ */

static void test_stringf(void **state)
{
    struct report_fx *fx = *state;
    size_t len;
    FILE *m = open_memstream(&fx->text, &len);
    struct cli_json j;
    assert_non_null(m);

    cli_json_init(&j, m);
    cli_json_array(&j);
    cli_json_stringf(&j, "%s-%d", "a\"b", 7);
    cli_json_object(&j);
    cli_json_key_stringf(&j, "k", "%05.1f", 2.5);
    cli_json_key_bool(&j, "t", 1);
    cli_json_key_bool(&j, "f", 0);
    cli_json_key_uint(&j, "u", UINT64_MAX);
    cli_json_end(&j);
    cli_json_end(&j);
    int rc = cli_json_finish(&j);
    fclose(m);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, "[\n"
                                  "  \"a\\\"b-7\",\n"
                                  "  {\n"
                                  "    \"k\": \"002.5\",\n"
                                  "    \"t\": true,\n"
                                  "    \"f\": false,\n"
                                  "    \"u\": 18446744073709551615\n"
                                  "  }\n"
                                  "]\n");
}

/* After cli_json_fail (or any error) nothing more is written. */
static void test_sticky_error(void **state)
{
    struct report_fx *fx = *state;
    size_t len;
    FILE *m = open_memstream(&fx->text, &len);
    struct cli_json j, k;
    assert_non_null(m);

    cli_json_init(&j, m);
    cli_json_object(&j);
    cli_json_key(&j, "a");
    cli_json_fail(&j);
    cli_json_int(&j, 1);
    cli_json_key(&j, "b");
    cli_json_string(&j, "c");
    cli_json_string(&j, NULL);
    cli_json_stringf(&j, "%d", 2);
    cli_json_object(&j);
    cli_json_array(&j);
    cli_json_end(&j);
    cli_json_key_uint(&j, "d", 3);
    int failed = cli_json_finish(&j);
    cli_json_init(&k, m);
    cli_json_end(&k); /* nothing open */
    int unopened = cli_json_finish(&k);
    fclose(m);

    assert_int_equal(failed, -1);
    assert_int_equal(unopened, -1);
    assert_string_equal(fx->text, "{\n  \"a\": ");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_unknown_kind),      T(test_sarif_messages),
        T(test_sarif_invocations), T(test_sarif_no_program),
        T(test_sarif_frames),      T(test_sarif_uris),
        T(test_intern_blocks),     T(test_stringf),
        T(test_sticky_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
