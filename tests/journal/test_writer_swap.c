/*
 * test_writer_swap.c - the journal's directory and file as another user
 * would attack them (src/journal/writer.c, jfile.c): a file of the very
 * same size and content swapped in at the journal's name is not the
 * journal (growth and close leave it alone); a directory that is a
 * symlink, or not the pinned one, or one other users can write, gets no
 * journal; a pin is parsed strictly.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/jfile.h"

/* An exact copy of the journal (same size, same bytes, another inode)
 * renamed over it: neither growth nor close writes to the copy; the
 * record that needed growth is counted lost as a file problem. */
static void test_same_size_copy_left_alone(void **state)
{
    struct fx *fx = *state;
    char copy[PATH_MAX + 8];
    struct stat before, after;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    uint32_t fit = fill_chunk(fx, 5);
    load_file(fx, fx->w.path);
    snprintf(copy, sizeof copy, "%s.copy", fx->w.path);
    int fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, fx->buf, fx->len), (ssize_t)fx->len);
    close(fd);
    assert_int_equal(rename(copy, fx->w.path), 0);
    assert_int_equal(stat(fx->w.path, &before), 0);

    int grew = put(&fx->w, 5, fit, 0, 1);
    shmc_jwriter_close(&fx->w);

    assert_int_equal(grew, -1);
    assert_int_equal(lost(&fx->w), 1);
    assert_int_equal(stat(fx->w.path, &after), 0);
    assert_int_equal(after.st_size, before.st_size); /* not truncated */
    assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

/* The directory given as a symlink to a good one: no journal, ELOOP. */
static void test_symlinked_dir_refused(void **state)
{
    struct fx *fx = *state;
    char link[PATH_MAX];

    snprintf(link, sizeof link, "%s.link", fx->dir);
    assert_int_equal(symlink(fx->dir, link), 0);
    int rc = shmc_jwriter_open(&fx->w, link, PID, PPID, 0, 0, 0);
    int err = errno;
    unlink(link);
    assert_int_equal(rc, -1);
    assert_int_equal(err, ELOOP);
    assert_int_equal(shmc_jdir_open(link, NULL), -1);
}

/* Writable by others (sticky or not): EPERM, nothing created. */
static void test_open_dir_refused(void **state)
{
    struct fx *fx = *state;
    const mode_t modes[] = {0777, 01777, 0720, 0702};

    for (size_t i = 0; i < NELEM(modes); i++) {
        assert_int_equal(chmod(fx->dir, modes[i]), 0);
        errno = 0;
        assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0),
                         -1);
        assert_int_equal(errno, EPERM);
    }
    assert_int_equal(chmod(fx->dir, 0700), 0);
    assert_int_equal(rmdir(fx->dir), 0); /* empty: nothing was created */
    assert_int_equal(mkdir(fx->dir, 0700), 0);
}

/* Pinned: only the directory with that device and inode. */
static void test_pin(void **state)
{
    struct fx *fx = *state;
    struct stat st;
    struct shmc_jdir_pin pin, other;

    assert_int_equal(stat(fx->dir, &st), 0);
    pin = (struct shmc_jdir_pin){st.st_dev, st.st_ino};
    other = (struct shmc_jdir_pin){st.st_dev, st.st_ino + 1};
    assert_int_equal(shmc_jwriter_open_via(&fx->w, NULL, fx->dir, &other, PID,
                                           PPID, 0, 0, 0),
                     -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(
        shmc_jwriter_open_via(&fx->w, NULL, fx->dir, &pin, PID, PPID, 0, 0, 0),
        0);
    /* Pinned, the mode rule is the CLI's business: growth still works. */
    assert_int_equal(put_many(&fx->w, 1, 0, 2000, 1), 0);
    assert_int_equal(lost(&fx->w), 0);
}

static void test_pin_parse(void **state)
{
    struct shmc_jdir_pin p;
    const char *bad[] = {"",    ":",   "1:",  ":1",   "1:2:",
                         "1;2", "0:0", "x:1", "1:2 ", "99999999999999999999:1",
                         "-1:2"};
    (void)state;

    assert_int_equal(shmc_jdir_pin_parse("2049:131", &p), 0);
    assert_true(p.dev == 2049 && p.ino == 131);
    assert_int_equal(shmc_jdir_pin_parse("18446744073709551615:0", &p), 0);
    assert_true(p.dev == UINT64_MAX && p.ino == 0);
    for (size_t i = 0; i < NELEM(bad); i++) {
        p = (struct shmc_jdir_pin){7, 7};
        assert_int_equal(shmc_jdir_pin_parse(bad[i], &p), -1);
        assert_true(p.dev == 0 && p.ino == 0);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_same_size_copy_left_alone),
        T(test_symlinked_dir_refused),
        T(test_open_dir_refused),
        T(test_pin),
        T(test_pin_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
