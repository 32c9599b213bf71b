/*
 * test_suppress_load.c - suppression files (cli_supp_load,
 * src/cli/suppress_parse.c): a real file read as written, its bad lines
 * refused with the same messages naming the path (lines too long or
 * holding NULs found while reading), files that cannot be read, and
 * several files loaded into one set in order.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "suppress.h"

#define EXPECTED                                                           \
    "; expected KIND:PATTERN with KIND one of leaked_segment, "            \
    "unmatched_attach, inherited_unmatched, invalid_detach, failed_call, " \
    "lint or *"

/* Writes len bytes to a new temporary file; its path goes to path. */
static void temp_file(char *path, size_t cap, const char *data, size_t len)
{
    int fd;

    snprintf(path, cap, "/tmp/test_suppress_load.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void test_load_file(void **state)
{
    static const char text[] = "# from a file\r\n"
                               "leaked_segment:make_pool\r\n"
                               "\r\n"
                               "\n" /* empty, Unix style */
                               "  *:obj:libpool.so*  ";
    char path[64];
    struct cli_supp *s = supp_new_set();
    struct cli_finding f = supp_in_function(CLI_LEAKED_SEGMENT, "make_pool");
    struct supp_result r;
    (void)state;
    temp_file(path, sizeof path, text, sizeof text - 1);
    memset(r.err, GUARD, sizeof r.err);

    r.rc = cli_supp_load(s, path, r.err, sizeof r.err);

    assert_int_equal(r.rc, 0);
    assert_untouched(r.err, sizeof r.err);
    assert_int_equal(cli_supp_count(s), 2);
    assert_string_equal(cli_supp_rule_text(s, 0), "leaked_segment:make_pool");
    assert_string_equal(cli_supp_rule_text(s, 1), "*:obj:libpool.so*");
    assert_int_equal(cli_supp_match(s, &f), 1);
    unlink(path);
    cli_supp_free(s);
}

/* Bad lines in a file: the same messages, naming the path; lines too long
 * or holding NULs are found while reading. */
static void test_load_file_errors(void **state)
{
    static char long_line[2 * CLI_SUPP_LINE_MAX];
    static const struct {
        const char *text;
        size_t len;
        const char *what;
    } c[] = {
        {"lint:a\nlint:b\nlint c\n", 21, "3: missing ':' after the kind"},
        {"lint:a\r\n\0lint:b", 15, "2: NUL byte at column 1"},
        {"lint:a\\", 7, "1: pattern ends with a lone '\\'"},
        {long_line, sizeof long_line, "2: line longer than 4096 bytes"},
        {long_line + 7, CLI_SUPP_LINE_MAX + 1,
         "1: line longer than 4096 bytes"},
        {long_line + 7, CLI_SUPP_LINE_MAX, "1: missing ':' after the kind"},
    };
    (void)state;
    memset(long_line, 'z', sizeof long_line);
    memcpy(long_line, "lint:a\n", 7);

    for (size_t i = 0; i < NELEM(c); i++) {
        char path[64], want[512];
        struct cli_supp *s = supp_set_of("lint:kept");
        struct supp_result r;

        temp_file(path, sizeof path, c[i].text, c[i].len);
        snprintf(want, sizeof want, "%s:%s" EXPECTED, path, c[i].what);

        r.rc = cli_supp_load(s, path, r.err, sizeof r.err);

        assert_int_equal(r.rc, -1);
        assert_string_equal(r.err, want);
        assert_int_equal(cli_supp_count(s), 1);
        assert_string_equal(cli_supp_rule_text(s, 0), "lint:kept");
        unlink(path);
        cli_supp_free(s);
    }
}

static void test_load_unreadable(void **state)
{
    const char *missing = "/nonexistent/shmcheck.supp";
    struct cli_supp *s = supp_set_of("lint:kept");
    struct supp_result gone, dir;
    (void)state;

    gone.rc = cli_supp_load(s, missing, gone.err, sizeof gone.err);
    dir.rc = cli_supp_load(s, "/", dir.err, sizeof dir.err);

    assert_int_equal(gone.rc, -1);
    assert_string_equal(
        gone.err,
        "cannot open /nonexistent/shmcheck.supp: No such file or directory");
    assert_int_equal(dir.rc, -1);
    assert_string_equal(dir.err, "cannot read /: Is a directory");
    assert_int_equal(cli_supp_count(s), 1);
    cli_supp_free(s);
}

/* --suppressions given twice: one set, rules in the order of the files. */
static void test_load_several(void **state)
{
    char a[64], b[64];
    struct cli_supp *s = supp_new_set();
    struct cli_finding f = supp_in_function(CLI_LINT, "g");
    struct supp_result ra, rb;
    int got;
    (void)state;
    temp_file(a, sizeof a, "lint:f\n", 7);
    temp_file(b, sizeof b, "lint:g\n*:g\n", 11);

    ra.rc = cli_supp_load(s, a, ra.err, sizeof ra.err);
    rb.rc = cli_supp_load(s, b, rb.err, sizeof rb.err);
    got = cli_supp_match(s, &f);

    assert_int_equal(ra.rc, 0);
    assert_int_equal(rb.rc, 0);
    assert_int_equal(cli_supp_count(s), 3);
    assert_int_equal(got, 2);
    assert_string_equal(cli_supp_rule_text(s, 2), "*:g");
    unlink(a);
    unlink(b);
    cli_supp_free(s);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_load_file),
        T(test_load_file_errors),
        T(test_load_unreadable),
        T(test_load_several),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
