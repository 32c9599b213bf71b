/*
 * json.c - the reports' JSON writer (layout and escaping: json.h).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "journal/textbuf.h"
#include "json.h"

void cli_json_init(struct cli_json *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

void cli_json_fail(struct cli_json *j)
{
    j->failed = 1;
}

static void newline(struct cli_json *j)
{
    if (j->flat)
        return;
    putc('\n', j->out);
    for (unsigned i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* What goes before a key or a value: nothing right after a key; else the
 * comma after the previous member and a new, indented line. */
static void before(struct cli_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth == 0)
        return;
    if (!j->empty[j->depth - 1])
        putc(',', j->out);
    j->empty[j->depth - 1] = 0;
    newline(j);
}

/*
 * The length of the well-formed UTF-8 sequence at s and its code point
 * (Unicode 15, table 3-7), or minus the length of its maximal invalid
 * subpart. The terminating NUL is never a continuation byte, so this does
 * not read past the string.
 */
static int utf8_seq(const unsigned char *s, uint32_t *cp)
{
    unsigned char lo = 0x80, hi = 0xbf;
    int n;

    if (s[0] < 0x80)
        n = 1, *cp = s[0];
    else if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, *cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, *cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, *cp = s[0] & 0x07;
    else
        return -1;
    /* No overlong forms, no surrogates, nothing past U+10FFFF. */
    if (s[0] == 0xe0)
        lo = 0xa0;
    else if (s[0] == 0xed)
        hi = 0x9f;
    else if (s[0] == 0xf0)
        lo = 0x90;
    else if (s[0] == 0xf4)
        hi = 0x8f;
    for (int i = 1; i < n; i++) {
        if (s[i] < lo || s[i] > hi)
            return -i;
        *cp = *cp << 6 | (s[i] & 0x3f);
        lo = 0x80, hi = 0xbf;
    }
    return n;
}

/* '<' as an HTML script element must not see it: before "!--" as
 * \u003c, before '/' followed by an escaped '/'; else as it is. */
static const unsigned char *put_lt(FILE *out, const unsigned char *p)
{
    if (strncmp((const char *)p, "<!--", 4) == 0) {
        fputs("\\u003c", out);
        return p + 1;
    }
    if (p[1] == '/') {
        fputs("<\\/", out);
        return p + 2;
    }
    putc('<', out);
    return p + 1;
}

static void put_string(FILE *out, const char *s, int script)
{
    const unsigned char *p = (const unsigned char *)s;

    putc('"', out);
    while (*p != '\0') {
        uint32_t cp;
        int n;

        if (script && *p == '<') {
            p = put_lt(out, p);
            continue;
        }
        n = utf8_seq(p, &cp);

        if (n < 0) {
            fputs("\\ufffd", out);
            n = -n;
        } else if (cp == '"' || cp == '\\') {
            putc('\\', out);
            putc((int)cp, out);
        } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            fprintf(out, "\\u%04" PRIx32, cp);
        } else {
            fwrite(p, 1, (size_t)n, out);
        }
        p += n;
    }
    putc('"', out);
}

static void open_container(struct cli_json *j, char open, char close)
{
    if (j->failed)
        return;
    if (j->depth == JSON_MAX_DEPTH) {
        j->failed = 1;
        return;
    }
    before(j);
    putc(open, j->out);
    j->empty[j->depth] = 1;
    j->close[j->depth] = close;
    j->depth++;
}

void cli_json_object(struct cli_json *j)
{
    open_container(j, '{', '}');
}

void cli_json_array(struct cli_json *j)
{
    open_container(j, '[', ']');
}

void cli_json_end(struct cli_json *j)
{
    if (j->failed)
        return;
    if (j->depth == 0 || j->after_key) {
        j->failed = 1;
        return;
    }
    j->depth--;
    if (!j->empty[j->depth])
        newline(j);
    putc(j->close[j->depth], j->out);
}

void cli_json_key(struct cli_json *j, const char *key)
{
    if (j->failed)
        return;
    before(j);
    put_string(j->out, key, j->script);
    fputs(j->flat ? ":" : ": ", j->out);
    j->after_key = 1;
}

void cli_json_string(struct cli_json *j, const char *s)
{
    if (s == NULL) {
        cli_json_null(j);
        return;
    }
    if (j->failed)
        return;
    before(j);
    put_string(j->out, s, j->script);
}

static void vstringf(struct cli_json *j, const char *fmt, va_list ap)
{
    char *s;

    if (j->failed)
        return;
    if (vasprintf(&s, fmt, ap) < 0) {
        j->failed = 1;
        return;
    }
    cli_json_string(j, s);
    free(s);
}

void cli_json_stringf(struct cli_json *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vstringf(j, fmt, ap);
    va_end(ap);
}

/* A number, true, false or null. */
static void put_literal(struct cli_json *j, const char *fmt, ...)
    SHMC_PRINTF_LIKE(2, 3);
static void put_literal(struct cli_json *j, const char *fmt, ...)
{
    va_list ap;

    if (j->failed)
        return;
    before(j);
    va_start(ap, fmt);
    vfprintf(j->out, fmt, ap);
    va_end(ap);
}

void cli_json_int(struct cli_json *j, int64_t v)
{
    put_literal(j, "%" PRId64, v);
}

void cli_json_uint(struct cli_json *j, uint64_t v)
{
    put_literal(j, "%" PRIu64, v);
}

void cli_json_bool(struct cli_json *j, int v)
{
    put_literal(j, "%s", v ? "true" : "false");
}

void cli_json_null(struct cli_json *j)
{
    put_literal(j, "null");
}

void cli_json_key_string(struct cli_json *j, const char *key, const char *s)
{
    cli_json_key(j, key);
    cli_json_string(j, s);
}

void cli_json_key_stringf(struct cli_json *j, const char *key, const char *fmt,
                          ...)
{
    va_list ap;

    cli_json_key(j, key);
    va_start(ap, fmt);
    vstringf(j, fmt, ap);
    va_end(ap);
}

void cli_json_seconds(struct cli_json *j, int64_t ns)
{
    uint64_t us = (uint64_t)(ns < 0 ? -(ns / 1000) : ns / 1000);
    char frac[8];
    int n = snprintf(frac, sizeof frac, "%06u", (unsigned)(us % 1000000u));

    while (n > 1 && frac[n - 1] == '0') /* as Python writes a float */
        frac[--n] = '\0';
    put_literal(j, "%s%" PRIu64 ".%s", ns < 0 ? "-" : "", us / 1000000u, frac);
}

void cli_json_key_int(struct cli_json *j, const char *key, int64_t v)
{
    cli_json_key(j, key);
    cli_json_int(j, v);
}

void cli_json_key_uint(struct cli_json *j, const char *key, uint64_t v)
{
    cli_json_key(j, key);
    cli_json_uint(j, v);
}

void cli_json_key_bool(struct cli_json *j, const char *key, int v)
{
    cli_json_key(j, key);
    cli_json_bool(j, v);
}

void cli_json_key_object(struct cli_json *j, const char *key)
{
    cli_json_key(j, key);
    cli_json_object(j);
}

void cli_json_key_array(struct cli_json *j, const char *key)
{
    cli_json_key(j, key);
    cli_json_array(j);
}

int cli_json_finish(struct cli_json *j)
{
    if (j->depth != 0 || j->after_key)
        j->failed = 1;
    if (!j->failed)
        putc('\n', j->out);
    if (fflush(j->out) != 0 || ferror(j->out))
        return -1;
    return j->failed ? -1 : 0;
}

void cli_json_key_escaped(struct cli_json *j, const char *key, const char *s)
{
    struct shmc_textbuf t;
    size_t n = strlen(s);
    char *text;

    shmc_textbuf_init(&t, NULL, 0); /* a first pass counts */
    shmc_textbuf_put_escaped(&t, s, n);
    /* LCOV_EXCL_BR_START: SIZE_MAX only for a string larger than memory */
    if (t.total == SIZE_MAX || (text = malloc(t.total + 1)) == NULL) {
        /* LCOV_EXCL_BR_STOP */
        cli_json_fail(j);
        return;
    }
    shmc_textbuf_init(&t, text, t.total + 1);
    shmc_textbuf_put_escaped(&t, s, n);
    cli_json_key_string(j, key, text);
    free(text);
}
