/*
 * test_textbuf.c - shmc_textbuf_* (src/journal/textbuf.c): without a flush
 * function, snprintf's contract (what fits is kept and NUL-terminated,
 * total counts everything, (NULL, 0) only counts); with one, every byte
 * goes out exactly once, whole appends per flush when they fit, a longer
 * piece in buffer-sized parts, a longer formatted text cut to the buffer.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "journal/textbuf.h"

/* What the flush function received: the bytes, and each call's length. */
struct sink {
    char text[256];
    size_t len;
    size_t calls[16];
    size_t ncalls;
};

static void to_sink(void *arg, const char *text, size_t len)
{
    struct sink *k = arg;

    assert_true(k->len + len <= sizeof k->text);
    memcpy(k->text + k->len, text, len);
    k->len += len;
    k->calls[k->ncalls++] = len;
}

static void test_bounded(void **state)
{
    char buf[8];
    struct shmc_textbuf t;

    (void)state;
    memset(buf, 'x', sizeof buf);
    shmc_textbuf_init(&t, buf, sizeof buf);
    assert_string_equal(buf, "");
    shmc_textbuf_put(&t, "abc");
    shmc_textbuf_printf(&t, "%d", 12345);
    assert_string_equal(buf, "abc1234");
    assert_int_equal(t.total, 8);
    shmc_textbuf_putn(&t, "yz", 2);
    shmc_textbuf_printf(&t, "%s", "more");
    shmc_textbuf_flush(&t); /* no flush function: keeps what it has */
    assert_string_equal(buf, "abc1234");
    assert_int_equal(t.total, 14);
}

static void test_counting_only(void **state)
{
    char one[1] = {'x'};
    struct shmc_textbuf t;

    (void)state;
    shmc_textbuf_init(&t, NULL, 0);
    shmc_textbuf_put(&t, "hello");
    shmc_textbuf_printf(&t, " %s", "world");
    assert_int_equal(t.total, 11);
    shmc_textbuf_init(&t, one, sizeof one);
    shmc_textbuf_put(&t, "hello");
    assert_int_equal(one[0], '\0');
    assert_int_equal(t.total, 5);
    t.total = SIZE_MAX - 2; /* saturates rather than wraps */
    shmc_textbuf_put(&t, "hello");
    assert_true(t.total == SIZE_MAX);
}

static void test_flushed(void **state)
{
    char buf[8];
    struct sink k = {0};
    struct shmc_textbuf t;

    (void)state;
    shmc_textbuf_init_flush(&t, buf, sizeof buf, to_sink, &k);
    shmc_textbuf_put(&t, "abcd");
    shmc_textbuf_put(&t, "efgh"); /* does not fit: "abcd" goes out first */
    assert_int_equal(k.ncalls, 1);
    assert_int_equal(k.calls[0], 4);
    shmc_textbuf_put(&t, "0123456789abcdefghij"); /* longer than buf */
    shmc_textbuf_printf(&t, "<%d>", 42);
    shmc_textbuf_printf(&t, "%s", "ABCDEFGHIJ"); /* cut to the buffer */
    shmc_textbuf_flush(&t);
    shmc_textbuf_flush(&t); /* nothing buffered: no call */
    k.text[k.len] = '\0';
    assert_string_equal(k.text, "abcdefgh0123456789abcdefghij<42>ABCDEFG");
    assert_int_equal(t.total, 42);
    assert_int_equal(k.ncalls, 7);
    assert_string_equal(buf, "");
}

/* A buffer with no room for text beside its NUL cannot flush anything. */
static void test_flush_needs_room(void **state)
{
    char buf[1];
    struct sink k = {0};
    struct shmc_textbuf t;

    (void)state;
    shmc_textbuf_init_flush(&t, buf, sizeof buf, to_sink, &k);
    shmc_textbuf_put(&t, "abc");
    shmc_textbuf_flush(&t);
    assert_int_equal(k.ncalls, 0);
    assert_int_equal(t.total, 3);
    assert_int_equal(buf[0], '\0');
}

/* vsnprintf fails on a wide character the C locale cannot convert:
 * nothing is appended or counted. */
static void test_format_error(void **state)
{
    char buf[16];
    struct shmc_textbuf t;

    (void)state;
    shmc_textbuf_init(&t, buf, sizeof buf);
    shmc_textbuf_put(&t, "ok");
    shmc_textbuf_printf(&t, "%ls", L"\x263a");
    assert_string_equal(buf, "ok");
    assert_int_equal(t.total, 2);
}

/* With a flush function: text that fits stays buffered (no flush), an
 * empty format and a failed one add nothing and flush nothing. */
static void test_flushed_fits_or_nothing(void **state)
{
    char buf[8];
    struct sink k = {0};
    struct shmc_textbuf t;

    (void)state;
    shmc_textbuf_init_flush(&t, buf, sizeof buf, to_sink, &k);
    shmc_textbuf_printf(&t, "<%d>", 42);
    shmc_textbuf_printf(&t, "%s", "");
    shmc_textbuf_printf(&t, "%ls", L"\x263a");
    assert_int_equal(k.ncalls, 0);
    assert_string_equal(buf, "<42>");
    assert_int_equal(t.total, 4);
    shmc_textbuf_flush(&t);
    assert_int_equal(k.ncalls, 1);
    k.text[k.len] = '\0';
    assert_string_equal(k.text, "<42>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_counting_only),
        cmocka_unit_test(test_flushed),
        cmocka_unit_test(test_flush_needs_room),
        cmocka_unit_test(test_format_error),
        cmocka_unit_test(test_flushed_fits_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
