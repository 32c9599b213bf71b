/*
 * test_oom.c - the CLI core when memory runs out (the injector:
 * oom.h), for N = 0, 1, 2... until an operation completes without
 * reaching the failure: at every N, the analysis (one allocation failing,
 * or all from the N-th on), the reader of /proc/sysvipc/shm, the JSON,
 * SARIF and text reports, interned strings and the suppressions parser
 * either fail as their contracts say (-1, NULL, ENOMEM's message) or give
 * exactly what they give with memory to spare, never a partial result
 * reported as a success; and nothing leaks. The symbolizer, the process
 * tree and mappings: test_oom_processes.c.
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
#include <unistd.h>

#include "analyze.h"
#include "fixtures.h"
#include "oom.h"
#include "report.h"
#include "suppress.h"
#include "text.h"

/* --- the analysis --------------------------------------------------------- */

/* -1, or the same run as with memory to spare; cli_run_free frees all;
 * whether one allocation fails or every one from the n-th on. */
static void analyze_failing(struct oom_fx *fx, int persistent)
{
    struct cli_run ref = {0};
    assert_int_equal(cli_analyze(&fx->in, &ref), 0);
    char *want = as_json(&ref);
    long n, failures = 0;
    /* the double detach of pids 11..30, made at one stack, is one
     * finding of 20 pids (group.h): 11, where there were 30 */
    assert_int_equal(ref.nfindings, 11);
    assert_int_equal(ref.summary.invalid_detaches, 21);
    assert_int_equal(ref.nwarnings, 3); /* damaged; 31 untraced; advice */
    cli_run_free(&ref);

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_run run = {0};
        long live = live_allocations();
        arm_mode(n, persistent);
        int rc = cli_analyze(&fx->in, &run);
        int failed = disarm();
        char *got = rc == 0 ? as_json(&run) : NULL;
        cli_run_free(&run);
        if (got != NULL && strcmp(got, want) != 0)
            fail_msg("allocation %ld failed, yet the run is complete:\n%s", n,
                     got);
        free(got);
        assert_leaked(n, live);
        failures += rc != 0;
        if (!failed)
            break;
    }
    free(want);
    assert_true(n > 30 && n < MAX_STEPS);
    assert_true(failures > 30);
}

static void test_analyze(void **state)
{
    need_faults();
    analyze_failing(*state, 0);
}

static void test_analyze_persistent(void **state)
{
    need_faults();
    analyze_failing(*state, 1);
}

/* /proc/sysvipc/shm's reader: -1 with ENOMEM, or every segment. */
static void test_kernel_segments(void **state)
{
    struct oom_fx *fx = *state;
    char path[128];
    long n;
    need_faults();
    snprintf(path, sizeof path, "%s/shm", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "       key      shmid perms size cpid lpid nattch ...\n");
    for (int i = 0; i < 40; i++)
        fprintf(f, "0 %d 600 4096 1 1 0 0 0 0 0 0 0 %d 4096 0\n", i, i);
    assert_int_equal(fclose(f), 0);

    for (n = 0; n < MAX_STEPS; n++) {
        struct cli_kseg *k = NULL;
        long live = live_allocations();
        arm(n);
        errno = 0;
        long got = cli_kernel_segments(path, &k);
        int err = errno, failed = disarm();
        if (got >= 0) {
            assert_int_equal(got, 40);
            assert_int_equal(k[39].shmid, 39);
        } else {
            assert_int_equal(err, ENOMEM);
            assert_null(k);
        }
        free(k);
        assert_leaked(n, live);
        if (!failed)
            break;
    }
    assert_true(n >= 3 && n < MAX_STEPS);
    unlink(path);
}

/* --- reports -------------------------------------------------------------- */

static int text_report(const struct cli_run *run, FILE *out)
{
    struct cli_text_opts o = {1u << CLI_LEAKED_SEGMENT, 0, 100,
                              cli_supp_suggest};
    return cli_report_text(run, &o, out);
}

/* Writes the report into a file whose buffer is ours: only the writer's
 * own allocations can fail. Returns the writer's result; *text gets what
 * it wrote (malloc'd). */
static int render_at(const struct cli_run *run, writer *w, long fail_at,
                     int *failed, char **text)
{
    static char buf[1 << 16];
    FILE *f = tmpfile();
    long len;
    int rc;

    assert_non_null(f);
    assert_int_equal(setvbuf(f, buf, _IOFBF, sizeof buf), 0);
    arm(fail_at);
    rc = w(run, f);
    *failed = disarm();
    assert_int_equal(fflush(f), 0);
    len = ftell(f);
    *text = calloc(1, (size_t)len + 1);
    assert_non_null(*text);
    rewind(f);
    assert_int_equal(fread(*text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return rc;
}

/* Each writer returns -1 when an allocation of its own fails, else its
 * whole report. */
static void test_reports(void **state)
{
    struct oom_fx *fx = *state;
    writer *const writers[] = {cli_report_json, cli_report_sarif, text_report};
    struct cli_run run = {0};
    need_faults();
    assert_int_equal(cli_analyze(&fx->in, &run), 0);
    /* symbolized frames: SARIF's locations and logical locations */
    run.findings[0].stack.f[0].function = cli_run_strdup(&run, "make_segment");
    run.findings[0].stack.f[0].file = cli_run_strdup(&run, "/src/a b#c.c");
    run.findings[0].stack.f[0].line = 12;
    run.command = (char *[]){"prog", "arg", NULL};

    for (size_t w = 0; w < sizeof writers / sizeof writers[0]; w++) {
        char *want, *got;
        int failed, rc = render_at(&run, writers[w], -1, &failed, &want);
        long n, failures = 0;
        assert_int_equal(rc, 0);
        for (n = 0; n < MAX_STEPS; n++) {
            long live = live_allocations();
            rc = render_at(&run, writers[w], n, &failed, &got);
            if (rc == 0 && strcmp(got, want) != 0)
                fail_msg("writer %zu, allocation %ld failed, yet:\n%s", w, n,
                         got);
            free(got);
            assert_leaked(n, live);
            failures += rc != 0;
            if (!failed)
                break;
        }
        free(want);
        assert_true(n < MAX_STEPS);
        assert_true(w == 2 ? failures == 0 : failures > 0);
    }
    run.command = NULL;
    cli_run_free(&run);
}

/* --- strings, suppressions ------------------------------------------------ */

static void test_intern(void **state)
{
    struct cli_run run = {0};
    (void)state;
    need_faults();

    arm(0);
    const char *none = cli_run_strdup(&run, "module");
    int failed = disarm();
    const char *some = cli_run_strdup(&run, "module");

    assert_true(failed);
    assert_null(none);
    assert_string_equal(some, "module");
    cli_run_free(&run);
}

static const char rules[] =
    "leaked_segment:a*\n"
    "unmatched_attach:src:b.c\n"
    "inherited_unmatched:fun:c\n"
    "invalid_detach:obj:d.so\n"
    "failed_call:e\n"
    "lint:f\n"
    "*:g\n*:h\n*:i\n*:j\n*:k\n*:l\n*:m\n*:n\n*:o\n*:p\n*:q\n*:r\n*:s\n";

/* A load that runs out of memory adds no rule and says so. */
static void test_suppressions(void **state)
{
    char err[256], want[64];
    long n;
    (void)state;
    need_faults();
    snprintf(want, sizeof want, "%s", strerror(ENOMEM));

    for (n = 0; n < MAX_STEPS; n++) {
        long live = live_allocations();
        arm(n);
        struct cli_supp *s = cli_supp_new();
        int rc =
            s ? cli_supp_parse(s, "f", rules, sizeof rules - 1, err, sizeof err)
              : -1;
        int failed = disarm();
        size_t count = s ? cli_supp_count(s) : 0;
        cli_supp_free(s);
        assert_leaked(n, live);
        if (s != NULL && rc != 0) {
            assert_non_null(strstr(err, want));
            assert_int_equal(count, 0);
        }
        if (rc == 0)
            assert_int_equal(count, 19);
        if (!failed)
            break;
    }
    assert_true(n > 1 && n < MAX_STEPS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_analyze_persistent),
        cmocka_unit_test(test_kernel_segments),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_intern),
        cmocka_unit_test(test_suppressions),
    };

    return cmocka_run_group_tests(tests, oom_setup, oom_teardown);
}
