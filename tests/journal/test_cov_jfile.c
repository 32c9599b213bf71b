/*
 * test_cov_jfile.c - the journal's directory and file where the kernel
 * says no (src/journal/jfile.c, writer.c): a directory name too long for
 * any journal name; a "directory" that is a file, or below one; a root
 * directory seen by another user; fstat refused on the directory or on
 * the journal just made (a seccomp filter, refuse_syscall, skipped where
 * none can be installed); a journal whose owner or size changed under the
 * writer is not grown.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/jfile.h"

#define NO_FILTER 78
#define NOT_ROOT 79

/* No room for "/<pid>.<n>.shmj" after the directory: ENAMETOOLONG, an
 * empty path, nothing created. */
static void test_directory_name_too_long(void **state)
{
    static char dir[PATH_MAX], path[PATH_MAX];
    uint32_t image = 7;

    (void)state;
    memset(dir, 'd', PATH_MAX - 20);
    dir[PATH_MAX - 20] = '\0';
    path[0] = 'x';
    errno = 0;
    assert_int_equal(shmc_jfile_create(path, AT_FDCWD, dir, 1, &image), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    assert_string_equal(path, "");
    assert_int_equal(image, 7);
}

/* A regular file given as the directory, and a path through one: refused
 * with ENOTDIR (not ELOOP, which says a symlink). */
static void test_file_is_no_directory(void **state)
{
    struct fx *fx = *state;
    char file[PATH_MAX], below[PATH_MAX + 8];

    snprintf(file, sizeof file, "%s/plain", fx->dir);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(below, sizeof below, "%s/sub", file);
    errno = 0;
    assert_int_equal(shmc_jdir_open(file, NULL), -1);
    assert_int_equal(errno, ENOTDIR);
    errno = 0;
    assert_int_equal(shmc_jdir_open(below, NULL), -1);
    assert_int_equal(errno, ENOTDIR);
    unlink(file);
}

/* As another user (nobody): "/" (root's, nobody else can write it) is
 * trusted; a root directory that others can write is not. */
static void test_root_owned_as_another_user(void **state)
{
    struct stat root, tmp;

    (void)state;
    assert_int_equal(stat("/", &root), 0);
    if (root.st_uid != 0 || (root.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        skip(); /* "/" is not as a system has it */
    int tmp_open = stat("/tmp", &tmp) == 0 && tmp.st_uid == 0 &&
                   (tmp.st_mode & S_IWOTH) != 0;
    pid_t pid = fork();
    if (pid == 0) {
        /* nobody, and group nogroup: the group coverage counts allow */
        if (geteuid() == 0 &&
            (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
             setresuid(65534, 65534, 65534) != 0))
            child_exit(NOT_ROOT);
        int fd = shmc_jdir_open("/", NULL);
        if (fd < 0)
            child_exit(1);
        close(fd);
        errno = 0;
        if (tmp_open && (shmc_jdir_open("/tmp", NULL) != -1 || errno != EPERM))
            child_exit(2);
        child_exit(0);
    }
    int how = reap(pid);
    if (how == NOT_ROOT)
        skip();
    assert_int_equal(how, 0);
}

/* The lowest descriptor free now: what the next open returns. */
static int next_fd(void)
{
    int fd = dup(0);

    assert_true(fd >= 0);
    close(fd);
    return fd;
}

static int refuse_fstat(int fd)
{
    return refuse_syscall(SYS_newfstatat, 0, (uint32_t)fd, EIO) |
           refuse_syscall(SYS_fstat, 0, (uint32_t)fd, EIO);
}

/* fstat of the directory refused: -1 with its errno, the descriptor
 * closed. */
static void test_directory_fstat_refused(void **state)
{
    struct fx *fx = *state;
    int fd = next_fd();
    pid_t pid = fork();

    if (pid == 0) {
        if (refuse_fstat(fd) != 0)
            child_exit(NO_FILTER);
        errno = 0;
        if (shmc_jdir_open(fx->dir, NULL) != -1 || errno != EIO)
            child_exit(1);
        child_exit(fcntl(fd, F_GETFD) == -1 && errno == EBADF ? 0 : 2);
    }
    int how = reap(pid);
    if (how == NO_FILTER)
        skip();
    assert_int_equal(how, 0);
}

/* fstat of the journal just created refused (the directory's, opened
 * first, is not): the writer does not open, and removes the file. */
static void test_journal_fstat_refused(void **state)
{
    struct fx *fx = *state;
    int dfd = next_fd();
    pid_t pid = fork();

    if (pid == 0) {
        if (refuse_fstat(dfd + 1) != 0)
            child_exit(NO_FILTER);
        errno = 0;
        int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
        child_exit(rc == -1 && errno == EIO && fx->w.path[0] == '\0' ? 0 : 1);
    }
    int how = reap(pid);
    if (how == NO_FILTER)
        skip();
    assert_int_equal(how, 0);
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    int files = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 0);
}

/* The journal's file changed under the writer (same inode): its owner,
 * or its size. Growth does not use it (the record is lost as a file
 * problem) and close leaves its size alone. */
static void check_changed(struct fx *fx, int owner)
{
    struct stat st;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    uint32_t fit = fill_chunk(fx, 3);
    assert_int_equal(stat(fx->w.path, &st), 0);
    off_t size = owner ? st.st_size : st.st_size + 4096;
    if (owner)
        assert_int_equal(chown(fx->w.path, 65534, (gid_t)-1), 0);
    else
        assert_int_equal(truncate(fx->w.path, size), 0);

    assert_int_equal(put(&fx->w, 3, fit, 0, 1), -1);
    assert_int_equal(lost(&fx->w), 1);
    shmc_jwriter_close(&fx->w);
    assert_int_equal(stat(fx->w.path, &st), 0);
    assert_int_equal(st.st_size, size);
}

static void test_owner_changed(void **state)
{
    if (geteuid() != 0)
        skip(); /* only root gives a file away */
    check_changed(*state, 1);
}

static void test_size_changed(void **state)
{
    check_changed(*state, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_directory_name_too_long),
        T(test_file_is_no_directory),
        T(test_root_owned_as_another_user),
        T(test_directory_fstat_refused),
        T(test_journal_fstat_refused),
        T(test_owner_changed),
        T(test_size_changed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
