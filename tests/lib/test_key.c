/*
 * test_key.c - shmc_key_from_path: the key ftok gives for an existing,
 * readable path and a project number 1..255; otherwise the code that names
 * what was wrong, errno as the library or the kernel set it, and the out
 * key untouched.
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
#include <sys/ipc.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define UNTOUCHED ((key_t)0x5a5a5a5a)

struct fixture {
    char dir[64];
    char file[96];     /* an empty regular file                        */
    char missing[96];  /* nothing there                                */
    char through[128]; /* file/sub: a regular file used as a directory */
    char dangling[96]; /* symlink to missing                           */
    char loop[96];     /* symlink to itself                            */
    int proj;          /* project number of the injected faults' calls */
    key_t out;         /* their out key                                */
};

static int setup(void **state)
{
    static struct fixture fx;
    int fd;

    mock_reset();
    strcpy(fx.dir, "/tmp/shmc-key-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(fx.file, sizeof fx.file, "%s/key", fx.dir);
    snprintf(fx.missing, sizeof fx.missing, "%s/missing", fx.dir);
    snprintf(fx.through, sizeof fx.through, "%s/sub", fx.file);
    snprintf(fx.dangling, sizeof fx.dangling, "%s/dangling", fx.dir);
    snprintf(fx.loop, sizeof fx.loop, "%s/loop", fx.dir);
    fd = open(fx.file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) != 0 || symlink(fx.missing, fx.dangling) != 0 ||
        symlink(fx.loop, fx.loop) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    unlink(fx->file);
    unlink(fx->dangling);
    unlink(fx->loop);
    return rmdir(fx->dir);
}

/* A failure: its code, errno, out untouched. */
static void expect_failure(const char *what, enum shmc_err got, int err,
                           key_t out, enum shmc_err want, int want_errno)
{
    expect_err(what, got, want);
    if (err != want_errno)
        fail_msg("%s: errno %d (%s), want %d (%s)", what, err, strerror(err),
                 want_errno, strerror(want_errno));
    if (out != UNTOUCHED)
        fail_msg("%s: out key changed to %#x", what, (unsigned)out);
}

static void test_key_equals_ftok(void **state)
{
    struct fixture *fx = *state;
    const int projs[] = {1, 'A', 255};

    for (size_t i = 0; i < COUNT(projs); i++) {
        key_t want = ftok(fx->file, projs[i]);
        key_t out = UNTOUCHED;
        assert_int_not_equal(want, (key_t)-1);
        mock_reset();

        enum shmc_err err = shmc_key_from_path(fx->file, projs[i], &out);

        assert_int_equal(err, SHMC_OK);
        assert_int_equal(out, want);
        assert_int_equal(mock_calls(MOCK_faccessat), 1);
        assert_int_equal(mock_calls(MOCK_ftok), 1);
    }
}

static void test_null_arguments(void **state)
{
    struct fixture *fx = *state;
    key_t out = UNTOUCHED;
    enum shmc_err err_path, err_out, err_both;
    int errno_path, errno_out, errno_both;

    errno = 0;
    err_path = shmc_key_from_path(NULL, 1, &out);
    errno_path = errno;
    errno = 0;
    err_out = shmc_key_from_path(fx->file, 1, NULL);
    errno_out = errno;
    errno = 0;
    err_both = shmc_key_from_path(NULL, 0, NULL);
    errno_both = errno;

    expect_failure("NULL path", err_path, errno_path, out, SHMC_E_NULL, EINVAL);
    assert_int_equal(err_out, SHMC_E_NULL);
    assert_int_equal(errno_out, EINVAL);
    assert_int_equal(err_both, SHMC_E_NULL);
    assert_int_equal(errno_both, EINVAL);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static void test_proj_out_of_range(void **state)
{
    struct fixture *fx = *state;
    const int projs[] = {0, 256, -1, 511, INT_MAX, INT_MIN};

    for (size_t i = 0; i < COUNT(projs); i++) {
        char what[32];
        key_t out = UNTOUCHED;
        snprintf(what, sizeof what, "proj %d", projs[i]);
        errno = 0;

        enum shmc_err err = shmc_key_from_path(fx->file, projs[i], &out);

        expect_failure(what, err, errno, out, SHMC_E_PROJ_RANGE, EINVAL);
    }
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

/* Real paths the kernel refuses; ftok is never reached. */
static void test_bad_paths(void **state)
{
    struct fixture *fx = *state;
    static char too_long[PATH_MAX + 64], long_name[NAME_MAX + 64];
    memset(too_long, 'a', sizeof too_long - 1);
    memcpy(long_name, "/tmp/", 5);
    memset(long_name + 5, 'n', sizeof long_name - 6);
    const struct {
        const char *label, *path;
        enum shmc_err want;
        int want_errno;
    } c[] = {
        {"missing", fx->missing, SHMC_E_PATH_MISSING, ENOENT},
        {"empty", "", SHMC_E_PATH_MISSING, ENOENT},
        {"dangling symlink", fx->dangling, SHMC_E_PATH_MISSING, ENOENT},
        {"file as directory", fx->through, SHMC_E_PATH_INVALID, ENOTDIR},
        {"symlink loop", fx->loop, SHMC_E_PATH_INVALID, ELOOP},
        {"path > PATH_MAX", too_long, SHMC_E_PATH_INVALID, ENAMETOOLONG},
        {"name > NAME_MAX", long_name, SHMC_E_PATH_INVALID, ENAMETOOLONG},
    };

    for (size_t i = 0; i < COUNT(c); i++) {
        key_t out = UNTOUCHED;
        errno = 0;

        enum shmc_err err = shmc_key_from_path(c[i].path, 1, &out);

        expect_failure(c[i].label, err, errno, out, c[i].want, c[i].want_errno);
    }
    assert_int_equal(mock_calls(MOCK_faccessat), COUNT(c));
    assert_int_equal(mock_calls(MOCK_ftok), 0);
}

/* The call the injected faults fail: the file's key into fx->out. */
static enum shmc_err key_of_file(void *arg)
{
    struct fixture *fx = arg;
    fx->out = UNTOUCHED;
    return shmc_key_from_path(fx->file, fx->proj, &fx->out);
}

static void refused_before_ftok(void *arg)
{
    struct fixture *fx = arg;
    assert_int_equal(fx->out, UNTOUCHED);
    assert_int_equal(mock_calls(MOCK_ftok), 0);
}

/* The access check failing with each errno (root passes every real
 * permission check, so EACCES can only be injected). */
static void test_access_check_fails(void **state)
{
    struct fixture *fx = *state;
    const struct fault c[] = {
        {EACCES, SHMC_E_PATH_ACCESS},  {EPERM, SHMC_E_PATH_ACCESS},
        {ENOENT, SHMC_E_PATH_MISSING}, {ENOTDIR, SHMC_E_PATH_INVALID},
        {ELOOP, SHMC_E_PATH_INVALID},  {ENAMETOOLONG, SHMC_E_PATH_INVALID},
        {EINVAL, SHMC_E_PATH_INVALID}, {ENOMEM, SHMC_E_NO_MEMORY},
        {EIO, SHMC_E_SYSTEM},          {EFAULT, SHMC_E_SYSTEM},
    };
    fx->proj = 1;

    inject_faults(MOCK_faccessat, 0, c, COUNT(c), key_of_file,
                  refused_before_ftok, fx);
}

static void refused_by_ftok(void *arg)
{
    struct fixture *fx = arg;
    assert_int_equal(fx->out, UNTOUCHED);
    assert_int_equal(mock_calls(MOCK_faccessat), 1);
}

/* ftok failing after the check passed, e.g. the file removed in between. */
static void test_ftok_fails(void **state)
{
    struct fixture *fx = *state;
    const struct fault c[] = {
        {ENOENT, SHMC_E_PATH_MISSING}, {EACCES, SHMC_E_PATH_ACCESS},
        {ENOMEM, SHMC_E_NO_MEMORY},    {EIO, SHMC_E_SYSTEM},
        {EOVERFLOW, SHMC_E_SYSTEM},
    };
    fx->proj = 'k';

    inject_faults(MOCK_ftok, 0, c, COUNT(c), key_of_file, refused_by_ftok, fx);
}

/* ftok's result can be a real key equal to -1 (errno untouched): it is
 * unusable, since every caller takes it for ftok's failure. */
static void test_ftok_key_minus_one_refused(void **state)
{
    struct fixture *fx = *state;
    key_t out = UNTOUCHED;
    mock_fail_after(MOCK_ftok, 0, 0);
    errno = 0;

    enum shmc_err err = shmc_key_from_path(fx->file, 255, &out);
    int saved = errno;

    expect_failure("ftok -1 without errno", err, saved, out,
                   SHMC_E_KEY_FTOK_FAILED, EINVAL);
    assert_true(mock_fired());
}

static void test_format_error_names_path(void **state)
{
    struct fixture *fx = *state;
    key_t out = UNTOUCHED;
    char buf[512], want[512];
    snprintf(want, sizeof want, "'%s': %s (%s)", fx->missing,
             shmc_strerror(SHMC_E_PATH_MISSING), strerror(ENOENT));

    enum shmc_err err = shmc_key_from_path(fx->missing, 1, &out);
    int saved = errno;
    size_t n = shmc_format_error(buf, sizeof buf, err, saved, fx->missing);

    assert_int_equal(err, SHMC_E_PATH_MISSING);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_equals_ftok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proj_out_of_range, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_check_fails, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ftok_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ftok_key_minus_one_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_format_error_names_path, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
