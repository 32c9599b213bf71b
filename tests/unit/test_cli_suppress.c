/*
 * test_cli_suppress.c - the suppressions module: good files (comments,
 * blanks, spaces, CRLF) read as written; every malformed line refused with
 * its exact FILE:LINE message and without a rule of that load kept; matching
 * by function, file path or basename and module path or basename, with
 * src:/fun:/obj: and the * kind, inherited attaches apart; globs, including
 * pathological ones that must not backtrack exponentially; hit counts;
 * suggestions, truncated like snprintf and read back as rules that match;
 * loading real files, missing ones and several into one set; and random
 * bytes, which must neither crash the parser nor leave an unterminated
 * message.
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

#include "suppress.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 0xa5
#define EXPECTED                                                           \
    "; expected KIND:PATTERN with KIND one of leaked_segment, "            \
    "unmatched_attach, inherited_unmatched, invalid_detach, failed_call, " \
    "lint or *"

/* --- helpers ------------------------------------------------------------ */

struct result {
    int rc;
    char err[512];
};

/* Parses text (a C string) as "supp.txt" into s. */
static int parse(struct cli_supp *s, const char *text, struct result *r)
{
    memset(r->err, GUARD, sizeof r->err);
    r->rc = cli_supp_parse(s, "supp.txt", text, strlen(text), r->err,
                           sizeof r->err);
    return r->rc;
}

static struct cli_supp *new_set(void)
{
    struct cli_supp *s = cli_supp_new();

    assert_non_null(s);
    return s;
}

/* A set holding the rules of text, which must all be good. */
static struct cli_supp *set_of(const char *text)
{
    struct cli_supp *s = new_set();
    struct result r;

    if (parse(s, text, &r) != 0)
        fail_msg("rules %s refused: %s", text, r.err);
    return s;
}

static struct cli_frame frame(const char *function, const char *file,
                              const char *module)
{
    struct cli_frame f = {0x401000, module, 0x1000, function, file, 12};

    return f;
}

/* A finding of kind with the given frames (n of them). */
static struct cli_finding finding(enum cli_kind kind, int inherited,
                                  const struct cli_frame *frames, unsigned n)
{
    struct cli_finding f = {.kind = kind, .shmid = 5, .inherited = inherited};

    for (unsigned i = 0; i < n; i++)
        f.stack.f[i] = frames[i];
    f.stack.n = n;
    return f;
}

/* A finding whose one frame knows only its function. */
static struct cli_finding in_function(enum cli_kind kind, const char *fun)
{
    struct cli_frame fr = frame(fun, NULL, NULL);

    return finding(kind, 0, &fr, 1);
}

static void assert_untouched(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != GUARD)
            fail_msg("byte %zu written", i);
}

/* --- parsing ------------------------------------------------------------ */

static void test_parse_good(void **state)
{
    static const char text[] = "# shmcheck suppressions\n"
                               "\n"
                               "leaked_segment:make_pool\n"
                               "   unmatched_attach:src:*/worker.c   \r\n"
                               "\t\r\n"
                               "   # an indented comment: with a colon\n"
                               "inherited_unmatched : fun: child_*\n"
                               "invalid_detach:obj:libfoo.so*\r\n"
                               "failed_call:a\\*b?c\n"
                               "lint:ns::f\n"
                               "*:*";
    static const char *const want[] = {"leaked_segment:make_pool",
                                       "unmatched_attach:src:*/worker.c",
                                       "inherited_unmatched : fun: child_*",
                                       "invalid_detach:obj:libfoo.so*",
                                       "failed_call:a\\*b?c",
                                       "lint:ns::f",
                                       "*:*"};
    struct cli_supp *s = new_set();
    struct result r;
    (void)state;

    parse(s, text, &r);

    assert_int_equal(r.rc, 0);
    assert_untouched(r.err, sizeof r.err);
    assert_int_equal(cli_supp_count(s), NELEM(want));
    for (size_t i = 0; i < NELEM(want); i++) {
        assert_string_equal(cli_supp_rule_text(s, i), want[i]);
        assert_int_equal(cli_supp_hits(s, i), 0);
    }
    assert_null(cli_supp_rule_text(s, NELEM(want)));
    cli_supp_free(s);
}

static void test_parse_nothing(void **state)
{
    struct cli_supp *s = new_set();
    char err[16];
    int empty, null_text, comments;
    (void)state;
    memset(err, GUARD, sizeof err);

    empty = cli_supp_parse(s, "a", "", 0, err, sizeof err);
    null_text = cli_supp_parse(s, NULL, NULL, 0, err, sizeof err);
    comments = cli_supp_parse(s, "b", "#x\n\n \r\n# y:z", 12, err, sizeof err);

    assert_int_equal(empty, 0);
    assert_int_equal(null_text, 0);
    assert_int_equal(comments, 0);
    assert_int_equal(cli_supp_count(s), 0);
    assert_int_equal(cli_supp_match(s, &(struct cli_finding){0}), 0);
    assert_untouched(err, sizeof err);
    cli_supp_free(s);
    cli_supp_free(NULL);
}

/* The longest line is 4096 bytes without its "\n" or "\r\n". */
static void test_parse_longest_line(void **state)
{
    static char text[2 * CLI_SUPP_LINE_MAX + 16];
    const size_t head = strlen("lint:");
    struct cli_supp *s = new_set();
    struct result r;
    (void)state;
    memcpy(text, "lint:", head);
    memset(text + head, 'x', CLI_SUPP_LINE_MAX - head);
    memcpy(text + CLI_SUPP_LINE_MAX, "\r\n", 3);
    memcpy(text + CLI_SUPP_LINE_MAX + 2, text, CLI_SUPP_LINE_MAX);

    parse(s, text, &r);

    assert_int_equal(r.rc, 0);
    assert_int_equal(cli_supp_count(s), 2);
    assert_int_equal(strlen(cli_supp_rule_text(s, 1)), CLI_SUPP_LINE_MAX);
    cli_supp_free(s);
}

static void test_parse_errors(void **state)
{
    static char too_long[CLI_SUPP_LINE_MAX + 32];
    static const struct {
        const char *text;
        size_t len; /* 0: strlen(text) */
        const char *msg;
    } c[] = {
        {"leak:foo", 0, "supp.txt:1: unknown kind 'leak'" EXPECTED},
        {"fun:main", 0, "supp.txt:1: unknown kind 'fun'" EXPECTED},
        {"Leaked_Segment:x", 0,
         "supp.txt:1: unknown kind 'Leaked_Segment'" EXPECTED},
        {"#\n\nleaked_segment foo\n", 0,
         "supp.txt:3: missing ':' after the kind" EXPECTED},
        {"lint:a\r\nlint\r\n", 0,
         "supp.txt:2: missing ':' after the kind" EXPECTED},
        {":foo", 0, "supp.txt:1: missing kind before ':'" EXPECTED},
        {"  \t: foo", 0, "supp.txt:1: missing kind before ':'" EXPECTED},
        {"leaked_segment:", 0, "supp.txt:1: empty pattern" EXPECTED},
        {"leaked_segment:   \t", 0, "supp.txt:1: empty pattern" EXPECTED},
        {"lint:x\nlint:src:", 0, "supp.txt:2: empty pattern" EXPECTED},
        {"*:fun:  ", 0, "supp.txt:1: empty pattern" EXPECTED},
        {"lint:foo\\", 0, "supp.txt:1: pattern ends with a lone '\\'" EXPECTED},
        {"lint:foo\\\\\\", 0,
         "supp.txt:1: pattern ends with a lone '\\'" EXPECTED},
        {"lint:a\0b", 8, "supp.txt:1: NUL byte at column 7" EXPECTED},
        {"#\n\0", 3, "supp.txt:2: NUL byte at column 1" EXPECTED},
        {"# a comment \0 too", 17,
         "supp.txt:1: NUL byte at column 13" EXPECTED},
        {"bad\x01kind\\:x", 0,
         "supp.txt:1: unknown kind 'bad\\x01kind\\x5c'" EXPECTED},
        {"0123456789012345678901234567890123456789x:x", 0,
         "supp.txt:1: unknown kind "
         "'0123456789012345678901234567890123456789...'" EXPECTED},
        {too_long, 0, "supp.txt:2: line longer than 4096 bytes" EXPECTED},
    };
    (void)state;
    memcpy(too_long, "lint:x\nlint:", 12);
    memset(too_long + 12, 'y', CLI_SUPP_LINE_MAX - 4);
    strcpy(too_long + CLI_SUPP_LINE_MAX + 8, "\r\n");

    for (size_t i = 0; i < NELEM(c); i++) {
        struct cli_supp *s = new_set();
        struct result r;
        size_t len = c[i].len ? c[i].len : strlen(c[i].text);

        memset(r.err, GUARD, sizeof r.err);
        r.rc =
            cli_supp_parse(s, "supp.txt", c[i].text, len, r.err, sizeof r.err);

        if (r.rc != -1 || strcmp(r.err, c[i].msg) != 0)
            fail_msg("case %zu: rc %d, message\n  %s\nwanted\n  %s", i, r.rc,
                     r.err, c[i].msg);
        assert_int_equal(cli_supp_count(s), 0);
        cli_supp_free(s);
    }
}

/* A failed load adds nothing, and what earlier loads added is kept, hits
 * included; later loads go on from there. */
static void test_partial_failure(void **state)
{
    struct cli_supp *s = set_of("leaked_segment:first\nlint:second\n");
    struct cli_finding f = in_function(CLI_LINT, "second");
    struct result bad, good;
    int before;
    (void)state;
    before = cli_supp_match(s, &f);

    parse(s, "lint:third\n*:fourth\nlint fifth\n", &bad);
    parse(s, "lint:sixth\n", &good);

    assert_int_equal(before, 2);
    assert_int_equal(bad.rc, -1);
    assert_string_equal(bad.err,
                        "supp.txt:3: missing ':' after the kind" EXPECTED);
    assert_int_equal(good.rc, 0);
    assert_int_equal(cli_supp_count(s), 3);
    assert_string_equal(cli_supp_rule_text(s, 0), "leaked_segment:first");
    assert_string_equal(cli_supp_rule_text(s, 1), "lint:second");
    assert_string_equal(cli_supp_rule_text(s, 2), "lint:sixth");
    assert_int_equal(cli_supp_hits(s, 1), 1);
    assert_int_equal(cli_supp_match(s, &(struct cli_finding){0}), 0);
    cli_supp_free(s);
}

/* Messages are cut like snprintf; no buffer at all is fine too. */
static void test_error_buffers(void **state)
{
    struct cli_supp *s = new_set();
    char small[16];
    int rc_small, rc_none, rc_one;
    char one = (char)GUARD;
    (void)state;
    memset(small, GUARD, sizeof small);

    rc_small = cli_supp_parse(s, "supp.txt", "x", 1, small, 10);
    rc_none = cli_supp_parse(s, "supp.txt", "x", 1, NULL, 0);
    rc_one = cli_supp_parse(s, "supp.txt", "x", 1, &one, 1);

    assert_int_equal(rc_small, -1);
    assert_int_equal(rc_none, -1);
    assert_int_equal(rc_one, -1);
    assert_string_equal(small, "supp.txt:");
    assert_untouched(small + 10, sizeof small - 10);
    assert_int_equal(one, '\0');
    cli_supp_free(s);
}

/* --- matching ----------------------------------------------------------- */

static void test_match_where(void **state)
{
    const struct cli_frame frames[] = {
        frame(NULL, NULL, NULL),
        frame("make_pool", "/home/u/app/src/pool.c", "/opt/app/bin/server"),
        frame("main", "main.c", "/lib/x86_64-linux-gnu/libc.so.6"),
    };
    const struct cli_finding f = finding(CLI_LEAKED_SEGMENT, 0, frames, 3);
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
        struct cli_supp *s = set_of(c[i].rule);

        int got = cli_supp_match(s, &f);

        if (got != c[i].want)
            fail_msg("%s: got %d, want %d", c[i].rule, got, c[i].want);
        assert_int_equal(cli_supp_hits(s, 0), (unsigned long)c[i].want);
        cli_supp_free(s);
    }
}

static void test_match_prefixes(void **state)
{
    const struct cli_frame fr =
        frame("pool_open", "/src/lib/pool.c", "/usr/lib/libpool.so.1");
    const struct cli_finding f = finding(CLI_LINT, 0, &fr, 1);
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
        struct cli_supp *s = set_of(c[i].rule);

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
    const struct cli_frame fr = frame("f", NULL, NULL);
    const struct cli_finding f[] = {
        finding(CLI_LEAKED_SEGMENT, 0, &fr, 1),
        finding(CLI_UNMATCHED_ATTACH, 0, &fr, 1),
        finding(CLI_UNMATCHED_ATTACH, 1, &fr, 1),
        finding(CLI_INVALID_DETACH, 0, &fr, 1),
        finding(CLI_FAILED_CALL, 0, &fr, 1),
        finding(CLI_LINT, 0, &fr, 1),
    };
    struct cli_finding unknown = finding(CLI_KIND_COUNT, 0, &fr, 1);
    (void)state;

    for (size_t r = 0; r < NELEM(rules); r++) {
        struct cli_supp *s = set_of(rules[r]);
        struct cli_supp *any = set_of("*:f");

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
    struct cli_finding bare = finding(CLI_INVALID_DETACH, 0, NULL, 0);
    const struct cli_frame unknown = frame(NULL, NULL, NULL);
    struct cli_finding unsymbolized =
        finding(CLI_INVALID_DETACH, 0, &unknown, 1);
    struct cli_supp *s =
        set_of("lint:*\ninvalid_detach:src:*\ninvalid_detach:?*\n"
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
    struct cli_supp *s = set_of("lint:nothing\n"
                                "*:pool_*\n"
                                "leaked_segment:pool_open\n"
                                "leaked_segment:*\n");
    struct cli_finding open = in_function(CLI_LEAKED_SEGMENT, "pool_open");
    struct cli_finding other = in_function(CLI_LEAKED_SEGMENT, "main");
    struct cli_finding lint = in_function(CLI_LINT, "main");
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

/* --- globs -------------------------------------------------------------- */

/* Whether glob pattern matches the whole of str (as a function name). */
static int glob_matches(const char *pattern, const char *str)
{
    char rule[256];
    struct cli_supp *s;
    struct cli_finding f = in_function(CLI_LINT, str);
    int got;

    snprintf(rule, sizeof rule, "lint:fun:%s", pattern);
    s = set_of(rule);
    got = cli_supp_match(s, &f);
    cli_supp_free(s);
    return got;
}

static void test_glob(void **state)
{
    static const struct {
        const char *pattern, *str;
        int want;
    } c[] = {
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
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        int got = glob_matches(c[i].pattern, c[i].str);

        if (got != c[i].want)
            fail_msg("'%s' vs '%s': got %d, want %d", c[i].pattern, c[i].str,
                     got, c[i].want);
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

/* --- suggestions -------------------------------------------------------- */

static void test_suggest(void **state)
{
    const struct cli_frame none = frame(NULL, NULL, NULL);
    const struct cli_frame empty = frame("", "", "");
    const struct cli_frame file = frame(NULL, "/src/app/pool.c", "/bin/app");
    const struct cli_frame fun = frame("make_pool", "x.c", "/bin/app");
    const struct cli_frame mod = frame(NULL, NULL, "/usr/lib/libpool.so.1");
    const struct cli_frame odd = frame("operator*<a?\\b>", NULL, NULL);
    const struct cli_frame ctl = frame(" f\tg\x7f ", NULL, NULL);
    const struct cli_frame pfx = frame(NULL, "dir/src:x.c", NULL);
    const struct cli_frame nopfx = frame("srcx:y", NULL, NULL);
    struct {
        struct cli_finding f;
        const char *want;
    } c[] = {
        {finding(CLI_LEAKED_SEGMENT, 0, (struct cli_frame[]){file, fun}, 2),
         "leaked_segment:make_pool"},
        {finding(CLI_UNMATCHED_ATTACH, 0, (struct cli_frame[]){none, file}, 2),
         "unmatched_attach:pool.c"},
        {finding(CLI_UNMATCHED_ATTACH, 1, (struct cli_frame[]){mod, file}, 2),
         "inherited_unmatched:pool.c"},
        {finding(CLI_INVALID_DETACH, 0, (struct cli_frame[]){empty, mod}, 2),
         "invalid_detach:libpool.so.1"},
        {finding(CLI_FAILED_CALL, 0, &none, 1), "failed_call:*"},
        {finding(CLI_LINT, 0, NULL, 0), "lint:*"},
        {finding(CLI_LINT, 0, &empty, 1), "lint:*"},
        {finding(CLI_LINT, 0, &odd, 1), "lint:operator\\*<a\\?\\\\b>"},
        {finding(CLI_LINT, 0, &ctl, 1), "lint:?f?g??"},
        {finding(CLI_LINT, 0, &pfx, 1), "lint:src\\:x.c"},
        {finding(CLI_LINT, 0, &nopfx, 1), "lint:srcx:y"},
        {finding(CLI_KIND_COUNT, 0, &fun, 1), "*:make_pool"},
    };
    (void)state;

    for (size_t i = 0; i < NELEM(c); i++) {
        char buf[128];
        struct cli_supp *s;
        size_t n;

        memset(buf, GUARD, sizeof buf);
        n = cli_supp_suggest(&c[i].f, buf, sizeof buf);
        s = set_of(buf);

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
    const struct cli_finding f = in_function(CLI_LINT, "make_pool");
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
    f = in_function(CLI_LEAKED_SEGMENT, name);

    asked = cli_supp_suggest(&f, NULL, 0);
    n = cli_supp_suggest(&f, buf, N + 16);
    s = set_of(buf);

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

/* --- files -------------------------------------------------------------- */

/* Writes len bytes to a new temporary file; its path goes to path. */
static void temp_file(char *path, size_t cap, const char *data, size_t len)
{
    int fd;

    snprintf(path, cap, "/tmp/test_cli_suppress.XXXXXX");
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
                               "  *:obj:libpool.so*  ";
    char path[64];
    struct cli_supp *s = new_set();
    struct cli_finding f = in_function(CLI_LEAKED_SEGMENT, "make_pool");
    struct result r;
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
        struct cli_supp *s = set_of("lint:kept");
        struct result r;

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
    struct cli_supp *s = set_of("lint:kept");
    struct result gone, dir;
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
    struct cli_supp *s = new_set();
    struct cli_finding f = in_function(CLI_LINT, "g");
    struct result ra, rb;
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

/* --- random bytes ------------------------------------------------------- */

static uint64_t next(uint64_t *s) /* xorshift64 */
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A mix of words the parser knows and arbitrary bytes, NULs included. */
static size_t random_text(uint64_t *rng, char *t, size_t cap)
{
    static const char *const words[] = {"leaked_segment",
                                        "unmatched_attach",
                                        "inherited_unmatched",
                                        "lint",
                                        "*",
                                        ":",
                                        "src:",
                                        "fun:",
                                        "obj:",
                                        "\\",
                                        "?",
                                        "\n",
                                        "\r\n",
                                        "#",
                                        " ",
                                        "make_pool",
                                        "pool.c",
                                        "lib"};
    size_t n = 0, want = next(rng) % 200;

    if (next(rng) % 64 == 0)
        want = CLI_SUPP_LINE_MAX - 8 + next(rng) % 16;
    while (n < want && n < cap) {
        uint64_t r = next(rng);
        const char *w = words[r % NELEM(words)];
        size_t wl = strlen(w);

        if (r % 3 == 0 && n + wl <= cap) {
            memcpy(t + n, w, wl);
            n += wl;
        } else if (r % 37 == 1) {
            memset(t + n, 'a', cap - n < 64 ? cap - n : 64);
            n += cap - n < 64 ? cap - n : 64;
        } else {
            t[n++] = (char)(r >> 32);
        }
    }
    return n;
}

static void test_random_bytes(void **state)
{
    static char text[CLI_SUPP_LINE_MAX + 64];
    const struct cli_frame frames[] = {
        frame("make_pool", "/src/pool.c", "/lib/libpool.so"),
        frame("a?*b", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")};
    struct cli_finding f = finding(CLI_LEAKED_SEGMENT, 0, frames, 2);
    struct cli_supp *s = new_set();
    uint64_t rng = 0x5eed5eed5eedULL;
    unsigned accepted = 0;
    (void)state;

    for (int round = 0; round < 20000; round++) {
        size_t len = random_text(&rng, text, sizeof text);
        /* An exact-size copy, so that ASan sees any read past len. */
        char *copy = malloc(len ? len : 1), err[160];
        size_t errlen = next(&rng) % 2 ? sizeof err - 32 : next(&rng) % 40;
        size_t before = cli_supp_count(s);
        int rc;
        assert_non_null(copy);
        memcpy(copy, text, len);
        memset(err, GUARD, sizeof err);

        rc = cli_supp_parse(s, "fuzz", copy, len, err, errlen);
        cli_supp_match(s, &f);

        if (rc != 0 && rc != -1)
            fail_msg("round %d: rc %d", round, rc);
        if (rc == -1 && cli_supp_count(s) != before)
            fail_msg("round %d: a failed parse kept rules", round);
        if (rc == -1 && errlen > 0 && memchr(err, '\0', errlen) == NULL)
            fail_msg("round %d: message not terminated", round);
        if (rc == -1 && errlen > 5 && strncmp(err, "fuzz:", 5) != 0)
            fail_msg("round %d: message %s", round, err);
        assert_untouched(err + errlen, sizeof err - errlen);
        accepted += rc == 0;
        free(copy);
        if (round % 500 == 499) {
            cli_supp_free(s);
            s = new_set();
        }
    }
    assert_true(accepted > 0);
    cli_supp_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_nothing),
        cmocka_unit_test(test_parse_longest_line),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_partial_failure),
        cmocka_unit_test(test_error_buffers),
        cmocka_unit_test(test_match_where),
        cmocka_unit_test(test_match_prefixes),
        cmocka_unit_test(test_match_kinds),
        cmocka_unit_test(test_match_no_stack),
        cmocka_unit_test(test_hits),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_glob_long),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_suggest_truncated),
        cmocka_unit_test(test_suggest_long_name),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_load_unreadable),
        cmocka_unit_test(test_load_several),
        cmocka_unit_test(test_random_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
