/*
 * test_cov2_suppress.c - corners of the suppressions: a frame pattern
 * that ends in a lone backslash (cli_supp_frame_end, suppress_match.c),
 * and no rule suggested for a stack whose first frames, as deep as a
 * suggestion goes, have no name (suppress_suggest.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fixtures.h"
#include "suppress.h"
#include "suppress_rules.h"

/* A backslash escapes the next byte; a last one escapes nothing, and the
 * frame ends at the end of the text, not past it. */
static void test_frame_end_lone_backslash(void **state)
{
    const char *p = "ab\\";
    const char *q = "a\\|b|c";

    (void)state;
    assert_ptr_equal(cli_supp_frame_end(p), p + 3);
    assert_ptr_equal(cli_supp_frame_end(q), q + 4); /* the escaped '|' */
}

/* Twelve frames, only the last named: a suggestion looks at the eight
 * first, nameless, so it gives none rather than a rule of wildcards. */
static void test_suggest_names_too_deep(void **state)
{
    struct cli_frame fr[12];
    char buf[512];

    (void)state;
    for (size_t i = 0; i < 12; i++)
        fr[i] = supp_frame(NULL, NULL, NULL);
    fr[11] = supp_frame("deep", NULL, NULL);
    struct cli_finding f = supp_finding(CLI_LEAKED_SEGMENT, 0, fr, 12);

    size_t n = cli_supp_suggest(&f, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_non_null(strstr(buf, "# no rule: nothing names this finding"));

    fr[7] = supp_frame("shallow", NULL, NULL); /* the eighth is seen */
    f = supp_finding(CLI_LEAKED_SEGMENT, 0, fr, 12);
    cli_supp_suggest(&f, buf, sizeof buf);
    assert_null(strstr(buf, "# no rule"));
    assert_non_null(strstr(buf, "shallow"));
    assert_null(strstr(buf, "deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_end_lone_backslash),
        cmocka_unit_test(test_suggest_names_too_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
