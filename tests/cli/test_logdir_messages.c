/*
 * test_logdir_messages.c - the tracer's messages in the log directory
 * (cli_log_dir_messages, src/cli/logdir.c): every "<pid>.messages" file
 * read in version order, each distinct non-empty line one warning
 * "tracer: LINE"; a file that cannot be read, a directory named like one,
 * and a missing directory add nothing; at most the first 64 KiB of a file.
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
#include <sys/stat.h>
#include <unistd.h>

#include "findings.h"
#include "fixtures.h"
#include "logdir.h"

struct msg_fx {
    char dir[64];
    struct cli_run run;
};

static int setup(void **state)
{
    struct msg_fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    mk_dir(fx->dir, sizeof fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct msg_fx *fx = *state;
    cli_run_free(&fx->run);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

static void put(struct msg_fx *fx, const char *name, const char *text)
{
    char path[256];
    path_in(fx->dir, name, path, sizeof path);
    put_file(path, text, 0600);
}

/* The warnings, one per line, into out. */
static const char *warnings(const struct cli_run *run)
{
    static char out[8192];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < run->nwarnings; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s\n",
                                 run->warnings[i]);
    assert_null(run->warnings == NULL ? NULL : run->warnings[run->nwarnings]);
    return out;
}

/* Lines of several files, in version order of the pids (9 before 10);
 * empty lines skipped, a last line without a newline kept, a line seen
 * in an earlier file (or twice in one) added once; other files ignored. */
static void test_lines_of_many_pids(void **state)
{
    struct msg_fx *fx = *state;
    put(fx, "10.messages", "ten first\n\nshared line\n");
    put(fx, "9.messages", "nine first\nshared line\nnine first\n");
    put(fx, "11.messages", "no newline at the end");
    put(fx, "12.messages", "");
    put(fx, "12.messages.old", "not a messages file\n");
    put(fx, ".messages", "no pid before the suffix\n");
    put(fx, "10.0.shmj", "not a messages file either\n");

    assert_int_equal(cli_log_dir_messages(fx->dir, &fx->run), 0);
    assert_string_equal(warnings(&fx->run), "tracer: nine first\n"
                                            "tracer: shared line\n"
                                            "tracer: ten first\n"
                                            "tracer: no newline at the end\n");
}

/* A warning already in the run (the same text) is not added again. */
static void test_duplicate_of_existing_warning(void **state)
{
    struct msg_fx *fx = *state;
    put(fx, "5.messages", "SHMCHECK_X: refused\n");
    assert_int_equal(cli_log_dir_messages(fx->dir, &fx->run), 0);
    assert_int_equal(cli_log_dir_messages(fx->dir, &fx->run), 0);
    assert_string_equal(warnings(&fx->run), "tracer: SHMCHECK_X: refused\n");
}

/* A messages name that is a dangling symlink or a directory adds nothing;
 * the files after it are still read. */
static void test_unreadable_and_not_regular(void **state)
{
    struct msg_fx *fx = *state;
    char path[256];
    path_in(fx->dir, "1.messages", path, sizeof path);
    assert_int_equal(symlink("/nonexistent/shmcheck-test", path), 0);
    path_in(fx->dir, "2.messages", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    put(fx, "3.messages", "after them\n");

    assert_int_equal(cli_log_dir_messages(fx->dir, &fx->run), 0);
    assert_string_equal(warnings(&fx->run), "tracer: after them\n");
}

/* No directory: nothing, and no failure. */
static void test_missing_directory(void **state)
{
    struct msg_fx *fx = *state;
    char path[256];
    path_in(fx->dir, "absent", path, sizeof path);
    assert_int_equal(cli_log_dir_messages(path, &fx->run), 0);
    assert_int_equal(fx->run.nwarnings, 0);
    assert_null(fx->run.warnings);
}

/* Only the lines that start in the first 64 KiB: 1000 lines of 100 bytes,
 * the 656th starting at 65500, the 657th at 65600 (not read). */
static void test_first_64k_only(void **state)
{
    struct msg_fx *fx = *state;
    size_t len = 1000 * 100;
    char *text = malloc(len + 1);
    assert_non_null(text);
    for (int i = 0; i < 1000; i++)
        snprintf(text + i * 100, 101, "line %04d %089d\n", i + 1, 0);
    put(fx, "7.messages", text);
    free(text);

    assert_int_equal(cli_log_dir_messages(fx->dir, &fx->run), 0);
    assert_int_equal(fx->run.nwarnings, 656);
    assert_int_equal(strncmp(fx->run.warnings[0], "tracer: line 0001 ", 18), 0);
    assert_int_equal(strncmp(fx->run.warnings[655], "tracer: line 0656 ", 18),
                     0);
    assert_int_equal(strlen(fx->run.warnings[655]), 8 + 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_of_many_pids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_of_existing_warning,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_and_not_regular, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_64k_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
