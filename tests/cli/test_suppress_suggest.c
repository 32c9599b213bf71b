/*
 * test_suppress_suggest.c - the rules --gen-suppressions suggests
 * (src/cli/suppress_suggest.c): the frames of the stack one by one, as
 * functions, else modules, down to main and at most 8, escaped, read back
 * as rules that match their finding and not the same finding made on
 * another path; a comment, not a catch-all rule, for a finding that no
 * name identifies; truncated like snprintf; and a name too long for a
 * line cut with a '*'.
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

/* A finding and the suggestion it must get. */
struct suggested {
    struct cli_finding f;
    const char *want;
};

/* Each finding gets its suggestion: a rule that matches it, or a comment
 * (no rule). */
static void expect_suggested(const struct suggested *c, size_t nc)
{
    for (size_t i = 0; i < nc; i++) {
        char buf[160];
        struct cli_supp *s;
        size_t n;

        memset(buf, GUARD, sizeof buf);
        n = cli_supp_suggest(&c[i].f, buf, sizeof buf);
        s = supp_set_of(buf);

        assert_string_equal(buf, c[i].want);
        assert_int_equal(n, strlen(c[i].want));
        assert_int_equal(cli_supp_count(s), buf[0] != '#');
        if (buf[0] != '#' && cli_supp_match(s, &c[i].f) != 1)
            fail_msg("suggestion %s does not match its finding", buf);
        cli_supp_free(s);
    }
}

static void test_suggest(void **state)
{
    const struct cli_frame none = supp_frame(NULL, NULL, NULL);
    const struct cli_frame empty = supp_frame("", "", "");
    const struct cli_frame file =
        supp_frame(NULL, "/src/app/pool.c", "/bin/app");
    const struct cli_frame fun = supp_frame("make_pool", "x.c", "/bin/app");
    const struct cli_frame mod =
        supp_frame(NULL, NULL, "/usr/lib/libpool.so.1");
    const struct cli_frame odd = supp_frame("operator*<a?\\b>", NULL, NULL);
    const struct cli_frame ctl = supp_frame(" f\tg\x7f\xc2\x9b ", NULL, NULL);
    const struct cli_frame pfx = supp_frame(NULL, NULL, "dir/src:x.so");
    const struct cli_frame nopfx = supp_frame("srcx:y", NULL, NULL);
    const struct cli_frame pipe = supp_frame("operator|", NULL, NULL);
    const struct suggested c[] = {
        {supp_finding(CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){file, fun},
                      2),
         "leaked_segment:stack:obj:app|fun:make_pool"},
        {supp_finding(CLI_UNMATCHED_ATTACH, 0, (struct cli_frame[]){none, file},
                      2),
         "unmatched_attach:stack:*|obj:app"},
        {supp_finding(CLI_UNMATCHED_ATTACH, 1, (struct cli_frame[]){mod, file},
                      2),
         "inherited_unmatched:stack:obj:libpool.so.1|obj:app"},
        {supp_finding(CLI_INVALID_DETACH, 0, (struct cli_frame[]){empty, mod},
                      2),
         "invalid_detach:stack:*|obj:libpool.so.1"},
        {supp_finding(CLI_FAILED_CALL, 0, &none, 1),
         "# no rule: nothing names this finding (its stack has no function "
         "or module), and failed_call:* would hide every failed_call"},
        {supp_finding(CLI_LINT, 0, NULL, 0),
         "# no rule: nothing names this finding (its stack has no function "
         "or module), and lint:* would hide every lint"},
        {supp_finding(CLI_LINT, 0, (struct cli_frame[]){empty, none}, 2),
         "# no rule: nothing names this finding (its stack has no function "
         "or module), and lint:* would hide every lint"},
        {supp_finding(CLI_LINT, 0, &odd, 1),
         "lint:stack:fun:operator\\*<a\\?\\\\b>"},
        {supp_finding(CLI_LINT, 0, &ctl, 1), "lint:stack:fun:?f?g????"},
        {supp_finding(CLI_LINT, 0, &pfx, 1), "lint:stack:obj:src:x.so"},
        {supp_finding(CLI_LINT, 0, &nopfx, 1), "lint:stack:fun:srcx:y"},
        {supp_finding(CLI_LINT, 0, &pipe, 1), "lint:stack:fun:operator\\|"},
        {supp_finding(CLI_KIND_COUNT, 0, &fun, 1), "*:stack:fun:make_pool"},
    };
    (void)state;

    expect_suggested(c, NELEM(c));
}

/* Down to main, at most 8 frames. */
static void test_suggest_depth(void **state)
{
    const struct cli_frame file =
        supp_frame(NULL, "/src/app/pool.c", "/bin/app");
    const struct cli_frame fun = supp_frame("make_pool", "x.c", "/bin/app");
    const struct cli_frame main_ = supp_frame("main", "m.c", "/bin/app");
    const struct cli_frame libc =
        supp_frame("__libc_start_call_main", NULL, "/lib/libc.so.6");
    struct cli_frame deep[10];
    struct suggested c[] = {
        {supp_finding(CLI_LINT, 0, (struct cli_frame[]){fun, main_, libc}, 3),
         "lint:stack:fun:make_pool|fun:main"},
        {supp_finding(CLI_LINT, 0, deep, 10),
         "lint:stack:fun:make_pool|obj:app|fun:make_pool|obj:app|"
         "fun:make_pool|obj:app|fun:make_pool|obj:app"},
    };
    (void)state;

    for (size_t i = 0; i < NELEM(deep); i++)
        deep[i] = i % 2 ? file : fun;
    c[1].f = supp_finding(CLI_LINT, 0, deep, 10);
    expect_suggested(c, NELEM(c));
}

/* The rule of a leak made through one path does not hide the same leak
 * made through another path from the same function and main. */
static void test_suggest_specific(void **state)
{
    const struct cli_frame leaf = supp_frame("make_segment", "p.c", "/bin/p");
    const struct cli_frame a = supp_frame("path_a", "p.c", "/bin/p");
    const struct cli_frame b = supp_frame("path_b", "p.c", "/bin/p");
    const struct cli_frame main_ = supp_frame("main", "p.c", "/bin/p");
    struct cli_finding fa = supp_finding(
        CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){leaf, a, main_}, 3);
    struct cli_finding fb = supp_finding(
        CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){leaf, b, main_}, 3);
    struct cli_finding shallow =
        supp_finding(CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){leaf, a}, 2);
    char buf[128];
    struct cli_supp *s;
    (void)state;

    cli_supp_suggest(&fa, buf, sizeof buf);
    s = supp_set_of(buf);

    assert_string_equal(
        buf, "leaked_segment:stack:fun:make_segment|fun:path_a|fun:main");
    assert_int_equal(cli_supp_match(s, &fa), 1);
    assert_int_equal(cli_supp_match(s, &fb), 0);
    assert_int_equal(cli_supp_match(s, &shallow), 0); /* too few frames */
    cli_supp_free(s);
}

/* Like snprintf: the length of the whole rule, at most len - 1 bytes and a
 * NUL stored, nothing past len. */
static void test_suggest_truncated(void **state)
{
    const struct cli_finding f = supp_in_function(CLI_LINT, "make_pool");
    const char *want = "lint:stack:fun:make_pool";
    char buf[32];
    (void)state;

    for (size_t len = 0; len <= strlen(want) + 2; len++) {
        size_t n;

        memset(buf, GUARD, sizeof buf);
        n = cli_supp_suggest(&f, len ? buf : NULL, len);

        assert_int_equal(n, strlen(want));
        if (len > 0) {
            assert_int_equal(strlen(buf), len - 1 < n ? len - 1 : n);
            assert_memory_equal(buf, want, strlen(buf));
        }
        assert_untouched(buf + len, sizeof buf - len);
    }
}

/* A name too long for a printed rule is cut with a '*': still one line,
 * still a rule that matches; the frames after it are left out. */
static void test_suggest_long_name(void **state)
{
    enum { N = 3 * CLI_SUPP_LINE_MAX };
    const struct cli_frame main_ = supp_frame("main", "m.c", "/bin/app");
    char *name = malloc(N + 1), *buf = malloc(N + 16);
    struct cli_finding f;
    struct cli_supp *s;
    size_t n, asked;
    (void)state;
    assert_non_null(name);
    assert_non_null(buf);
    for (size_t i = 0; i < N; i++)
        name[i] = i % 7 == 3 ? '*' : 'a';
    name[N] = '\0';
    f = supp_in_function(CLI_LEAKED_SEGMENT, name);
    f.stack.f[f.stack.n++] = main_;

    asked = cli_supp_suggest(&f, NULL, 0);
    n = cli_supp_suggest(&f, buf, N + 16);
    s = supp_set_of(buf);

    assert_int_equal(asked, n);
    assert_true(n <= CLI_SUPP_SUGGEST_MAX);
    assert_true(n > CLI_SUPP_SUGGEST_MAX - 3);
    assert_int_equal(buf[n - 1], '*');
    assert_memory_equal(buf, "leaked_segment:stack:fun:aaa\\*aaaaaa\\*", 38);
    assert_int_equal(cli_supp_match(s, &f), 1);
    cli_supp_free(s);
    free(name);
    free(buf);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_suggest),           T(test_suggest_depth),
        T(test_suggest_specific),  T(test_suggest_truncated),
        T(test_suggest_long_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
