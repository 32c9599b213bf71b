/*
 * suppress.c - suppression rules: parse them (from a file or memory), match
 * findings against them with an iterative glob, count their hits, and
 * suggest one for a finding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

/* Rule kinds: the finding kinds, with unmatched attaches split as the
 * summary and the tracer's SHMCHECK_ERRORS split them, then "*". */
enum {
    RK_LEAKED,
    RK_UNMATCHED,
    RK_INHERITED,
    RK_INVALID,
    RK_FAILED,
    RK_LINT,
    RK_ANY,
    RK_COUNT
};

static const char *const kind_names[RK_COUNT] = {"leaked_segment",
                                                 "unmatched_attach",
                                                 "inherited_unmatched",
                                                 "invalid_detach",
                                                 "failed_call",
                                                 "lint",
                                                 "*"};

#define EXPECTED                                                           \
    "; expected KIND:PATTERN with KIND one of leaked_segment, "            \
    "unmatched_attach, inherited_unmatched, invalid_detach, failed_call, " \
    "lint or *"

/* What a pattern is matched against. */
enum { W_FUN = 1, W_SRC = 2, W_OBJ = 4, W_ANY = 7 };

/* Bytes of a wrong kind quoted in a message; the rest becomes "...". */
#define QUOTE_MAX 40

struct rule {
    char *text;          /* the trimmed line, owned                    */
    const char *pattern; /* into text; runs to its end                 */
    unsigned char kind;  /* RK_*                                       */
    unsigned char where; /* W_*                                        */
    unsigned char all;   /* the pattern is all stars, no prefix        */
    unsigned long hits;
};

struct cli_supp {
    struct rule *v;
    size_t n, cap;
};

/* One parse: where the messages go and which line they name. */
struct ctx {
    struct cli_supp *s;
    const char *name;
    unsigned long line;
    char *err;
    size_t errlen;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return -1;
    err[0] = '\0'; /* vsnprintf may leave nothing on an encoding error */
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "name:line: what; expected ..." */
static int syntax(const struct ctx *c, const char *what)
{
    return fail(c->err, c->errlen, "%s:%lu: %s" EXPECTED, c->name, c->line,
                what);
}

/* s[0..n) for a message, in one printable line: bytes outside ' '..'~' and
 * the backslash as \xHH, cut after QUOTE_MAX bytes with "...". out must
 * hold 4 * QUOTE_MAX + 4 bytes. */
static void quote(char *out, const char *s, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b >= ' ' && b <= '~' && b != '\\')
            out[o++] = (char)b;
        else
            o += (size_t)sprintf(out + o, "\\x%02x", b);
    }
    strcpy(out + o, n > QUOTE_MAX ? "..." : "");
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

static int kind_lookup(const char *k, size_t n)
{
    for (int i = 0; i < RK_COUNT; i++)
        if (strlen(kind_names[i]) == n && memcmp(kind_names[i], k, n) == 0)
            return i;
    return -1;
}

/* "src:", "fun:" or "obj:" in front of the glob, or W_ANY. */
static int prefix_of(const char *p, size_t n)
{
    if (n < 4 || p[3] != ':')
        return W_ANY;
    if (memcmp(p, "src", 3) == 0)
        return W_SRC;
    if (memcmp(p, "fun", 3) == 0)
        return W_FUN;
    return memcmp(p, "obj", 3) == 0 ? W_OBJ : W_ANY;
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

static int push(struct ctx *c, const char *line, size_t n, struct rule r,
                size_t pat_off)
{
    struct cli_supp *s = c->s;

    if (s->n == s->cap) {
        /* cli_supp_match returns index + 1 as an int. */
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct rule *v = cap <= INT_MAX ? realloc(s->v, cap * sizeof *v) : NULL;
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
    return fail(c->err, c->errlen, "%s:%lu: %s", c->name, c->line,
                strerror(ENOMEM));
}

/* line[0..n) is trimmed, not a comment, and has a ':' at k. */
/* The line is not NUL-terminated: look at its pn bytes only. */
static int all_stars(const char *p, size_t pn)
{
    for (size_t i = 0; i < pn; i++)
        if (p[i] != '*')
            return 0;
    return pn > 0;
}

static int add_rule(struct ctx *c, const char *line, size_t n, size_t k)
{
    char q[4 * QUOTE_MAX + 4], msg[sizeof q + 32];
    const char *kp = line, *pp = line + k + 1;
    size_t kn = k, pn = n - k - 1;
    struct rule r = {0};
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
    where = prefix_of(pp, pn);
    if (where != W_ANY) {
        pp += 4, pn -= 4;
        trim(&pp, &pn);
    }
    if (pn == 0)
        return syntax(c, "empty pattern");
    if (lone_backslash(pp, pn))
        return syntax(c, "pattern ends with a lone '\\'");
    r.kind = (unsigned char)kind;
    r.where = (unsigned char)where;
    r.all = where == W_ANY && all_stars(pp, pn);
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
    FILE *fp = fopen(path, "re");
    long n;
    int rc = 0;

    if (fp == NULL)
        return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
    while (rc == 0 && (n = read_line(fp, buf, sizeof buf)) >= 0 &&
           !ferror(fp)) {
        c.line++;
        rc = parse_line(&c, buf, (size_t)n);
    }
    if (rc == 0 && ferror(fp))
        rc = fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
    fclose(fp);
    return rc == 0 ? 0 : rollback(s, before);
}

size_t cli_supp_count(const struct cli_supp *s)
{
    return s->n;
}

/* Whole-string glob: the two-pointer algorithm. On a mismatch only the
 * last star is retried, one byte further on, which is enough (an earlier
 * star could only absorb what the last one can) and bounds the work by
 * strlen(p) * strlen(s). p has no lone trailing backslash. */
static int glob(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;

    while (*s != '\0') {
        const char *lit = *p == '\\' ? p + 1 : p;
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
        } else if (*p == '?' || (*p != '\0' && *lit == *s)) {
            p = lit + 1;
            s++;
        } else if (star_p != NULL) {
            p = star_p;
            s = ++star_s;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static const char *basename_of(const char *path)
{
    const char *b = path != NULL ? strrchr(path, '/') : NULL;

    return b != NULL ? b + 1 : path;
}

/* A path matches in full or by its basename. */
static int glob_path(const char *p, const char *path)
{
    const char *base = basename_of(path);

    return path != NULL && (glob(p, path) || (base != path && glob(p, base)));
}

static int frame_matches(const struct rule *r, const struct cli_frame *f)
{
    return ((r->where & W_FUN) && f->function != NULL &&
            glob(r->pattern, f->function)) ||
           ((r->where & W_SRC) && glob_path(r->pattern, f->file)) ||
           ((r->where & W_OBJ) && glob_path(r->pattern, f->module));
}

/* The rule kind of a finding; RK_ANY for a kind this file does not know,
 * which only "*" rules then match. */
static int finding_kind(const struct cli_finding *f)
{
    static const unsigned char rk[CLI_KIND_COUNT] = {
        [CLI_LEAKED_SEGMENT] = RK_LEAKED,
        [CLI_UNMATCHED_ATTACH] = RK_UNMATCHED,
        [CLI_INVALID_DETACH] = RK_INVALID,
        [CLI_FAILED_CALL] = RK_FAILED,
        [CLI_LINT] = RK_LINT};

    if ((unsigned)f->kind >= CLI_KIND_COUNT)
        return RK_ANY;
    return f->kind == CLI_UNMATCHED_ATTACH && f->inherited ? RK_INHERITED
                                                           : rk[f->kind];
}

/* A pattern of stars alone matches every finding of its kind, even one
 * without a stack: that is what "KIND:*" from cli_supp_suggest means. */
static int rule_matches(const struct rule *r, const struct cli_finding *f)
{
    unsigned n = f->stack.n < CLI_MAX_FRAMES ? f->stack.n : CLI_MAX_FRAMES;

    if (r->kind != RK_ANY && r->kind != finding_kind(f))
        return 0;
    if (r->all)
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (frame_matches(r, &f->stack.f[i]))
            return 1;
    return 0;
}

int cli_supp_match(struct cli_supp *s, const struct cli_finding *f)
{
    for (size_t i = 0; i < s->n; i++) {
        if (rule_matches(&s->v[i], f)) {
            s->v[i].hits++;
            return (int)i + 1;
        }
    }
    return 0;
}

unsigned long cli_supp_hits(const struct cli_supp *s, size_t index)
{
    return index < s->n ? s->v[index].hits : 0;
}

const char *cli_supp_rule_text(const struct cli_supp *s, size_t index)
{
    return index < s->n ? s->v[index].text : NULL;
}

/* --- suggestions -------------------------------------------------------- */

/* An snprintf-like writer: counts everything, stores what fits. */
struct out {
    char *buf;
    size_t len, pos;
};

static void put(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->pos++)
        if (o->pos + 1 < o->len)
            o->buf[o->pos] = s[i];
}

/* Whether name[i] needs a backslash to stand for itself: a glob special,
 * or the ':' of what the parser would take for a src:/fun:/obj: prefix. */
static int needs_escape(const char *name, size_t n, size_t i)
{
    char b = name[i];

    return b == '*' || b == '?' || b == '\\' ||
           (i == 3 && b == ':' && prefix_of(name, n) != W_ANY);
}

/* name as a glob that matches exactly it and reads back the same from a
 * file: specials escaped; control bytes, and spaces at either end (which
 * the parser would trim), as ?. Cut with a '*' when the rule would not fit
 * in a line (room bytes). */
static void put_literal(struct out *o, const char *name, size_t room)
{
    size_t n = strlen(name), used = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)name[i];
        char e[2] = {'\\', (char)b};
        size_t w = needs_escape(name, n, i) ? 2 : 1;
        if (b < ' ' || b == 0x7f || (b == ' ' && (i == 0 || i == n - 1)))
            e[0] = '?', w = 1;
        else if (w == 1)
            e[0] = (char)b;
        if (used + w + 1 > room) {
            put(o, "*", 1);
            return;
        }
        put(o, e, w);
        used += w;
    }
}

/* The first non-empty function, else file basename, else module
 * basename, over the whole stack; NULL if there is none. */
static const char *suggest_name(const struct cli_stack *st)
{
    unsigned n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;

    for (int what = 0; what < 3; what++) {
        for (unsigned i = 0; i < n; i++) {
            const struct cli_frame *f = &st->f[i];
            const char *s = what == 0   ? f->function
                            : what == 1 ? basename_of(f->file)
                                        : basename_of(f->module);
            if (s != NULL && s[0] != '\0')
                return s;
        }
    }
    return NULL;
}

size_t cli_supp_suggest(const struct cli_finding *f, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    const char *kind = kind_names[finding_kind(f)];
    const char *name = suggest_name(&f->stack);

    put(&o, kind, strlen(kind));
    put(&o, ":", 1);
    if (name != NULL)
        put_literal(&o, name, CLI_SUPP_LINE_MAX - o.pos);
    else
        put(&o, "*", 1);
    if (len > 0)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}
