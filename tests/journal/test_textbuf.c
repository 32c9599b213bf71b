/*
 * test_textbuf.c - shmc_textbuf_* (src/journal/textbuf.c): without a flush
 * function, snprintf's contract (what fits is kept and NUL-terminated,
 * total counts everything, (NULL, 0) only counts); with one, every byte
 * goes out exactly once, whole appends per flush when they fit, a longer
 * piece in buffer-sized parts, a longer formatted text cut to the buffer;
 * and text escaped for a report (control bytes, C1 and bidirectional
 * controls, invalid UTF-8).
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

/* Escaping: one function for everything a program or a file system names
 * (argv, comm, paths, functions) before a report shows it. */
static void test_escaped(void **state)
{
    static const struct {
        const char *in;
        size_t n; /* 0: strlen(in) */
        const char *want;
    } c[] = {
        {"plain text, 100% ok", 0, "plain text, 100% ok"},
        {"a\n==shmcheck== SUMMARY: 0 leaked", 0,
         "a\\n==shmcheck== SUMMARY: 0 leaked"},
        {"\x1b[2J\r\t\\", 0, "\\x1b[2J\\r\\t\\\\"},
        {"nul\0del\x7f", 8, "nul\\x00del\\x7f"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}, /* valid UTF-8 */
        {"\xc2\x9b"
         "2J\xc2\x85",
         6, "\\u009b2J\\u0085"}, /* C1 controls */
        {"\xe2\x80\xae"
         "evil\xe2\x80\xa8",
         10, "\\u202eevil\\u2028"},
        {"\xff\xc3(\xc0\xaf\xed\xa0\x80", 0, /* invalid, overlong, surrogate */
         "\\xff\\xc3(\\xc0\\xaf\\xed\\xa0\\x80"},
        {"cut\xe2\x82", 0, "cut\\xe2\\x82"}, /* a sequence cut short */
        {"\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"}, /* > U+10FFFF */
    };
    (void)state;

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char buf[128];
        struct shmc_textbuf t;

        shmc_textbuf_init(&t, buf, sizeof buf);
        shmc_textbuf_put_escaped(&t, c[i].in,
                                 c[i].n ? c[i].n : strlen(c[i].in));
        assert_string_equal(buf, c[i].want);
        assert_int_equal(t.total, strlen(c[i].want));
    }
}

/* Through a flush function, the escaped text goes out whole and once. */
static void test_escaped_flushed(void **state)
{
    struct sink k = {0};
    char buf[8];
    struct shmc_textbuf t;
    (void)state;

    shmc_textbuf_init_flush(&t, buf, sizeof buf, to_sink, &k);
    shmc_textbuf_put_escaped(&t, "ab\ncd\x1b\xc3\xa9xyz", 11);
    shmc_textbuf_flush(&t);
    k.text[k.len] = '\0';
    assert_string_equal(k.text, "ab\\ncd\\x1b\xc3\xa9xyz");
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
        cmocka_unit_test(test_escaped),
        cmocka_unit_test(test_escaped_flushed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
