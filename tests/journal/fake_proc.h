/*
 * fake_proc.h - for the tests of src/journal/procstat.c: /proc/<pid>/stat
 * lines the kernel never writes, read from a tmpfs mounted on /proc in a
 * private mount namespace of a child. Static functions: include it in one
 * test file (after cmocka and fixtures.h).
 */
#ifndef SHMC_TESTS_JOURNAL_FAKE_PROC_H
#define SHMC_TESTS_JOURNAL_FAKE_PROC_H

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* In a child: /proc is a tmpfs holding an empty /proc/7; 0, or
 * NO_NAMESPACE where no private mount namespace can be had. */
static int fake_proc_7(void)
{
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", "/proc", "tmpfs", 0, NULL) != 0 ||
        mkdir("/proc/7", 0700) != 0)
        return NO_NAMESPACE;
    return 0;
}

/* Runs fn in a child, which ends with fn's result as its exit status;
 * skips the test if that is NO_NAMESPACE, else asserts it is 0. */
static void in_child(int (*fn)(void))
{
    pid_t pid = fork();

    if (pid == 0)
        child_exit(fn());
    int how = reap(pid);
    if (how == NO_NAMESPACE)
        skip();
    assert_int_equal(how, 0);
}

#endif
