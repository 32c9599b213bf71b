/*
 * test_suppress_match.c - which rule a finding matches
 * (src/cli/suppress_match.c): by function, file path or basename and
 * module path or basename, with src:/fun:/obj: and the * kind, inherited
 * attaches apart; findings without a stack; hit counts, the first
 * matching rule alone counted; and globs, including pathological ones
 * that must not backtrack exponentially.
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

static void test_match_where(void **state)
{
    const struct cli_frame frames[] = {
        supp_frame(NULL, NULL, NULL),
        supp_frame("make_pool", "/home/u/app/src/pool.c",
                   "/opt/app/bin/server"),
        supp_frame("main", "main.c", "/lib/x86_64-linux-gnu/libc.so.6"),
    };
    const struct cli_finding f = supp_finding(CLI_LEAKED_SEGMENT, 0, frames, 3);
    static const struct {
        const char *rule;
        int want;
    } c[] = {
        {"leaked_segment:make_pool", 1},
        {"leaked_segment:make_*", 1},
        {"leaked_segment:main", 1},
        {"leaked_segment:/home/u/app/src/pool.c", 1},
        {"leaked_segment:pool.c", 1},
        {"leaked_segment:*/src/pool.c", 1},
        {"leaked_segment:main.c", 1},
        {"leaked_segment:/opt/app/bin/server", 1},
        {"leaked_segment:server", 1},
        {"leaked_segment:libc.so.*", 1},
        {"leaked_segment:src/pool.c", 0}, /* neither full nor base    */
        {"leaked_segment:pool", 0},       /* globs match whole strings */
        {"leaked_segment:make", 0},
        {"leaked_segment:/opt", 0},
        {"leaked_segment:x86_64-linux-gnu", 0},
        {"leaked_segment:MAIN", 0},
        {"leaked_segment:0x401000", 0},
    };
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        struct cli_supp *s = supp_set_of(c[i].rule);

        int got = cli_supp_match(s, &f);

        if (got != c[i].want)
            fail_msg("%s: got %d, want %d", c[i].rule, got, c[i].want);
        assert_int_equal(cli_supp_hits(s, 0), (unsigned long)c[i].want);
        cli_supp_free(s);
    }
}

/* stack: rules: one pattern a frame, from the innermost, all of them
 * matching and the stack at least as deep; '\\|' a literal '|'; a bare
 * star any one frame. */
static void test_match_stack(void **state)
{
    const struct cli_frame frames[] = {
        supp_frame("make_segment", "/src/p.c", "/bin/p"),
        supp_frame("path_a", "/src/p.c", "/bin/p"),
        supp_frame(NULL, NULL, NULL),
        supp_frame("op|x", "/src/p.c", "/lib/libc.so.6"),
    };
    const struct cli_finding f = supp_finding(CLI_LEAKED_SEGMENT, 0, frames, 4);
    static const struct {
        const char *rule;
        int want;
    } c[] = {
        {"leaked_segment:stack:fun:make_segment", 1},
        {"leaked_segment:stack:fun:make_segment|fun:path_a", 1},
        {"leaked_segment:stack:fun:make_segment|fun:path_a|*|fun:op\\|x", 1},
        {"leaked_segment:stack:make_*|p.c|*|obj:libc.so.?", 1},
        {"leaked_segment:stack:fun:path_a", 0}, /* not the innermost */
        {"leaked_segment:stack:fun:make_segment|fun:path_b", 0},
        {"leaked_segment:stack:fun:make_segment|fun:path_a|fun:*", 0},
        {"leaked_segment:stack:*|*|*|*|*", 0}, /* deeper than the stack */
        {"leaked_segment:stack:fun:make_segment|obj:libc.so.6", 0},
        {"leaked_segment:stack:src:p.c|src:p.c", 1},
        {"lint:stack:fun:make_segment", 0},
    };
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        struct cli_supp *s = supp_set_of(c[i].rule);

        int got = cli_supp_match(s, &f);

        if (got != c[i].want)
            fail_msg("%s: got %d, want %d", c[i].rule, got, c[i].want);
        cli_supp_free(s);
    }
}

static void test_match_prefixes(void **state)
{
    const struct cli_frame fr =
        supp_frame("pool_open", "/src/lib/pool.c", "/usr/lib/libpool.so.1");
    const struct cli_finding f = supp_finding(CLI_LINT, 0, &fr, 1);
    static const struct {
        const char *rule;
        int want;
    } c[] = {
        {"lint:fun:pool_open", 1},
        {"lint:fun:pool.c", 0},
        {"lint:fun:libpool.so.1", 0},
        {"lint:fun:  pool_*", 1},
        {"lint:src:pool.c", 1},
        {"lint:src:/src/lib/pool.c", 1},
        {"lint:src:pool_open", 0},
        {"lint:src:libpool.so.1", 0},
        {"lint:obj:libpool.so.1", 1},
        {"lint:obj:/usr/lib/libpool.so.*", 1},
        {"lint:obj:pool_open", 0},
        {"lint:obj:pool.c", 0},
        {"lint:src:*", 1},
        {"lint:SRC:pool.c", 0},
        {"lint:\\src:pool.c", 0}, /* no prefix: the glob "src:pool.c" */
    };
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        struct cli_supp *s = supp_set_of(c[i].rule);

        int got = cli_supp_match(s, &f);

        if (got != c[i].want)
            fail_msg("%s: got %d, want %d", c[i].rule, got, c[i].want);
        cli_supp_free(s);
    }
}

/* Each kind matches its findings only; * matches all; an unmatched_attach
 * rule does not match inherited attaches, nor the reverse. */
static void test_match_kinds(void **state)
{
    static const char *const rules[] = {
        "leaked_segment:f", "unmatched_attach:f", "inherited_unmatched:f",
        "invalid_detach:f", "failed_call:f",      "lint:f"};
    const struct cli_frame fr = supp_frame("f", NULL, NULL);
    const struct cli_finding f[] = {
        supp_finding(CLI_LEAKED_SEGMENT, 0, &fr, 1),
        supp_finding(CLI_UNMATCHED_ATTACH, 0, &fr, 1),
        supp_finding(CLI_UNMATCHED_ATTACH, 1, &fr, 1),
        supp_finding(CLI_INVALID_DETACH, 0, &fr, 1),
        supp_finding(CLI_FAILED_CALL, 0, &fr, 1),
        supp_finding(CLI_LINT, 0, &fr, 1),
    };
    struct cli_finding unknown = supp_finding(CLI_KIND_COUNT, 0, &fr, 1);
    (void)state;

    for (size_t r = 0; r < NELEM(rules); r++) {
        struct cli_supp *s = supp_set_of(rules[r]);
        struct cli_supp *any = supp_set_of("*:f");

        for (size_t i = 0; i < NELEM(f); i++) {
            int got = cli_supp_match(s, &f[i]);
            int got_any = cli_supp_match(any, &f[i]);

            if (got != (i == r))
                fail_msg("%s on finding %zu: %d", rules[r], i, got);
            assert_int_equal(got_any, 1);
        }
        assert_int_equal(cli_supp_match(s, &unknown), 0);
        assert_int_equal(cli_supp_match(any, &unknown), 1);
        assert_int_equal(cli_supp_hits(s, 0), 1);
        assert_int_equal(cli_supp_hits(any, 0), NELEM(f) + 1);
        cli_supp_free(s);
        cli_supp_free(any);
    }
}

/* A pattern of stars alone matches a finding of its kind with no stack
 * (what "KIND:*" suggestions need); anything else needs a frame. */
static void test_match_no_stack(void **state)
{
    struct cli_finding bare = supp_finding(CLI_INVALID_DETACH, 0, NULL, 0);
    const struct cli_frame unknown = supp_frame(NULL, NULL, NULL);
    struct cli_finding unsymbolized =
        supp_finding(CLI_INVALID_DETACH, 0, &unknown, 1);
    struct cli_supp *s =
        supp_set_of("lint:*\ninvalid_detach:src:*\ninvalid_detach:?*\n"
                    "invalid_detach:***\n");
    int bare_got, unsym_got;
    (void)state;

    bare_got = cli_supp_match(s, &bare);
    unsym_got = cli_supp_match(s, &unsymbolized);

    assert_int_equal(bare_got, 4);
    assert_int_equal(unsym_got, 4);
    assert_int_equal(cli_supp_hits(s, 3), 2);
    assert_int_equal(cli_supp_hits(s, 1) + cli_supp_hits(s, 2), 0);
    cli_supp_free(s);
}

/* The first matching rule wins and alone counts the hit. */
static void test_hits(void **state)
{
    struct cli_supp *s = supp_set_of("lint:nothing\n"
                                     "*:pool_*\n"
                                     "leaked_segment:pool_open\n"
                                     "leaked_segment:*\n");
    struct cli_finding open = supp_in_function(CLI_LEAKED_SEGMENT, "pool_open");
    struct cli_finding other = supp_in_function(CLI_LEAKED_SEGMENT, "main");
    struct cli_finding lint = supp_in_function(CLI_LINT, "main");
    int got[5];
    (void)state;

    got[0] = cli_supp_match(s, &open);
    got[1] = cli_supp_match(s, &open);
    got[2] = cli_supp_match(s, &other);
    got[3] = cli_supp_match(s, &lint);
    got[4] = cli_supp_match(s, &open);

    assert_int_equal(got[0], 2);
    assert_int_equal(got[1], 2);
    assert_int_equal(got[2], 4);
    assert_int_equal(got[3], 0);
    assert_int_equal(got[4], 2);
    assert_int_equal(cli_supp_hits(s, 0), 0);
    assert_int_equal(cli_supp_hits(s, 1), 3);
    assert_int_equal(cli_supp_hits(s, 2), 0);
    assert_int_equal(cli_supp_hits(s, 3), 1);
    assert_int_equal(cli_supp_hits(s, 4), 0);
    assert_int_equal(cli_supp_hits(s, (size_t)-1), 0);
    cli_supp_free(s);
}

/* Whether glob pattern matches the whole of str (as a function name). */
static int glob_matches(const char *pattern, const char *str)
{
    char rule[256];
    struct cli_supp *s;
    struct cli_finding f = supp_in_function(CLI_LINT, str);
    int got;

    snprintf(rule, sizeof rule, "lint:fun:%s", pattern);
    s = supp_set_of(rule);
    got = cli_supp_match(s, &f);
    cli_supp_free(s);
    return got;
}

/* Patterns, strings, and whether the one matches the other. */
static const struct glob_case {
    const char *pattern, *str;
    int want;
} globs[] = {
    {"*", "", 1},
    {"*", "anything", 1},
    {"**", "", 1},
    {"?", "", 0},
    {"?", "a", 1},
    {"?", "ab", 0},
    {"??", "ab", 1},
    {"a?c", "abc", 1},
    {"a?c", "ac", 0},
    {"abc", "abc", 1},
    {"abc", "abcd", 0},
    {"abc", "ab", 0},
    {"a*", "a", 1},
    {"a*", "ba", 0},
    {"*a", "ba", 1},
    {"*a", "ab", 0},
    {"a*b*c", "abc", 1},
    {"a*b*c", "axxbyyc", 1},
    {"a*b*c", "acb", 0},
    {"a*b*c", "abcabc", 1},
    {"a*b*c", "abcab", 0},
    {"*b*", "abc", 1},
    {"*x*", "abc", 0},
    {"a*a", "a", 0},
    {"*?", "", 0},
    {"*?", "a", 1},
    {"?*?", "a", 0},
    {"\\*", "*", 1},
    {"\\*", "a", 0},
    {"\\?", "?", 1},
    {"\\?", "a", 0},
    {"\\\\", "\\", 1},
    {"a\\bc", "abc", 1},
    {"a\\*c*", "a*cd", 1},
    {"a\\*c*", "abcd", 0},
    {"*\\*", "x*", 1},
    {"*\\*", "x*y", 0},
    {"\\**", "*abc", 1},
    {"ns::f*", "ns::fa", 1},
    {"[ab]", "a", 0},
    {"[ab]", "[ab]", 1},
    {"f(int, char)", "f(int, char)", 1},
    {"caf\xc3\xa9", "caf\xc3\xa9", 1},
    {"caf?", "caf\xc3\xa9", 0},
    {"caf??", "caf\xc3\xa9", 1},
};

static void test_glob(void **state)
{
    (void)state;

    for (size_t i = 0; i < NELEM(globs); i++) {
        const struct glob_case *c = &globs[i];
        int got = glob_matches(c->pattern, c->str);

        if (got != c->want)
            fail_msg("'%s' vs '%s': got %d, want %d", c->pattern, c->str, got,
                     c->want);
    }
}

/* Long strings, and patterns that make a backtracking matcher take
 * exponential time: these must simply return. */
static void test_glob_long(void **state)
{
    enum { N = 10000, M = N - N % 6 };
    char *as = malloc(N + 2), *abc = malloc(M + 1), *axbxc = malloc(N + 1);
    int a_no_b, a_b, stars, abc_got, abc_miss, qs, any, a_b_c;
    (void)state;
    assert_non_null(as);
    assert_non_null(abc);
    assert_non_null(axbxc);
    memset(as, 'a', N);
    as[N] = '\0';
    for (size_t i = 0; i < M; i++)
        abc[i] = "xyzabc"[i % 6];
    abc[M] = '\0';
    memset(axbxc, 'x', N);
    axbxc[0] = 'a', axbxc[N / 2] = 'b', axbxc[N - 1] = 'c', axbxc[N] = '\0';

    any = glob_matches("*", as);
    a_b_c = glob_matches("a*b*c", axbxc);
    a_no_b = glob_matches("*a*a*a*a*a*a*b", as);
    stars = glob_matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", as);
    qs = glob_matches("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b", as);
    abc_got = glob_matches("x*a*b*c*y*zabc", abc);
    abc_miss = glob_matches("x*a*b*c*y*zab", abc);
    strcat(as, "b");
    a_b = glob_matches("*a*a*a*a*a*a*b", as);

    assert_int_equal(any, 1);
    assert_int_equal(a_b_c, 1);
    assert_int_equal(a_no_b, 0);
    assert_int_equal(stars, 0);
    assert_int_equal(qs, 0);
    assert_int_equal(abc_got, 1);
    assert_int_equal(abc_miss, 0);
    assert_int_equal(a_b, 1);
    free(as);
    free(abc);
    free(axbxc);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_match_where), T(test_match_stack),    T(test_match_prefixes),
        T(test_match_kinds), T(test_match_no_stack), T(test_hits),
        T(test_glob),        T(test_glob_long),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
