/*
 * test_run.c - cli_spawn_tree and cli_isolate: a program that is not
 * found is 127 and one that cannot be run 126, with the reason; the tree's
 * environment has the tracer preloaded after the user's LD_PRELOAD and the
 * CLI's own SHMCHECK_* settings in place of any inherited ones; every
 * orphaned descendant is reaped with its status; and a private IPC
 * namespace is made directly as root, through a user namespace without
 * CAP_SYS_ADMIN, or refused with the reason when neither is possible.
 *
 * The namespace tests change the process they run in, so they run in a
 * child, which reports through a pipe and its exit status, never through
 * cmocka. They need root (to drop to the case they test) and skip without.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "run.h"

struct fixture {
    char dir[64], out[96];
    struct cli_reaped *reaped;
    size_t nreaped;
    int top;
    char err[256];
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    mk_dir(fx->dir, sizeof fx->dir);
    snprintf(fx->out, sizeof fx->out, "%s/out", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    unsetenv("LD_PRELOAD");
    unsetenv("SHMCHECK_REPORT");
    unsetenv("SHMCHECK_EXITCODE");
    unsetenv("SHMCHECK_ON_ERROR");
    unsetenv("SHMCHECK_LOG_DIR");
    unsetenv("SHMCHECK__BROKER");
    free(fx->reaped);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

/* Runs argv as the tree, the tracer standing in being libc.so.6. */
static int spawn(struct fixture *fx, char **argv, int quiet)
{
    struct cli_spawn sp = {argv, "libc.so.6", fx->dir, quiet, NULL, NULL};

    return cli_spawn_tree(&sp, &fx->reaped, &fx->nreaped, &fx->top, fx->err,
                          sizeof fx->err);
}

static char *slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* --- running ---------------------------------------------------------- */

static void test_not_found(void **state)
{
    struct fixture *fx = *state;

    int code = spawn(fx, (char *[]){"/nonexistent/prog", NULL}, 1);

    assert_int_equal(code, 127);
    assert_string_equal(fx->err,
                        "cannot run '/nonexistent/prog': No such file or "
                        "directory");
    assert_int_equal(fx->nreaped, 1); /* the child that could not exec */
    assert_int_equal(fx->reaped[0].pid, fx->top);
    assert_int_equal(fx->reaped[0].status, W_EXITCODE(127, 0));
}

static void test_cannot_run(void **state)
{
    struct fixture *fx = *state;
    FILE *f = fopen(fx->out, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nexit 0\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(fx->out, 0600), 0);

    int code = spawn(fx, (char *[]){fx->out, NULL}, 1);

    char want[256];
    snprintf(want, sizeof want, "cannot run '%s': Permission denied", fx->out);
    assert_int_equal(code, 126);
    assert_string_equal(fx->err, want);
    assert_int_equal(fx->reaped[0].status, W_EXITCODE(126, 0));
}

/* The tracer comes after the user's preloads; the CLI's settings (the
 * broker's address too) replace inherited ones, each once. The verdict is
 * the CLI's: no process of the tree aborts at its end (a user's
 * SHMCHECK_ON_ERROR=abort, for fuzzing without the CLI, is replaced). */
static void test_environment(void **state)
{
    struct fixture *fx = *state;
    char cmd[512], got[512], want[512];
    snprintf(cmd, sizeof cmd,
             "{ echo \"$LD_PRELOAD|$SHMCHECK_LOG_DIR|$SHMCHECK_REPORT|"
             "$SHMCHECK_EXITCODE|$SHMCHECK_ON_ERROR\"; env | grep -c -e "
             "'^LD_PRELOAD=' -e '^SHMCHECK_LOG_DIR=' -e '^SHMCHECK_REPORT=' "
             "-e '^SHMCHECK_EXITCODE=' -e '^SHMCHECK_ON_ERROR=' -e "
             "'^SHMCHECK__BROKER=shmcheck-'; } "
             ">'%s'",
             fx->out);
    setenv("LD_PRELOAD", "libm.so.6", 1);
    setenv("SHMCHECK_REPORT", "stderr", 1);
    setenv("SHMCHECK_EXITCODE", "9", 1);
    setenv("SHMCHECK_ON_ERROR", "abort", 1);
    setenv("SHMCHECK_LOG_DIR", "/elsewhere", 1);
    setenv("SHMCHECK__BROKER", "stale:00", 1);

    int quiet = spawn(fx, (char *[]){"sh", "-c", cmd, NULL}, 1);
    slurp(fx->out, got, sizeof got);
    snprintf(want, sizeof want, "libm.so.6:libc.so.6|%s|none|0|exit\n6\n",
             fx->dir);
    assert_int_equal(quiet, 0);
    assert_string_equal(got, want);
    assert_int_equal(fx->nreaped, 1);
    assert_int_equal(fx->reaped[0].status, 0);

    free(fx->reaped);
    setenv("LD_PRELOAD", "", 1);
    int loud = spawn(fx, (char *[]){"sh", "-c", cmd, NULL}, 0);
    slurp(fx->out, got, sizeof got);
    snprintf(want, sizeof want, "libc.so.6|%s|stderr|0|exit\n6\n", fx->dir);
    assert_int_equal(loud, 0);
    assert_string_equal(got, want);
}

/* 20 orphans, reparented to the CLI as subreaper, and the program. */
static void test_reaps_orphans(void **state)
{
    struct fixture *fx = *state;
    char *argv[] = {"sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
                    "19 20; do (sh -c 'exit 7' &); done; exit 5",
                    NULL};

    int code = spawn(fx, argv, 1);

    size_t sevens = 0, top = 0;
    for (size_t i = 0; i < fx->nreaped; i++) {
        sevens += fx->reaped[i].status == W_EXITCODE(7, 0);
        if (fx->reaped[i].pid == fx->top) {
            top++;
            assert_int_equal(fx->reaped[i].status, W_EXITCODE(5, 0));
        }
    }
    assert_int_equal(code, 0);
    assert_int_equal(fx->nreaped, 21);
    assert_int_equal(sevens, 20);
    assert_int_equal(top, 1);
}

/* --- namespaces ------------------------------------------------------- */

static void need_root(void)
{
    if (geteuid() != 0)
        skip();
}

/* Drops CAP_SYS_ADMIN, which creating an IPC namespace directly needs. */
static int drop_sys_admin(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    d[0].effective &= ~(1u << CAP_SYS_ADMIN);
    d[0].permitted &= ~(1u << CAP_SYS_ADMIN);
    d[0].inheritable &= ~(1u << CAP_SYS_ADMIN);
    return (int)syscall(SYS_capset, &h, d);
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

enum how { AS_IS, NO_SYS_ADMIN, NO_USER_NS, NO_PROC };

/* Prepares the child's situation; 0, or -1 when this system cannot. */
static int prepare(enum how how)
{
    if (how == NO_USER_NS) {
        /* root of a user namespace that may create no other */
        if (unshare(CLONE_NEWUSER) != 0 ||
            write_text("/proc/self/setgroups", "deny") != 0 ||
            write_text("/proc/self/uid_map", "0 0 1\n") != 0 ||
            write_text("/proc/self/gid_map", "0 0 1\n") != 0 ||
            write_text("/proc/sys/user/max_user_namespaces", "0\n") != 0)
            return -1;
    }
    if (how == NO_PROC) /* /proc hidden: the id maps cannot be written */
        if (unshare(CLONE_NEWNS) != 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("none", "/proc", "tmpfs", 0, NULL) != 0)
            return -1;
    return how == AS_IS ? 0 : drop_sys_admin();
}

/* cli_isolate in a child prepared as how says: its result and message
 * into out, "skip" when the situation cannot be made here. */
static void isolate_child(enum how how, char *out, size_t cap)
{
    int p[2], status;
    ssize_t n;
    pid_t child;

    assert_int_equal(pipe(p), 0);
    fflush(NULL); /* or the child's exit writes our buffers again */
    child = fork();
    if (child == 0) {
        char err[512] = "";
        int rc = -2, id = -1;
        close(p[0]);
        if (prepare(how) == 0) {
            rc = cli_isolate(err, sizeof err);
            /* a segment here is in the new namespace, gone with it */
            id = rc == 0 ? shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) : -1;
        }
        if (rc == -2)
            dprintf(p[1], "skip");
        else
            dprintf(p[1], "%d %s %s", rc, id >= 0 ? "shm" : "-", err);
        /* no exit handlers: LeakSanitizer's need the /proc hidden here */
        SHMC_COVERAGE_FLUSH();
        _exit(0);
    }
    close(p[1]);
    n = read(p[0], out, cap - 1);
    close(p[0]);
    out[n > 0 ? n : 0] = '\0';
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(status, 0);
    if (strcmp(out, "skip") == 0)
        skip();
}

static void test_isolate_as_root(void **state)
{
    char got[600];
    (void)state;
    need_root();

    isolate_child(AS_IS, got, sizeof got);

    assert_string_equal(got, "0 shm ");
}

static void test_isolate_through_user_ns(void **state)
{
    char got[600];
    (void)state;
    need_root();

    isolate_child(NO_SYS_ADMIN, got, sizeof got);

    assert_string_equal(got, "0 shm ");
}

static void test_isolate_refused(void **state)
{
    char got[600], want[600];
    (void)state;
    need_root();

    isolate_child(NO_USER_NS, got, sizeof got);

    snprintf(want, sizeof want,
             "-1 - cannot create a private IPC namespace: %s (needs root, "
             "or unprivileged user namespaces: sysctl "
             "kernel.unprivileged_userns_clone=1)",
             strerror(ENOSPC));
    assert_string_equal(got, want);
}

static void test_isolate_without_proc(void **state)
{
    char got[600], want[600];
    (void)state;
    need_root();

    isolate_child(NO_PROC, got, sizeof got);

    snprintf(want, sizeof want, "-1 - cannot map ids in the user namespace: %s",
             strerror(ENOENT));
    assert_string_equal(got, want);
}

/* Descriptors for the broker but not for the pipe that tells of the
 * exec: nothing runs, the error says why. In a child: exit status 0 as
 * expected. */
static int spawn_without_pipe(struct fixture *fx)
{
    struct rlimit few = {3 + 4, 3 + 4}; /* the broker's directory, socket
                                           and pipe */

    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    if (setrlimit(RLIMIT_NOFILE, &few) != 0)
        return 1;
    int rc = spawn(fx, (char *[]){"/bin/true", NULL}, 1);
    char want[128];
    snprintf(want, sizeof want, "pipe: %s", strerror(EMFILE));
    return rc != -1 ? 2 : strcmp(fx->err, want) != 0;
}

static void test_no_descriptor_left(void **state)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int code = spawn_without_pipe(*state);
        SHMC_COVERAGE_FLUSH();
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cannot_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reaps_orphans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_descriptor_left, setup,
                                        teardown),
        cmocka_unit_test(test_isolate_as_root),
        cmocka_unit_test(test_isolate_through_user_ns),
        cmocka_unit_test(test_isolate_refused),
        cmocka_unit_test(test_isolate_without_proc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
