/*
 * test_procstat.c - shmc_proc_stat (src/journal/procstat.c): our own
 * state and parent, a zombie child's 'Z', a gone pid refused, and a
 * command name holding ") Z 1 " that must not fool the parser. Lines the
 * kernel never writes (a tmpfs mounted on /proc in a private mount
 * namespace holds them; skipped where none can be had): whatever does not
 * read ") <state> " is refused, the parent's digits end at a non-digit.
 * shmc_proc_start: the start time, the same whatever the name holds.
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "fake_proc.h"
#include "journal/compiler.h"
#include "journal/procstat.h"

static void test_self(void **state)
{
    char st = 0;
    int ppid = 0;

    (void)state;
    assert_int_equal(shmc_proc_stat(getpid(), &st, &ppid), 0);
    assert_int_equal(st, 'R');
    assert_int_equal(ppid, getppid());
}

static void test_zombie_then_gone(void **state)
{
    int p[2], status, ppid = 0;
    char st = 0, c;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        /* A name that looks like the fields that follow it. */
        prctl(PR_SET_NAME, (unsigned long)"x) Z 1 (", 0, 0, 0);
        close(p[0]);
        _exit(write(p[1], "n", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    assert_int_equal(read(p[0], &c, 1), 0); /* EOF: it is exiting */
    close(p[0]);
    /* Until the kernel has made it a zombie; then it stays one. */
    while (shmc_proc_stat(pid, &st, &ppid) == 0 && st != 'Z')
        sched_yield();
    assert_int_equal(st, 'Z');
    assert_int_equal(ppid, getpid());
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(shmc_proc_stat(pid, &st, &ppid), -1);
}

/* In the child: /proc/7/stat holds line; 0 when shmc_proc_stat returns
 * rc and (if 0) state and ppid. */
static int stat_is(const char *line, int rc, char state, int ppid)
{
    char st = '?';
    int pp = -1, fd = open("/proc/7/stat", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
        return 2;
    close(fd);
    if (shmc_proc_stat(7, &st, &pp) != rc)
        return 3;
    return rc != 0 || (st == state && pp == ppid) ? 0 : 4;
}

static int malformed_lines(void)
{
    static const struct {
        const char *line;
        int rc;
        char state;
        int ppid;
    } cases[] = {
        {"7 (a b) S 12 1 1\n", 0, 'S', 12}, /* the kernel's, for a start */
        {"", -1, 0, 0},                     /* empty */
        {"7 a S 12 1\n", -1, 0, 0},         /* no ')' */
        {"7 (a)S 12 1\n", -1, 0, 0},        /* no blank after it */
        {"7 (a) ", -1, 0, 0},               /* no state */
        {"7 (a) SS 12\n", -1, 0, 0},        /* no blank after the state */
        {"7 (a) Z 12a 1\n", 0, 'Z', 12},    /* digits end at 'a' */
        {"7 (a) R 3", 0, 'R', 3},           /* at the end of the line */
        {"7 (a) R ", 0, 'R', 0},            /* no parent: 0 */
        {"7 (a) R /5", 0, 'R', 0},          /* not a digit */
    };

    if (fake_proc_7() != 0)
        return NO_NAMESPACE;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r =
            stat_is(cases[i].line, cases[i].rc, cases[i].state, cases[i].ppid);
        if (r != 0) {
            fprintf(stderr, "case %zu: %d\n", i, r);
            return 10 + (int)i;
        }
    }
    return 0;
}

static void test_malformed_lines(void **state)
{
    (void)state;
    in_child(malformed_lines);
}

/* Clock ticks since boot, from /proc/uptime, rounded up. */
static unsigned long long ticks_since_boot(void)
{
    FILE *f = fopen("/proc/uptime", "re");
    double up = 0;

    assert_non_null(f);
    assert_int_equal(fscanf(f, "%lf", &up), 1);
    fclose(f);
    return (unsigned long long)(up * (double)sysconf(_SC_CLK_TCK)) + 1;
}

/* The start time, field 22, also of a process whose name is full of
 * blanks and parentheses; a child started after us has a later or the
 * same one; a gone pid has none. */
static void test_start_time(void **state)
{
    unsigned long long mine = 0, kid = 0, again = 0;
    int p[2], status;
    char c;
    pid_t pid;

    (void)state;
    assert_int_equal(shmc_proc_start(getpid(), &mine), 0);
    assert_true(mine > 0);
    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        prctl(PR_SET_NAME, (unsigned long)") 1 2 3 4 5 (", 0, 0, 0);
        close(p[0]);
        _exit(write(p[1], "n", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    /* Running or a zombie, its stat holds the start time until reaped. */
    assert_int_equal(shmc_proc_start(pid, &kid), 0);
    assert_true(kid >= mine && kid <= ticks_since_boot());
    assert_int_equal(shmc_proc_start(pid, &again), 0);
    assert_true(again == kid);
    close(p[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(shmc_proc_start(pid, &again), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_zombie_then_gone),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_start_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
