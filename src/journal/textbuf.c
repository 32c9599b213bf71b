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
