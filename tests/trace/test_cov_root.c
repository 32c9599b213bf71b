/*
 * test_cov_root.c - how the tracer finds the root of the traced tree
 * (src/trace/root.c) from maps files the kernel never writes: a tmpfs
 * mounted on /proc in a private mount namespace holds the program's own
 * /proc/self/maps and its parent's /proc/<ppid>/maps (skipped where none
 * can be had). Lines of every wrong shape are passed over; a line longer
 * than the reader's buffer is not a map; only whole lines count; a parent
 * whose map cannot be read counts as traced. Also: a parent outside the
 * program's pid namespace (ppid 0) makes it the root; a root entry too
 * long to pass on passes on as naming no process.
 *
 * What tells: "leak-to -" leaves a segment and exits 0, which only the
 * root turns into 23.
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
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "journal/compiler.h"

#define PRELOAD "LD_PRELOAD=" SHMC_TRACE_SO
#define NO_NAMESPACE 77
#define LONG_LINE 9000 /* more than the 8192 bytes the reader holds */

/* The program's own map: every shape line_key refuses, a range above all
 * code, a line too long to hold, then one range over all code (the
 * tracer's, "fe:01 4242"). */
static const char self_maps[] =
    "   \n"                                   /* no field */
    "abc\n"                                   /* one */
    "zz-yy r-xp 00000000 08:01 1234 /x\n"     /* no range */
    "1000-2000 r-xp 00000000 08:01 0 /anon\n" /* inode 0 */
    "1000-2000 r-xp 00000000 08:01 5 /one\n"  /* not here */
    "1000-2000 r-xp 00000000 "                /* key too */
    "0123456789012345678901234567890123456789012345678901234567890 77 /l\n"
    "ffffffffffff0000-ffffffffffffffff r-xp 00000000 08:01 99 /high\n";
static const char self_tail[] = "0-ffffffffffff0000 r-xp 00000000 fe:01 4242 "
                                "/tracer\n";

/* The parent's map: a file with this text, or (NULL) a directory. */
struct fake {
    const char *parent;
};

static void put_file(const char *path, const char *a, size_t long_line,
                     const char *b)
{
    static char xs[LONG_LINE];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    memset(xs, 'x', sizeof xs);
    if (fd < 0 || write(fd, a, strlen(a)) != (ssize_t)strlen(a) ||
        write(fd, xs, long_line) != (ssize_t)long_line ||
        write(fd, "\n", long_line ? 1 : 0) != (long_line ? 1 : 0) ||
        write(fd, b, strlen(b)) != (ssize_t)strlen(b))
        _exit(120);
    close(fd);
}

/* In the child before exec: /proc is a tmpfs holding the two maps. */
static void fake_proc(const void *arg)
{
    const struct fake *f = arg;
    char dir[64], maps[80];

    snprintf(dir, sizeof dir, "/proc/%d", (int)getppid());
    snprintf(maps, sizeof maps, "%s/maps", dir);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", "/proc", "tmpfs", 0, NULL) != 0)
        _exit(NO_NAMESPACE);
    if (mkdir("/proc/self", 0700) != 0 || mkdir(dir, 0700) != 0)
        _exit(121);
    put_file("/proc/self/maps", self_maps, LONG_LINE, self_tail);
    if (f->parent == NULL ? mkdir(maps, 0700) != 0 : 0)
        _exit(122);
    if (f->parent != NULL)
        put_file(maps, f->parent, 0, "");
}

/* Runs leak-to with the fake /proc; its exit status (skips without a
 * mount namespace). */
static int status_with(struct fx *fx, const struct fake *f)
{
    static struct run r;
    const struct how h = {NULL, PRELOAD, fake_proc, f};

    run(fx, &r, &h, (char *[]){SHMC_TRACED_PROG, "leak-to", "-", NULL});
    assert_true(WIFEXITED(r.status));
    if (WEXITSTATUS(r.status) == NO_NAMESPACE)
        skip();
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    return WEXITSTATUS(r.status);
}

/* The parent maps the tracer's file: not the root. */
static void parent_maps_the_tracer(void **state)
{
    const struct fake f = {"1000-2000 r-xp 00000000 08:01 5 /one\n"
                           "3000-4000 r-xp 00000000 fe:01 4242 /tracer\n"};

    assert_int_equal(status_with(*state, &f), 0);
}

/* The tracer's file is on the parent's last line, which has no end: not
 * a whole line, not a map: the root. */
static void parent_line_unfinished(void **state)
{
    const struct fake f = {"3000-4000 r-xp 00000000 fe:01 4242 /tracer"};

    assert_int_equal(status_with(*state, &f), 23);
}

/* The parent's map cannot be read (a directory: read fails): counted as
 * traced, the safe side. */
static void parent_map_unreadable(void **state)
{
    const struct fake f = {NULL};

    assert_int_equal(status_with(*state, &f), 0);
}

/* In the child before exec: a new pid namespace, in which the program is
 * pid 1, its parent (this child) outside: ppid 0. This child waits and
 * exits with the program's status. */
static void in_pid_namespace(const void *arg)
{
    int status = 0;

    (void)arg;
    if (unshare(CLONE_NEWPID) != 0)
        _exit(NO_NAMESPACE);
    pid_t pid = fork();
    if (pid == 0)
        return; /* the program: pid 1 */
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        status = 126 << 8;
    SHMC_COVERAGE_FLUSH();
    _exit(WEXITSTATUS(status));
}

static void parent_outside_pid_namespace(void **state)
{
    static struct run r;
    const struct how h = {NULL, PRELOAD, in_pid_namespace, NULL};
    int id = -1;

    run(*state, &r, &h, (char *[]){SHMC_TRACED_PROG, "leak-to", "-", NULL});
    if (sscanf(r.out, "segment %d", &id) == 1)
        shmctl(id, IPC_RMID, NULL); /* its creator's pid is not r.pid */
    assert_true(WIFEXITED(r.status));
    if (WEXITSTATUS(r.status) == NO_NAMESPACE)
        skip();
    assert_int_equal(WEXITSTATUS(r.status), 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

/* In the child before exec: a root entry that starts with this pid but
 * is too long to pass on whole. */
static void long_root_entry(const void *arg)
{
    char value[160];
    int n = snprintf(value, sizeof value, "%d:", (int)getpid());

    (void)arg;
    memset(value + n, '1', sizeof value - 1 - (size_t)n);
    value[sizeof value - 1] = '\0';
    setenv("SHMCHECK__ROOT", value, 1);
}

/* Cut short, it would name this process (the exec keeps the pid); it
 * passes on as naming none. */
static void long_root_entry_names_none(void **state)
{
    static struct run r;
    const struct how h = {NULL, PRELOAD, long_root_entry, NULL};

    run(*state, &r, &h, (char *[]){SHMC_TRACED_PROG, "exec-env", "keep", NULL});
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "got SHMCHECK__ROOT=other\n"));
    assert_null(strstr(r.out, "got SHMCHECK__ROOT=me\n"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(parent_maps_the_tracer),     T(parent_line_unfinished),
        T(parent_map_unreadable),      T(parent_outside_pid_namespace),
        T(long_root_entry_names_none),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
