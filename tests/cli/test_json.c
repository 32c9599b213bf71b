/*
 * test_json.c - the reports' JSON writer (src/cli/json.c): strings with
 * quotes, control characters and invalid UTF-8 escaped so that Python
 * reads back what bytes.decode("utf-8", "replace") reads; cli_json_stringf
 * and the typed keys; the refusal of a malformed document (nesting too
 * deep, a container left open, a key without a value); and an error that
 * is sticky: nothing is written after it, whatever is called.
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

/* argv holds any bytes: the JSON must hold them all, escaped, and read
 * back as Python decodes them. */
static char nasty_quote[] = "q\"b\\s/";

static char nasty_ctl[] = "nl\n\ttab\x01\x1f\x7f";

static char nasty_utf8[] = "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 c1\xc2\x85";

static char nasty_bad[] = "\x80|\xff|\xe2\x82 |\xc0\xaf|\xed\xa0\x80|"
                          "\xf4\x90\x80\x80|\xe0\x80\x80|\xf0\x9f\x98";

/* What test_json_escaping must render, exactly. */
static const char json_escaping_want[] =
    "  \"command\": [\n"
    "    \"q\\\"b\\\\s/\",\n"
    "    \"nl\\u000a\\u0009tab\\u0001\\u001f\\u007f\",\n"
    "    \"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 c1\\u0085\",\n"
    "    \"\\ufffd|\\ufffd|\\ufffd |\\ufffd\\ufffd|"
    "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|"
    "\\ufffd\\ufffd\\ufffd|\\ufffd\"\n"
    "  ],\n";

static void test_json_escaping(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {nasty_quote, nasty_ctl, nasty_utf8, nasty_bad, NULL};
    char hex[1024] = "command";
    int rc;

    fx->run.command = cmd;
    for (size_t i = 0; cmd[i] != NULL; i++) {
        strcat(hex, " ");
        for (const char *c = cmd[i]; *c != '\0'; c++)
            sprintf(hex + strlen(hex), "%02x", (unsigned char)*c);
    }

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, json_escaping_want);
    assert_int_equal(python_check("check_json.py", hex, fx->text), 0);
}

/* The writer refuses what would not be one JSON value: nesting past
 * JSON_MAX_DEPTH, a container left open, a key without a value. */
static void test_writer_misuse(void **state)
{
    struct report_fx *fx = *state;
    size_t len;
    FILE *m = open_memstream(&fx->text, &len);
    FILE *null = fopen("/dev/null", "w");
    struct cli_json deep, open, keyed, bare, good;
    int rc_deep, rc_open, rc_keyed, rc_bare, rc_good;
    assert_non_null(m);
    assert_non_null(null);

    cli_json_init(&deep, null);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        cli_json_array(&deep);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        cli_json_end(&deep);
    rc_deep = cli_json_finish(&deep);
    cli_json_init(&open, null);
    cli_json_object(&open);
    rc_open = cli_json_finish(&open);
    cli_json_init(&keyed, null);
    cli_json_object(&keyed);
    cli_json_key(&keyed, "k");
    cli_json_end(&keyed);
    rc_keyed = cli_json_finish(&keyed);
    cli_json_init(&bare, null); /* a key with no value, outside any object */
    cli_json_key(&bare, "k");
    rc_bare = cli_json_finish(&bare);
    cli_json_init(&good, m);
    cli_json_object(&good);
    cli_json_key_array(&good, "a");
    cli_json_end(&good);
    cli_json_key_object(&good, "o");
    cli_json_end(&good);
    cli_json_end(&good);
    rc_good = cli_json_finish(&good);
    fclose(null);
    fclose(m);

    assert_int_equal(rc_deep, -1);
    assert_int_equal(rc_open, -1);
    assert_int_equal(rc_keyed, -1);
    assert_int_equal(rc_bare, -1);
    assert_int_equal(rc_good, 0);
    assert_string_equal(fx->text, "{\n  \"a\": [],\n  \"o\": {}\n}\n");
}

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
        T(test_json_escaping),
        T(test_writer_misuse),
        T(test_stringf),
        T(test_sticky_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
