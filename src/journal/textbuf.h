/*
 * textbuf.h - text appended into a caller's buffer.
 *
 * Without a flush function the buffer works like snprintf: it keeps what
 * fits, stays NUL-terminated after every append (when it has room for
 * anything), and total counts every byte offered, stored or not, so a
 * caller can size its buffer with a first pass into (NULL, 0). With one,
 * an append that does not fit hands the buffered text to it first and
 * starts again empty (a piece longer than the whole buffer goes out in
 * buffer-sized parts): nothing is lost, and each flush holds whole
 * appends when they fit.
 *
 * Linked into the preloaded tracer: no allocation, no stdio FILE, no
 * state but the struct; the formatted append uses vsnprintf.
 */
#ifndef SHMC_JOURNAL_TEXTBUF_H
#define SHMC_JOURNAL_TEXTBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

struct shmc_textbuf;

/* Takes the len bytes at text (not NUL-terminated); arg as given to
 * shmc_textbuf_init_flush. */
typedef void shmc_textbuf_flush_fn(void *arg, const char *text, size_t len);

struct shmc_textbuf {
    char *buf;    /* the caller's; NULL when cap is 0            */
    size_t cap;   /* its size, the NUL included                  */
    size_t len;   /* bytes stored (since the last flush)         */
    size_t total; /* bytes offered, saturating at SIZE_MAX        */
    shmc_textbuf_flush_fn *flush; /* NULL: keep what fits         */
    void *arg;
};

/* Starts writing into buf[0..cap): snprintf-like, nothing flushed. buf may
 * be NULL when cap is 0 (counting only). */
void shmc_textbuf_init(struct shmc_textbuf *t, char *buf, size_t cap);

/* Starts writing into buf[0..cap), cap >= 2, handing full buffers to
 * flush(arg, ...). */
void shmc_textbuf_init_flush(struct shmc_textbuf *t, char *buf, size_t cap,
                             shmc_textbuf_flush_fn *flush, void *arg);

/* Appends the n bytes at s, or the string s. */
void shmc_textbuf_putn(struct shmc_textbuf *t, const char *s, size_t n);
void shmc_textbuf_put(struct shmc_textbuf *t, const char *s);

/* Appends formatted text, as vsnprintf formats it (nothing when it fails).
 * With a flush function, a text longer than the whole buffer is cut to it
 * (total still counts all of it). */
void shmc_textbuf_printf(struct shmc_textbuf *t, const char *fmt, ...)
    SHMC_PRINTF_LIKE(2, 3);
void shmc_textbuf_vprintf(struct shmc_textbuf *t, const char *fmt, va_list ap)
    SHMC_PRINTF_LIKE(2, 0);

/* Appends the n bytes at s (not NUL-terminated; NULs allowed) as text that
 * cannot move a reader's cursor or forge a line: a backslash as \\;
 * newline, carriage return and tab as \n, \r, \t; every other
 * C0 control byte, DEL and every byte that is not part of a valid UTF-8
 * sequence (overlong forms and surrogates included) as \xHH; the C1
 * controls (U+0080..U+009F), the line and paragraph separators and the
 * bidirectional controls as \uHHHH. Everything else, valid UTF-8 text
 * included, is kept as it is. Whatever a program or a file system names
 * goes through this before it reaches a report a person reads. */
void shmc_textbuf_put_escaped(struct shmc_textbuf *t, const char *s, size_t n);

/* Hands what is buffered to the flush function (if any, and if anything
 * is buffered) and empties the buffer. */
void shmc_textbuf_flush(struct shmc_textbuf *t);

#endif
