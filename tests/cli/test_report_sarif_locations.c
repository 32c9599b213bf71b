/*
 * test_report_sarif_locations.c - where cli_report_sarif
 * (src/cli/report_sarif.c) locates a finding and how it fingerprints it:
 * the first frame with a file, else the program of its process, else the
 * traced command, else nowhere; frames without a module; URIs of every
 * kind of byte; fingerprints that ignore pids, ids, addresses and where a
 * module is, and follow the line, the kind and the lint rule.
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

/* A stack without a file: the finding is located at the program of its
 * process (the creator's for a leak), else at the traced command, else
 * nowhere (only when there is no command at all). */
static void test_sarif_location_fallback(void **state)
{
    struct report_fx *fx = *state;
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    int rc;

    run->command = prog_arg;
    add_traced(run, 100, 1, ARGV("/opt/my prog#1"), CLI_END_EXIT, 0);
    add_traced(run, 101, 100, ARGV("/usr/bin/child"), CLI_END_EXIT, 0);
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    add_frame(run, f, &libc_start);
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->creator_pid = 101, f->seen_by_kernel = 1;
    add_finding(run, CLI_FAILED_CALL, 999);
    cli_summarize(run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"uri\": \"file:///opt/my%20prog%231\"\n");
    assert_contains(fx->text, "\"uri\": \"file:///usr/bin/child\"\n");
    assert_contains(fx->text, "\"uri\": \"prog\"\n");
    assert_int_equal(count(fx->text, "\"region\""), 0);
    /* a result's own (its code flow's are further in) */
    assert_int_equal(count(fx->text, "\n          \"locations\""), 3);
    assert_int_equal(python_check("check_sarif.py",
                                  "invalid_detach leaked_segment failed_call",
                                  fx->text),
                     0);
}

/* The n fingerprints of text, in order, into fp[i] (17 bytes each). */
static void fingerprints(const char *text, char (*fp)[17], size_t n)
{
    static const char key[] = "\"shmcheck/v1\": \"";
    const char *p = text;

    for (size_t i = 0; i < n; i++) {
        p = strstr(p, key);
        assert_non_null(p);
        p += strlen(key);
        snprintf(fp[i], 17, "%s", p);
    }
    assert_null(strstr(p, key));
}

/* Pids, shmids, addresses, pcs and modules do not change a fingerprint;
 * the line, the kind and the lint rule do. */
static void test_sarif_fingerprints(void **state)
{
    struct report_fx *fx = *state;
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    char fp[6][17];
    int rc;

    run->command = prog_arg;
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 1, f->creator_pid = 100;
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LEAKED_SEGMENT, 200);
    f->shmid = 2, f->creator_pid = 200, f->key = 77, f->size = 8;
    add_frame(
        run, f,
        &(struct frame){0x555555401136, "/tmp/other", 0x9, "main", "x.c", 12});
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    add_frame(
        run, f,
        &(struct frame){0x401136, "/usr/bin/prog", 0x1136, "main", "x.c", 13});
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "mode-world-writable");
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "creat-without-excl");
    add_frame(run, f, &main_x12);

    rc = render(fx, cli_report_sarif);
    fingerprints(fx->text, fp, NELEM(fp));

    assert_int_equal(rc, 0);
    assert_string_equal(fp[0], fp[1]);
    assert_string_not_equal(fp[0], fp[2]);
    assert_string_not_equal(fp[0], fp[3]);
    assert_string_not_equal(fp[4], fp[5]);
}

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
    assert_int_equal(count(with, "\"uri\": \"file:///bin/cmd\""), 2);
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
    /* the named frame: in its stack and its code flow */
    assert_int_equal(count(fx->text, "\"logicalLocations\""), 2);
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
    assert_contains(fx->text, "\"uri\": \"file:///Az09/-._~!$&'()*+,;=@/"
                              "%25%3F%23%3A%5B%5D%20%22%5C%7F%C3%A9\"");
}

/* Files below the source root are named relative to it with uriBaseId
 * SRCROOT, which originalUriBaseIds gives as a directory (ending in '/');
 * a file beside it (a common prefix only) or elsewhere is a file: URI. */
static void test_sarif_source_root(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 1);
    add_frame(&fx->run, f,
              &(struct frame){.pc = 1, .file = "/src/repo/a b.c", .line = 3});
    add_frame(&fx->run, f,
              &(struct frame){.pc = 2, .file = "/src/repo2/c.c", .line = 4});
    add_frame(&fx->run, f,
              &(struct frame){.pc = 3, .file = "/usr/x.c", .line = 5});
    fx->run.source_root = "/src/repo";

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"originalUriBaseIds\": {\n"
                              "        \"SRCROOT\": {\n"
                              "          \"uri\": \"file:///src/repo/\"\n");
    /* the location, the stack's frame, the code flow's */
    assert_int_equal(count(fx->text, "\"uri\": \"a%20b.c\",\n"), 3);
    assert_int_equal(count(fx->text, "\"uriBaseId\": \"SRCROOT\"\n"), 3);
    assert_contains(fx->text, "\"uri\": \"file:///src/repo2/c.c\"\n");
    assert_contains(fx->text, "\"uri\": \"file:///usr/x.c\"\n");

    fx->run.source_root = "/"; /* everything is below it */
    rc = render_summarized(fx, cli_report_sarif);
    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"uri\": \"file:///\"\n");
    assert_contains(fx->text, "\"uri\": \"usr/x.c\",\n");
    fx->run.source_root = NULL;
}

/* A call made through shmcheck's library is located at the program's
 * call of it: past the library's frames, by module or by name; the
 * fingerprint follows that frame, and every frame stays in the stack. */
static void test_sarif_past_the_library(void **state)
{
    struct report_fx *fx = *state;
    struct cli_finding *f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 1);
    add_frame(&fx->run, f,
              &(struct frame){1, "/usr/lib/libshmcheck.so.0", 0x10,
                              "create_checked", "/b/src/lib/segment.c", 40});
    add_frame(&fx->run, f,
              &(struct frame){2, "/usr/lib/libshmcheck.so.0", 0x20,
                              "shmc_segment_create", "/b/src/lib/segment.c",
                              90});
    add_frame(&fx->run, f,
              &(struct frame){3, "/app/prog", 0x30, "setup", "/app/main.c", 7});
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 2); /* linked in */
    add_frame(&fx->run, f,
              &(struct frame){4, "/app/prog", 0x40, "create_checked",
                              "/b/src/lib/segment.c", 40});
    add_frame(&fx->run, f,
              &(struct frame){5, "/app/prog", 0x50, "shmc_segment_create",
                              "/b/src/lib/segment.c", 90});
    add_frame(&fx->run, f,
              &(struct frame){6, "/app/prog", 0x60, "setup", "/app/main.c", 7});

    int rc = render_summarized(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    const char *loc = strstr(fx->text, "\"locations\"");
    assert_non_null(loc);
    const char *stacks = strstr(loc, "\"stacks\"");
    const char *main_c = strstr(loc, "file:///app/main.c");
    assert_true(main_c != NULL && main_c < stacks);
    /* the library's frames: in the stacks and code flows only */
    assert_int_equal(count(fx->text, "\"uri\": \"file:///b/src/lib/segment.c"),
                     8);
    assert_string_equal(fingerprint(fx->text, 0), fingerprint(fx->text, 1));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_sarif_location_fallback),
        T(test_sarif_fingerprints),
        T(test_sarif_no_program),
        T(test_sarif_frames),
        T(test_sarif_uris),
        T(test_sarif_source_root),
        T(test_sarif_past_the_library),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
