/*
 * textbuf.c - text appended into a caller's buffer (API: textbuf.h).
 *
 * The buffer keeps its last byte for the NUL: len <= cap - 1 always.
 */
#include "textbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void count(struct shmc_textbuf *t, size_t n)
{
    t->total = n > SIZE_MAX - t->total ? SIZE_MAX : t->total + n;
}

static void terminate(struct shmc_textbuf *t)
{
    if (t->cap > 0)
        t->buf[t->len] = '\0';
}

void shmc_textbuf_init(struct shmc_textbuf *t, char *buf, size_t cap)
{
    *t = (struct shmc_textbuf){buf, buf != NULL ? cap : 0, 0, 0, NULL, NULL};
    terminate(t);
}

void shmc_textbuf_init_flush(struct shmc_textbuf *t, char *buf, size_t cap,
                             shmc_textbuf_flush_fn *flush, void *arg)
{
    shmc_textbuf_init(t, buf, cap);
    if (t->cap >= 2)
        t->flush = flush;
    t->arg = arg;
}

void shmc_textbuf_flush(struct shmc_textbuf *t)
{
    if (t->flush == NULL)
        return;
    if (t->len > 0)
        t->flush(t->arg, t->buf, t->len);
    t->len = 0;
    terminate(t);
}

/* Room left for text, the NUL apart. */
static size_t room(const struct shmc_textbuf *t)
{
    return t->cap > 0 ? t->cap - 1 - t->len : 0;
}

void shmc_textbuf_putn(struct shmc_textbuf *t, const char *s, size_t n)
{
    size_t k;

    count(t, n);
    if (t->flush != NULL && n > room(t)) {
        shmc_textbuf_flush(t);
        for (; n > room(t); s += k, n -= k) {
            k = room(t);
            memcpy(t->buf, s, k);
            t->len = k;
            shmc_textbuf_flush(t);
        }
    }
    k = n < room(t) ? n : room(t);
    if (k > 0)
        memcpy(t->buf + t->len, s, k);
    t->len += k;
    terminate(t);
}

void shmc_textbuf_put(struct shmc_textbuf *t, const char *s)
{
    shmc_textbuf_putn(t, s, strlen(s));
}

void shmc_textbuf_vprintf(struct shmc_textbuf *t, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    va_copy(again, ap);
    n = vsnprintf(t->cap > 0 ? t->buf + t->len : NULL,
                  t->cap > 0 ? t->cap - t->len : 0, fmt, ap);
    if (t->flush != NULL && n > 0 && (size_t)n > room(t)) {
        /* Did not fit: the buffered text goes out first, and the rest of
         * the buffer cuts what is longer than all of it. */
        shmc_textbuf_flush(t);
        n = vsnprintf(t->buf, t->cap, fmt, again);
    }
    va_end(again);
    if (n > 0) { /* n < 0: vsnprintf failed, nothing is appended */
        count(t, (size_t)n);
        t->len += (size_t)n < room(t) ? (size_t)n : room(t);
    }
    terminate(t);
}

void shmc_textbuf_printf(struct shmc_textbuf *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    shmc_textbuf_vprintf(t, fmt, ap);
    va_end(ap);
}

/* The length of the valid UTF-8 sequence of 2 to 4 bytes at s[0..n), its
 * code point in *cp; 0 when s does not start one. */
static size_t utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
    /* The second byte's range depends on the first: no overlong forms, no
     * surrogates, nothing past U+10FFFF. */
    unsigned char b = s[0], lo = 0x80, hi = 0xbf;
    size_t len = b >= 0xc2 && b <= 0xdf   ? 2
                 : b >= 0xe0 && b <= 0xef ? 3
                 : b >= 0xf0 && b <= 0xf4 ? 4
                                          : 0;

    lo = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : lo;
    hi = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : hi;
    if (len == 0 || n < len || s[1] < lo || s[1] > hi)
        return 0;
    *cp = b & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    return len;
}

/* Characters a terminal acts on, or that reorder or break what a reader
 * sees: the C1 controls, the line and paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates. */
static int invisible(uint32_t cp)
{
    return cp <= 0x9f || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void shmc_textbuf_put_escaped(struct shmc_textbuf *t, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, plain = 0, len;
    uint32_t cp;
    char e[8];

    while (i < n) {
        unsigned char b = p[i];
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            i++;
            continue;
        }
        len = b >= 0x80 ? utf8_sequence(p + i, n - i, &cp) : 0;
        if (len > 0 && !invisible(cp)) {
            i += len;
            continue;
        }
        shmc_textbuf_putn(t, s + plain, i - plain); /* the text before it */
        if (len > 0)
            snprintf(e, sizeof e, "\\u%04x", (unsigned)cp);
        else if (b == '\\' || b == '\n' || b == '\r' || b == '\t')
            snprintf(e, sizeof e, "\\%c",
                     b == '\n'   ? 'n'
                     : b == '\r' ? 'r'
                     : b == '\t' ? 't'
                                 : b);
        else
            snprintf(e, sizeof e, "\\x%02x", b);
        shmc_textbuf_put(t, e);
        i += len > 0 ? len : 1;
        plain = i;
    }
    shmc_textbuf_putn(t, s + plain, n - plain);
}
