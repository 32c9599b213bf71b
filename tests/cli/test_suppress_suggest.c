/*
 * test_suppress_suggest.c - the rules --gen-suppressions suggests
 * (src/cli/suppress_suggest.c): named after the first function, file or
 * module of the stack, escaped, read back as rules that match their
 * finding; truncated like snprintf; and a name too long for a line cut
 * with a '*'.
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
    const struct cli_frame ctl = supp_frame(" f\tg\x7f ", NULL, NULL);
    const struct cli_frame pfx = supp_frame(NULL, "dir/src:x.c", NULL);
    const struct cli_frame nopfx = supp_frame("srcx:y", NULL, NULL);
    struct {
        struct cli_finding f;
        const char *want;
    } c[] = {
        {supp_finding(CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){file, fun},
                      2),
         "leaked_segment:make_pool"},
        {supp_finding(CLI_UNMATCHED_ATTACH, 0, (struct cli_frame[]){none, file},
                      2),
         "unmatched_attach:pool.c"},
        {supp_finding(CLI_UNMATCHED_ATTACH, 1, (struct cli_frame[]){mod, file},
                      2),
         "inherited_unmatched:pool.c"},
        {supp_finding(CLI_INVALID_DETACH, 0, (struct cli_frame[]){empty, mod},
                      2),
         "invalid_detach:libpool.so.1"},
        {supp_finding(CLI_FAILED_CALL, 0, &none, 1), "failed_call:*"},
        {supp_finding(CLI_LINT, 0, NULL, 0), "lint:*"},
        {supp_finding(CLI_LINT, 0, &empty, 1), "lint:*"},
        {supp_finding(CLI_LINT, 0, &odd, 1), "lint:operator\\*<a\\?\\\\b>"},
        {supp_finding(CLI_LINT, 0, &ctl, 1), "lint:?f?g??"},
        {supp_finding(CLI_LINT, 0, &pfx, 1), "lint:src\\:x.c"},
        {supp_finding(CLI_LINT, 0, &nopfx, 1), "lint:srcx:y"},
        {supp_finding(CLI_KIND_COUNT, 0, &fun, 1), "*:make_pool"},
    };
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        char buf[128];
        struct cli_supp *s;
        size_t n;

        memset(buf, GUARD, sizeof buf);
        n = cli_supp_suggest(&c[i].f, buf, sizeof buf);
        s = supp_set_of(buf);

        assert_string_equal(buf, c[i].want);
        assert_int_equal(n, strlen(c[i].want));
        if (cli_supp_match(s, &c[i].f) != 1)
            fail_msg("suggestion %s does not match its finding", buf);
        cli_supp_free(s);
    }
}

/* Like snprintf: the length of the whole rule, at most len - 1 bytes and a
 * NUL stored, nothing past len. */
static void test_suggest_truncated(void **state)
{
    const struct cli_finding f = supp_in_function(CLI_LINT, "make_pool");
    const char *want = "lint:make_pool";
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

/* A name too long for a line is cut with a '*': still one line, still a
 * rule that matches. */
static void test_suggest_long_name(void **state)
{
    enum { N = 3 * CLI_SUPP_LINE_MAX };
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

    asked = cli_supp_suggest(&f, NULL, 0);
    n = cli_supp_suggest(&f, buf, N + 16);
    s = supp_set_of(buf);

    assert_int_equal(asked, n);
    assert_true(n <= CLI_SUPP_LINE_MAX);
    assert_true(n > CLI_SUPP_LINE_MAX - 3);
    assert_int_equal(buf[n - 1], '*');
    assert_memory_equal(buf, "leaked_segment:aaa\\*aaaaaa\\*", 28);
    assert_int_equal(cli_supp_match(s, &f), 1);
    cli_supp_free(s);
    free(name);
    free(buf);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_suggest),
        T(test_suggest_truncated),
        T(test_suggest_long_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
