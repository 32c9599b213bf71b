/*
 * test_cov2_findings.c - a warning the run cannot keep (cli_run_warn,
 * src/cli/findings.c): when the copy of its text or the longer list
 * cannot be had, it says so (-1) and the run's warnings are as they were,
 * the copy not leaked. The failures come from strdup and realloc
 * replaced here; sanitizer builds have their own allocator, and there the
 * test is skipped.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAULTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FAULTS 0
#endif
#endif
#ifndef FAULTS
#define FAULTS 1
#endif

static int fail_strdup, fail_realloc; /* the next call fails */
static int strdups, frees_of_copy;    /* calls seen */

#if FAULTS
static void *last_copy; /* strdup's last */

void *__libc_malloc(size_t n);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p;

    strdups++;
    if (fail_strdup) {
        fail_strdup = 0;
        errno = ENOMEM;
        return NULL;
    }
    if ((p = __libc_malloc(n)) != NULL)
        memcpy(p, s, n);
    return last_copy = p;
}

void *realloc(void *p, size_t n)
{
    if (fail_realloc) {
        fail_realloc = 0;
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

void free(void *p)
{
    frees_of_copy += p != NULL && p == last_copy;
    __libc_free(p);
}
#endif

static void test_warn_out_of_memory(void **state)
{
    struct cli_run run = {0};

    (void)state;
    if (!FAULTS)
        skip();
    assert_int_equal(cli_run_warn(&run, "first"), 0);
    assert_int_equal(strdups, 1);

    fail_strdup = 1; /* no copy: the list is not touched */
    assert_int_equal(cli_run_warn(&run, "second"), -1);
    assert_int_equal(strdups, 2);

    fail_realloc = 1; /* a copy, but no room for it: freed */
    frees_of_copy = 0;
    assert_int_equal(cli_run_warn(&run, "third"), -1);
    assert_int_equal(strdups, 3);
    assert_int_equal(frees_of_copy, 1);

    assert_int_equal(run.nwarnings, 1);
    assert_string_equal(run.warnings[0], "first");
    assert_null(run.warnings[1]);
    assert_int_equal(cli_run_warn(&run, "fourth"), 0); /* and it goes on */
    assert_int_equal(run.nwarnings, 2);
    assert_string_equal(run.warnings[1], "fourth");
    assert_null(run.warnings[2]);
    cli_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warn_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
