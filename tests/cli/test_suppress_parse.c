/*
 * test_suppress_parse.c - reading suppression rules from memory
 * (src/cli/suppress_parse.c): good text (comments, blanks, spaces, CRLF)
 * read as written; every malformed line refused with its exact FILE:LINE
 * message and without a rule of that load kept; earlier loads kept;
 * messages cut like snprintf; and random bytes, which must neither crash
 * the parser nor leave an unterminated message. From files:
 * test_suppress_load.c.
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
    struct cli_supp *s = supp_new_set();
    struct supp_result r;
    (void)state;

    supp_parse(s, text, &r);

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
    struct cli_supp *s = supp_new_set();
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
    struct cli_supp *s = supp_new_set();
    struct supp_result r;
    (void)state;
    memcpy(text, "lint:", head);
    memset(text + head, 'x', CLI_SUPP_LINE_MAX - head);
    memcpy(text + CLI_SUPP_LINE_MAX, "\r\n", 3);
    memcpy(text + CLI_SUPP_LINE_MAX + 2, text, CLI_SUPP_LINE_MAX);

    supp_parse(s, text, &r);

    assert_int_equal(r.rc, 0);
    assert_int_equal(cli_supp_count(s), 2);
    assert_int_equal(strlen(cli_supp_rule_text(s, 1)), CLI_SUPP_LINE_MAX);
    cli_supp_free(s);
}

/* A text cli_supp_parse refuses, and its message. */
struct bad {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *msg;
};

/* Each text is refused with its message, and adds no rule. */
static void expect_refused(const struct bad *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cli_supp *s = supp_new_set();
        struct supp_result r;
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

/* stack: rules: no empty pattern, no empty frame pattern. */
static void test_parse_stack_errors(void **state)
{
    static const struct bad c[] = {
        {"lint:stack:", 0, "supp.txt:1: empty pattern" EXPECTED},
        {"lint:stack:a||b", 0,
         "supp.txt:1: empty frame pattern in stack:" EXPECTED},
        {"lint:stack:fun:|b", 0,
         "supp.txt:1: empty frame pattern in stack:" EXPECTED},
        {"lint:stack:a|", 0,
         "supp.txt:1: empty frame pattern in stack:" EXPECTED},
        {"lint:stack:|a", 0,
         "supp.txt:1: empty frame pattern in stack:" EXPECTED},
    };
    (void)state;

    expect_refused(c, NELEM(c));
}

static void test_parse_errors(void **state)
{
    static char too_long[CLI_SUPP_LINE_MAX + 32];
    static const struct bad c[] = {
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
         "supp.txt:1: unknown kind 'bad\\x01kind\\\\'" EXPECTED},
        {"0123456789012345678901234567890123456789x:x", 0,
         "supp.txt:1: unknown kind "
         "'0123456789012345678901234567890123456789...'" EXPECTED},
        {too_long, 0, "supp.txt:2: line longer than 4096 bytes" EXPECTED},
    };
    (void)state;
    memcpy(too_long, "lint:x\nlint:", 12);
    memset(too_long + 12, 'y', CLI_SUPP_LINE_MAX - 4);
    strcpy(too_long + CLI_SUPP_LINE_MAX + 8, "\r\n");

    expect_refused(c, NELEM(c));
}

/* A failed load adds nothing, and what earlier loads added is kept, hits
 * included; later loads go on from there. */
static void test_partial_failure(void **state)
{
    struct cli_supp *s = supp_set_of("leaked_segment:first\nlint:second\n");
    struct cli_finding f = supp_in_function(CLI_LINT, "second");
    struct supp_result bad, good;
    int before;
    (void)state;
    before = cli_supp_match(s, &f);

    supp_parse(s, "lint:third\n*:fourth\nlint fifth\n", &bad);
    supp_parse(s, "lint:sixth\n", &good);

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
    struct cli_supp *s = supp_new_set();
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
        supp_frame("make_pool", "/src/pool.c", "/lib/libpool.so"),
        supp_frame("a?*b", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")};
    struct cli_finding f = supp_finding(CLI_LEAKED_SEGMENT, 0, frames, 2);
    struct cli_supp *s = supp_new_set();
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
            s = supp_new_set();
        }
    }
    assert_true(accepted > 0);
    cli_supp_free(s);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_parse_good),         T(test_parse_nothing),
        T(test_parse_longest_line), T(test_parse_errors),
        T(test_parse_stack_errors), T(test_partial_failure),
        T(test_error_buffers),      T(test_random_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
