/*
 * test_space.c - the room a journal file takes (src/journal/space.{c,h})
 * called directly: how a file grows, the cap the test hook sets (values
 * past the region ignored), and the first allocation when the file size
 * limit refuses every size the cap allows.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/space.h"

/* Doubling up to a chunk at a time; a record past that is met, rounded
 * up to a page. */
static void test_next(void **state)
{
    (void)state;
    assert_int_equal(shmc_jspace_next(16384, 100), 32768);
    assert_int_equal(shmc_jspace_next(SHMC_JCHUNK * 4, SHMC_JCHUNK * 4 + 1),
                     SHMC_JCHUNK * 5);
    assert_int_equal(shmc_jspace_next(16384, 100000), 102400);
    assert_int_equal(shmc_jspace_next(16384, 32769), 36864);
}

static size_t cap_of(const char *value)
{
    assert_int_equal(setenv(SHMC_JCAP_ENV, value, 1), 0);
    size_t cap = shmc_jspace_cap();
    assert_int_equal(unsetenv(SHMC_JCAP_ENV), 0);
    return cap;
}

/* The hook's value rounded down to a page, at least a page; not a number,
 * or the region or more (even with digits left unread), the region. */
static void test_cap(void **state)
{
    (void)state;
    assert_int_equal(shmc_jspace_cap(), SHMC_JREGION);
    assert_int_equal(cap_of(""), SHMC_JREGION);
    assert_int_equal(cap_of("20000"), 16384);
    assert_int_equal(cap_of("12"), SHMC_JPAGE);
    assert_int_equal(cap_of("8192k"), SHMC_JREGION);
    assert_int_equal(cap_of("1073741823"), SHMC_JREGION - SHMC_JPAGE);
    assert_int_equal(cap_of("1073741824"), SHMC_JREGION);
    assert_int_equal(cap_of("99999999999999999999"), SHMC_JREGION);
}

/* RLIMIT_FSIZE below a page: no first size fits, 0 with EFBIG, the file
 * left empty; with a cap of one page the smaller halves are not tried. */
static void test_first_refused(void **state)
{
    char path[] = "/tmp/shmc-space-XXXXXX";
    struct rlimit old, low;
    struct stat st;
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    low = old;
    low.rlim_cur = 2048;

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    errno = 0;
    size_t small = shmc_jspace_first(fd, SHMC_JPAGE);
    int err = errno;
    size_t big = shmc_jspace_first(fd, SHMC_JREGION);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

    assert_int_equal(small, 0);
    assert_int_equal(err, EFBIG);
    assert_int_equal(big, 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    /* the limit lifted: the first size, or a page when capped */
    assert_int_equal(shmc_jspace_first(fd, SHMC_JPAGE), SHMC_JPAGE);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_first_refused),
    };
    unsetenv(SHMC_JCAP_ENV); /* test_cap starts without the hook */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
