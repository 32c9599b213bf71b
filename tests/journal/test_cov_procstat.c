/*
 * test_cov_procstat.c - shmc_proc_start (src/journal/procstat.c) on lines
 * the kernel never writes, held by a tmpfs mounted on /proc in a private
 * mount namespace (skipped where none can be had): too few fields, a
 * start time that is not a number, digits that end at a letter; and the
 * escaping of the characters that reorder text (textbuf.c) next to those
 * that only look alike.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "fake_proc.h"
#include "journal/compiler.h"
#include "journal/procstat.h"
#include "journal/textbuf.h"

/* Eighteen fields after the state: the next one is field 22. */
#define TO_START " 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"

/* In the child: /proc/7/stat holds line; 0 when shmc_proc_start returns
 * rc and (if 0) start. */
static int start_is(const char *line, int rc, unsigned long long start)
{
    unsigned long long got = 12345;
    int fd = open("/proc/7/stat", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
        return 2;
    close(fd);
    if (shmc_proc_start(7, &got) != rc)
        return 3;
    return got == (rc == 0 ? start : 12345) ? 0 : 4;
}

static int start_lines(void)
{
    static const struct {
        const char *line;
        int rc;
        unsigned long long start;
    } cases[] = {
        {"7 (a) S" TO_START " 987 0\n", 0, 987}, /* the kernel's shape */
        {"7 (a) S 1 2 3\n", -1, 0},              /* too few fields */
        {"7 (a) S" TO_START " x9 0\n", -1, 0},   /* a letter */
        {"7 (a) S" TO_START " -9 0\n", -1, 0},   /* a sign */
        {"7 (a) S" TO_START " 42z 0\n", 0, 42},  /* digits end at 'z' */
    };

    if (fake_proc_7() != 0)
        return NO_NAMESPACE;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = start_is(cases[i].line, cases[i].rc, cases[i].start);
        if (r != 0) {
            fprintf(stderr, "case %zu: %d\n", i, r);
            return 10 + (int)i;
        }
    }
    return 0;
}

static void test_start_time_lines(void **state)
{
    (void)state;
    in_child(start_lines);
}

/* The marks that reorder text (U+200E, U+200F, U+2066..U+2069) are
 * escaped; their neighbours, and a no-break space, are shown as they
 * are. */
static void test_bidi_marks_and_neighbours(void **state)
{
    static const struct {
        const char *in, *want;
    } c[] = {
        {"\xe2\x80\x8e"
         "a\xe2\x80\x8f",
         "\\u200ea\\u200f"},
        {"\xe2\x81\xa6"
         "b\xe2\x81\xa9",
         "\\u2066b\\u2069"},
        {"\xc2\xa0\xe2\x80\x8d\xe2\x80\x90\xe2\x80\xa7",
         "\xc2\xa0\xe2\x80\x8d\xe2\x80\x90\xe2\x80\xa7"},
        {"\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
         "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char buf[64];
        struct shmc_textbuf t;

        shmc_textbuf_init(&t, buf, sizeof buf);
        shmc_textbuf_put_escaped(&t, c[i].in, strlen(c[i].in));
        assert_string_equal(buf, c[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_time_lines),
        cmocka_unit_test(test_bidi_marks_and_neighbours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
