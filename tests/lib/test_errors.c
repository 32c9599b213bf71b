/*
 * test_errors.c - shmc_strerror, shmc_errname and shmc_format_error: every
 * code has its own message and its header name, out-of-range codes get the
 * fallbacks, and shmc_format_error truncates and counts like snprintf.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

/* The header's own table, independently of the library's copy of it. */
#define EXPECTED_ROW(name, msg) {name, #name, msg},
static const struct {
    enum shmc_err code;
    const char *name;
    const char *msg;
} expected[] = {SHMC_ERRORS(EXPECTED_ROW)};
#undef EXPECTED_ROW

#define NEXPECTED COUNT(expected)
#define UNKNOWN_MSG "unknown shmcheck error"
#define UNKNOWN_NAME "SHMC_E_?"

static void test_errname_is_header_name(void **state)
{
    (void)state;
    assert_int_equal(NEXPECTED, SHMC_ERR_COUNT);

    for (size_t i = 0; i < NEXPECTED; i++) {
        const char *got = shmc_errname(expected[i].code);

        assert_non_null(got);
        assert_string_equal(got, expected[i].name);
    }
}

static void test_strerror_is_header_message(void **state)
{
    (void)state;

    for (size_t i = 0; i < NEXPECTED; i++) {
        const char *got = shmc_strerror(expected[i].code);

        assert_non_null(got);
        assert_true(got[0] != '\0');
        assert_string_equal(got, expected[i].msg);
    }
    assert_string_equal(shmc_strerror(SHMC_OK), "success");
}

static void test_strerror_messages_distinct(void **state)
{
    (void)state;
    const char *msgs[SHMC_ERR_COUNT];

    for (int i = 0; i < SHMC_ERR_COUNT; i++)
        msgs[i] = shmc_strerror((enum shmc_err)i);

    for (int i = 0; i < SHMC_ERR_COUNT; i++)
        for (int j = i + 1; j < SHMC_ERR_COUNT; j++)
            if (strcmp(msgs[i], msgs[j]) == 0)
                fail_msg("%s and %s share the message \"%s\"",
                         shmc_errname((enum shmc_err)i),
                         shmc_errname((enum shmc_err)j), msgs[i]);
}

static void test_out_of_range_codes(void **state)
{
    (void)state;
    const int bad[] = {SHMC_ERR_COUNT, SHMC_ERR_COUNT + 1, -1, INT_MAX,
                       INT_MIN};

    for (size_t i = 0; i < COUNT(bad); i++) {
        const char *msg = shmc_strerror((enum shmc_err)bad[i]);
        const char *name = shmc_errname((enum shmc_err)bad[i]);

        assert_string_equal(msg, UNKNOWN_MSG);
        assert_string_equal(name, UNKNOWN_NAME);
    }
}

static void test_format_message_only(void **state)
{
    (void)state;
    char buf[512];
    const char *want = shmc_strerror(SHMC_E_EXISTS);

    size_t n = shmc_format_error(buf, sizeof buf, SHMC_E_EXISTS, 0, NULL);

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_subject_and_errno(void **state)
{
    (void)state;
    char buf[512], want[512];
    snprintf(want, sizeof want, "'/tmp/key': %s (%s)",
             shmc_strerror(SHMC_E_PATH_MISSING), strerror(ENOENT));

    size_t n = shmc_format_error(buf, sizeof buf, SHMC_E_PATH_MISSING, ENOENT,
                                 "/tmp/key");

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_subject_without_errno(void **state)
{
    (void)state;
    char buf[512], want[512];
    snprintf(want, sizeof want, "'seg': %s", shmc_strerror(SHMC_E_NOT_FOUND));

    size_t n = shmc_format_error(buf, sizeof buf, SHMC_E_NOT_FOUND, 0, "seg");

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_errno_without_subject(void **state)
{
    (void)state;
    char buf[512], want[512];
    snprintf(want, sizeof want, "%s (%s)", shmc_strerror(SHMC_E_SYSTEM),
             strerror(EIO));

    size_t n = shmc_format_error(buf, sizeof buf, SHMC_E_SYSTEM, EIO, NULL);

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_unknown_code_and_errno(void **state)
{
    (void)state;
    char buf[512], want[512];
    snprintf(want, sizeof want, "'x': %s (%s)", UNKNOWN_MSG, strerror(123456));

    size_t n =
        shmc_format_error(buf, sizeof buf, (enum shmc_err)(-7), 123456, "x");

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    assert_non_null(strstr(buf, "123456"));
}

static void test_format_len_zero_counts_only(void **state)
{
    (void)state;
    char full[512], buf[4] = "abc";
    size_t need = shmc_format_error(full, sizeof full, SHMC_E_PATH_ACCESS,
                                    EACCES, "/etc/shadow");

    size_t n_null =
        shmc_format_error(NULL, 0, SHMC_E_PATH_ACCESS, EACCES, "/etc/shadow");
    size_t n_buf =
        shmc_format_error(buf, 0, SHMC_E_PATH_ACCESS, EACCES, "/etc/shadow");

    assert_int_equal(n_null, need);
    assert_int_equal(n_buf, need);
    assert_string_equal(buf, "abc");
}

/* Every buffer length from 1 to past the end: a NUL-terminated prefix of
 * the full text, nothing written beyond len, the full length returned.
 * The cuts fall in the subject, the message and the errno part. */
static void test_format_truncates_like_snprintf(void **state)
{
    (void)state;
    char full[512];
    size_t need = shmc_format_error(full, sizeof full, SHMC_E_PATH_INVALID,
                                    ENAMETOOLONG, "some/path");
    assert_int_equal(need, strlen(full));

    for (size_t len = 1; len <= need + 2; len++) {
        char buf[512];
        memset(buf, '#', sizeof buf);

        size_t n = shmc_format_error(buf, len, SHMC_E_PATH_INVALID,
                                     ENAMETOOLONG, "some/path");

        size_t kept = len - 1 < need ? len - 1 : need;
        assert_int_equal(n, need);
        assert_int_equal(strlen(buf), kept);
        assert_memory_equal(buf, full, kept);
        for (size_t i = len; i < sizeof buf; i++)
            if (buf[i] != '#')
                fail_msg("len %zu: byte %zu written", len, i);
    }
}

static void test_format_long_subject(void **state)
{
    (void)state;
    char subject[3000], buf[4096];
    memset(subject, 's', sizeof subject - 1);
    subject[sizeof subject - 1] = '\0';
    size_t want = strlen("'") + strlen(subject) + strlen("': ") +
                  strlen(shmc_strerror(SHMC_E_NULL)) + strlen(" (") +
                  strlen(strerror(EINVAL)) + strlen(")");

    size_t n_big =
        shmc_format_error(buf, sizeof buf, SHMC_E_NULL, EINVAL, subject);
    size_t n_small = shmc_format_error(buf, 16, SHMC_E_NULL, EINVAL, subject);

    assert_int_equal(n_big, want);
    assert_int_equal(n_small, want);
    assert_string_equal(buf, "'ssssssssssssss"); /* 15 bytes + NUL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_errname_is_header_name, reset_setup),
        cmocka_unit_test_setup(test_strerror_is_header_message, reset_setup),
        cmocka_unit_test_setup(test_strerror_messages_distinct, reset_setup),
        cmocka_unit_test_setup(test_out_of_range_codes, reset_setup),
        cmocka_unit_test_setup(test_format_message_only, reset_setup),
        cmocka_unit_test_setup(test_format_subject_and_errno, reset_setup),
        cmocka_unit_test_setup(test_format_subject_without_errno, reset_setup),
        cmocka_unit_test_setup(test_format_errno_without_subject, reset_setup),
        cmocka_unit_test_setup(test_format_unknown_code_and_errno, reset_setup),
        cmocka_unit_test_setup(test_format_len_zero_counts_only, reset_setup),
        cmocka_unit_test_setup(test_format_truncates_like_snprintf,
                               reset_setup),
        cmocka_unit_test_setup(test_format_long_subject, reset_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
