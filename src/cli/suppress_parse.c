/*
 * suppress_parse.c - reading suppression rules, from a file or memory:
 * each line checked and turned into a rule, or refused with a message
 * that names the file, the line and what is wrong; a load that fails
 * keeps none of its rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "journal/compiler.h"
#include "journal/textbuf.h"
#include "suppress_rules.h"

/* Bytes of a wrong kind quoted in a message; the rest becomes "...". */
#define QUOTE_MAX 40

/* One parse: where the messages go and which line they name. */
struct ctx {
    struct cli_supp *s;
    const char *name;
    unsigned long line;
    char *err;
    size_t errlen;
};

/* Writes the message into err (cut to errlen, like snprintf): before, then
 * name escaped (a file name may hold any byte but '/' and NUL, and the
 * message ends up on a terminal), then the formatted rest; with expected,
 * says what a line should be. Returns -1. */
static int fail(char *err, size_t errlen, int expected, const char *before,
                const char *name, const char *fmt, ...) SHMC_PRINTF_LIKE(6, 7);

static int fail(char *err, size_t errlen, int expected, const char *before,
                const char *name, const char *fmt, ...)
{
    struct shmc_textbuf t;
    va_list ap;

    shmc_textbuf_init(&t, err, errlen);
    shmc_textbuf_put(&t, before);
    shmc_textbuf_put_escaped(&t, name, strlen(name));
    va_start(ap, fmt);
    shmc_textbuf_vprintf(&t, fmt, ap);
    va_end(ap);
    if (!expected)
        return -1;
    shmc_textbuf_put(&t, "; expected KIND:PATTERN with KIND one of ");
    for (size_t k = 0; k < SHMC_KIND_COUNT; k++) { /* the table's order */
        shmc_textbuf_put(&t, k > 0 ? ", " : "");
        shmc_textbuf_put(&t, shmc_kind_words[k].name);
    }
    shmc_textbuf_put(&t, " or *");
    return -1;
}

/* "name:line: what; expected ..." */
static int syntax(const struct ctx *c, const char *what)
{
    return fail(c->err, c->errlen, 1, "", c->name, ":%lu: %s", c->line, what);
}

/* s[0..n) for a message, escaped as everything a report quotes
 * (shmc_textbuf_put_escaped), cut after QUOTE_MAX bytes with "...". out
 * must hold 6 * QUOTE_MAX + 4 bytes. */
static void quote(char *out, const char *s, size_t n)
{
    struct shmc_textbuf t;

    shmc_textbuf_init(&t, out, 6 * QUOTE_MAX + 4);
    shmc_textbuf_put_escaped(&t, s, n < QUOTE_MAX ? n : QUOTE_MAX);
    shmc_textbuf_put(&t, n > QUOTE_MAX ? "..." : "");
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_space(**p))
        (*p)++, (*n)--;
    while (*n > 0 && is_space((*p)[*n - 1]))
        (*n)--;
}

/* The kind called k[0..n), "*" included, or -1. */
static int kind_lookup(const char *k, size_t n)
{
    if (n == 1 && k[0] == '*')
        return CLI_SUPP_ANY;
    return shmc_kind_lookup(k, n);
}

int cli_supp_prefix(const char *p, size_t n)
{
    if (n < 4 || p[3] != ':')
        return CLI_SUPP_ALL;
    if (memcmp(p, "src", 3) == 0)
        return CLI_SUPP_SRC;
    if (memcmp(p, "fun", 3) == 0)
        return CLI_SUPP_FUN;
    return memcmp(p, "obj", 3) == 0 ? CLI_SUPP_OBJ : CLI_SUPP_ALL;
}

/* A backslash escapes the next byte, so one at the very end escapes
 * nothing: refused rather than guessed at. */
static int lone_backslash(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\\' && ++i == n)
            return 1;
    return 0;
}

static int push(struct ctx *c, const char *line, size_t n,
                struct cli_supp_rule r, size_t pat_off)
{
    struct cli_supp *s = c->s;

    if (s->n == s->cap) {
        /* cli_supp_match returns index + 1 as an int. */
        size_t cap = s->cap ? s->cap * 2 : 16;
        /* LCOV_EXCL_BR_START: cap passes INT_MAX only after 2^30 rules */
        struct cli_supp_rule *v =
            cap <= INT_MAX ? realloc(s->v, cap * sizeof *v) : NULL;
        /* LCOV_EXCL_BR_STOP */
        if (v == NULL)
            goto nomem;
        s->v = v;
        s->cap = cap;
    }
    r.text = strndup(line, n);
    if (r.text == NULL)
        goto nomem;
    r.pattern = r.text + pat_off;
    s->v[s->n++] = r;
    return 0;
nomem:
    return fail(c->err, c->errlen, 0, "", c->name, ":%lu: %s", c->line,
                strerror(ENOMEM));
}

/* The line is not NUL-terminated: look at its pn bytes only. */
static int all_stars(const char *p, size_t pn)
{
    for (size_t i = 0; i < pn; i++)
        if (p[i] != '*')
            return 0;
    return pn > 0;
}

/* Whether a frame pattern of the stack: pattern p[0..n) is empty, its
 * prefix apart ("a||b", "fun:|b", a '|' at either end). */
static int empty_frame(const char *p, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] == '\\') {
            i++;
            continue;
        }
        if (i < n && p[i] != CLI_SUPP_STACK_SEP)
            continue;
        if (i - start == 0 ||
            (cli_supp_prefix(p + start, i - start) != CLI_SUPP_ALL &&
             i - start == 4))
            return 1;
        start = i + 1;
    }
    return 0;
}

/* The "stack:" at the start of p[0..n): its length, else 0. */
static size_t stack_word(const char *p, size_t n)
{
    size_t w = strlen(CLI_SUPP_STACK_WORD);

    return n >= w && memcmp(p, CLI_SUPP_STACK_WORD, w) == 0 ? w : 0;
}

/* line[0..n) is trimmed, not a comment, and has a ':' at k. */
static int add_rule(struct ctx *c, const char *line, size_t n, size_t k)
{
    char q[6 * QUOTE_MAX + 4], msg[sizeof q + 32];
    const char *kp = line, *pp = line + k + 1;
    size_t kn = k, pn = n - k - 1;
    struct cli_supp_rule r = {0};
    int kind, where;

    trim(&kp, &kn);
    kind = kind_lookup(kp, kn);
    if (kind < 0 && kn == 0)
        return syntax(c, "missing kind before ':'");
    if (kind < 0) {
        quote(q, kp, kn);
        snprintf(msg, sizeof msg, "unknown kind '%s'", q);
        return syntax(c, msg);
    }
    trim(&pp, &pn);
    where = stack_word(pp, pn) ? CLI_SUPP_STACK : cli_supp_prefix(pp, pn);
    if (where != CLI_SUPP_ALL) {
        size_t w = where == CLI_SUPP_STACK ? stack_word(pp, pn) : 4;
        pp += w, pn -= w;
        trim(&pp, &pn);
    }
    if (pn == 0)
        return syntax(c, "empty pattern");
    if (lone_backslash(pp, pn))
        return syntax(c, "pattern ends with a lone '\\'");
    if (where == CLI_SUPP_STACK && empty_frame(pp, pn))
        return syntax(c, "empty frame pattern in stack:");
    r.kind = (unsigned char)kind;
    r.where = (unsigned char)where;
    r.all = where == CLI_SUPP_ALL && all_stars(pp, pn);
    return push(c, line, n, r, (size_t)(pp - line));
}

/* One line, without its "\n". */
static int parse_line(struct ctx *c, const char *p, size_t n)
{
    const char *nul, *colon;
    char msg[64];

    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > CLI_SUPP_LINE_MAX) {
        snprintf(msg, sizeof msg, "line longer than %d bytes",
                 CLI_SUPP_LINE_MAX);
        return syntax(c, msg);
    }
    nul = memchr(p, '\0', n);
    if (nul != NULL) {
        snprintf(msg, sizeof msg, "NUL byte at column %zu",
                 (size_t)(nul - p) + 1);
        return syntax(c, msg);
    }
    trim(&p, &n);
    if (n == 0 || p[0] == '#')
        return 0;
    colon = memchr(p, ':', n);
    if (colon == NULL)
        return syntax(c, "missing ':' after the kind");
    return add_rule(c, p, n, (size_t)(colon - p));
}

/* Drops the rules a failed load added; returns -1. */
static int rollback(struct cli_supp *s, size_t n)
{
    while (s->n > n)
        free(s->v[--s->n].text);
    return -1;
}

struct cli_supp *cli_supp_new(void)
{
    return calloc(1, sizeof(struct cli_supp));
}

void cli_supp_free(struct cli_supp *s)
{
    if (s == NULL)
        return;
    rollback(s, 0);
    free(s->v);
    free(s);
}

int cli_supp_parse(struct cli_supp *s, const char *name, const char *text,
                   size_t len, char *err, size_t errlen)
{
    struct ctx c = {s, name != NULL ? name : "<memory>", 0, err, errlen};
    size_t before = s->n, at = 0;

    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl != NULL ? (size_t)(nl - (text + at)) : len - at;
        c.line++;
        if (parse_line(&c, text + at, n) != 0)
            return rollback(s, before);
        at += n + 1;
    }
    return 0;
}

/* Reads up to cap bytes of the next line into buf, and its "\n" if they
 * fit; a longer line is cut, which parse_line reports. Returns the bytes
 * stored, -1 at the end of the file (or on an error: see ferror). */
static long read_line(FILE *fp, char *buf, size_t cap)
{
    size_t n = 0;
    int ch = EOF;

    while (n < cap && (ch = getc(fp)) != EOF && ch != '\n')
        buf[n++] = (char)ch;
    return n == 0 && ch == EOF ? -1 : (long)n;
}

int cli_supp_load(struct cli_supp *s, const char *path, char *err,
                  size_t errlen)
{
    /* Room for the longest line, its "\r", and one byte to see that a line
     * is longer. */
    char buf[CLI_SUPP_LINE_MAX + 2];
    struct ctx c = {s, path, 0, err, errlen};
    size_t before = s->n;
    FILE *fp = cli_open_read(path, CLI_FIFO_WAIT_MS);
    long n;
    int rc = 0;

    if (fp == NULL)
        return fail(err, errlen, 0, "cannot open ", path, ": %s",
                    errno == ETIMEDOUT ? "nothing written to it (a FIFO "
                                         "without a writer?)"
                                       : strerror(errno));
    while (rc == 0 && (n = read_line(fp, buf, sizeof buf)) >= 0 &&
           !ferror(fp)) {
        c.line++;
        rc = parse_line(&c, buf, (size_t)n);
    }
    if (rc == 0 && ferror(fp))
        rc =
            fail(err, errlen, 0, "cannot read ", path, ": %s", strerror(errno));
    fclose(fp);
    return rc == 0 ? 0 : rollback(s, before);
}

size_t cli_supp_count(const struct cli_supp *s)
{
    return s->n;
}
