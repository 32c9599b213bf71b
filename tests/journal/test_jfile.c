/*
 * test_jfile.c - journal file names and their creation (src/journal/
 * jfile.c) called directly: the first free image past a run of taken
 * names, however far (the doubling search stops at 2^31 and halves back);
 * a name another creator takes between our look and our open is skipped;
 * a missing directory is refused with an empty path.
 *
 * The race is made deterministic by this program's own fstatat, which
 * the linker prefers to the C library's: once armed, after it reports a
 * name free, it creates that name, as a concurrent creator would.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/jfile.h"

/* The name fstatat creates once after finding it free ("" : disarmed). */
static char race_name[PATH_MAX];
static int raced;

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    static int (*real)(int, const char *, struct stat *, int);

    if (real == NULL)
        real = (int (*)(int, const char *, struct stat *, int))dlsym(RTLD_NEXT,
                                                                     "fstatat");
    int r = real(dirfd, path, st, flags);
    if (r != 0 && race_name[0] != '\0' && strcmp(path, race_name) == 0) {
        int err = errno, fd = openat(dirfd, path, O_WRONLY | O_CREAT, 0600);
        if (fd >= 0 && write(fd, "racer", 5) == 5)
            raced++;
        if (fd >= 0)
            close(fd);
        race_name[0] = '\0';
        errno = err;
    }
    return r;
}

static void touch(const struct fx *fx, unsigned n)
{
    char path[PATH_MAX];

    path_of(fx, PID, n, path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
}

static off_t size_of_file(const struct fx *fx, unsigned n)
{
    char path[PATH_MAX];
    struct stat st;

    path_of(fx, PID, n, path);
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* 0 and every power of two up to 2^30 taken: the doubling stops at 2^31,
 * the halving finds 2^30 + 1 free. */
static void test_far_past_the_names_taken(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX], want[PATH_MAX];
    uint32_t image = 0;

    touch(fx, 0);
    for (unsigned n = 1; n <= 1u << 30; n *= 2)
        touch(fx, n);
    int fd = shmc_jfile_create(path, AT_FDCWD, fx->dir, PID, &image);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(image, (1u << 30) + 1);
    path_of(fx, PID, image, want);
    assert_string_equal(path, want);
    assert_int_equal(size_of_file(fx, image), 0);
}

/* Names 0..2 taken; 3 is taken by another creator right after we found it
 * free: its file stays its own, ours is 4. Relative to a directory
 * descriptor, as the broker creates them. */
static void test_name_taken_meanwhile(void **state)
{
    struct fx *fx = *state;
    uint32_t image = 0;
    int dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    assert_true(dirfd >= 0);
    for (unsigned n = 0; n < 3; n++)
        touch(fx, n);
    snprintf(race_name, sizeof race_name, "%d.3.shmj", PID);
    raced = 0;
    int fd = shmc_jfile_create_at(dirfd, PID, &image);
    race_name[0] = '\0';
    assert_int_equal(raced, 1);
    assert_true(fd >= 0);
    assert_int_equal(image, 4);
    assert_int_equal(write(fd, "ours", 4), 4);
    close(fd);
    close(dirfd);
    assert_int_equal(size_of_file(fx, 3), 5); /* "racer" */
    assert_int_equal(size_of_file(fx, 4), 4);
    assert_int_equal(size_of_file(fx, 5), -1);
}

static void test_missing_directory(void **state)
{
    struct fx *fx = *state;
    char dir[PATH_MAX], path[PATH_MAX];
    uint32_t image = 9;

    snprintf(dir, sizeof dir, "%s/gone", fx->dir);
    strcpy(path, "junk");
    assert_int_equal(shmc_jfile_create(path, AT_FDCWD, dir, PID, &image), -1);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(path, "");
    assert_int_equal(image, 9);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_far_past_the_names_taken),
        T(test_name_taken_meanwhile),
        T(test_missing_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
