/*
 * fuzz_suppressions.c - property: any bytes given to cli_supp_parse either
 * become exactly their non-blank, non-comment lines as rules, or are refused
 * with one NUL-terminated line "NAME:LINE: ..." (truncated like snprintf)
 * that keeps the rules loaded before; cli_supp_match picks the first rule a
 * reference model of kinds, prefixes, stack: rules and globs picks;
 * cli_supp_suggest writes like snprintf a printable rule that parses back
 * and matches its finding, or a comment when nothing names it.
 *
 * Input: a suppressions file. Its first three lines also name a frame
 * (function, file, module) of one finding, beside findings built from a
 * fixed table of frames.
 */
#define _GNU_SOURCE
#undef NDEBUG /* assertions always on */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal/kinds.h"
#include "suppress.h"

#define NAME "fuzz.supp"
#define GUARD 0xa5
#define ERR_MAX 1024
#define FRAME_STR_MAX 40 /* bytes of an input line used as a frame string */

/* Rule kinds: the kinds' indexes and names (src/journal/kinds.h), whose
 * reported kinds are enum cli_kind's values, then the inherited attaches
 * that rules tell apart; and "*" after them. */
enum { K_ANY = SHMC_KIND_COUNT, K_INHERITED = SHMC_KI_INHERITED_UNMATCHED };
enum { W_FUN = 1, W_SRC = 2, W_OBJ = 4, W_ANY = 7, W_STACK = 8 };

/* Strings shorter than 64 bytes (the reference glob's bound). */
static const struct cli_frame table[] = {
    {0x401000, "/usr/bin/prog", 0x1000, "main", "/src/prog/main.c", 12},
    {0x401100, "/usr/lib/libfoo.so.1", 0x100, "foo_attach", "foo.c", 3},
    {0x7f0000001000, "/lib/x86_64-linux-gnu/libc.so.6", 0x27000, NULL, NULL, 0},
    {0x402000, NULL, 0, "src:odd*name?", "dir/sub/", 0},
    {0x403000, "relative.so", 0, "", " spaced file.c ", 7},
    {0x404000, "/opt/a\\b/lib\x01\x7f\xc3\xa9.so", 0, "fun:x", NULL, 0},
    {0x405000, "obj:/", 0, "operator new[](unsigned long)", "a/b/c.h", 9},
    {0, NULL, 0, NULL, NULL, 0},
};
#define NTABLE (sizeof table / sizeof table[0])
#define NFIND 13

/* A rule as the reference model reads its text back. */
struct ref {
    int kind, where, all;
    const char *pat;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_space(**p))
        (*p)++, (*n)--;
    while (*n > 0 && is_space((*p)[*n - 1]))
        (*n)--;
}

static struct ref ref_of(const char *text)
{
    const char *colon = strchr(text, ':'), *k = text, *p;
    size_t kn, pn;
    struct ref r = {-1, W_ANY, 0, NULL};

    assert(colon != NULL);
    kn = (size_t)(colon - text);
    trim(&k, &kn);
    for (unsigned i = 0; i < SHMC_KIND_COUNT; i++)
        if (strlen(shmc_kind_name(i)) == kn &&
            memcmp(shmc_kind_name(i), k, kn) == 0)
            r.kind = (int)i;
    if (kn == 1 && k[0] == '*')
        r.kind = K_ANY;
    assert(r.kind >= 0);
    p = colon + 1, pn = strlen(p);
    trim(&p, &pn);
    if (pn >= 6 && memcmp(p, "stack:", 6) == 0) {
        p += 6, pn -= 6, trim(&p, &pn);
        assert(pn > 0 && p[pn] == '\0');
        r.where = W_STACK;
        r.pat = p;
        return r;
    }
    if (pn >= 4 && p[3] == ':') {
        static const char *const pre[] = {"fun", "src", "obj"};
        for (int i = 0; i < 3; i++)
            if (memcmp(p, pre[i], 3) == 0)
                r.where = 1 << i;
    }
    if (r.where != W_ANY)
        p += 4, pn -= 4, trim(&p, &pn);
    assert(pn > 0 && p[pn] == '\0');
    r.pat = p;
    r.all = r.where == W_ANY && strspn(p, "*") == pn;
    return r;
}

/* Whole-string glob as an NFA over the positions 0..m of s, one bit each:
 * a star reaches every position from the first it starts at. */
static int ref_glob(const char *p, const char *s)
{
    size_t m = strlen(s);
    uint64_t cur = 1, all, below;

    assert(m < 64);
    all = m == 63 ? ~(uint64_t)0 : ((uint64_t)1 << (m + 1)) - 1;
    below = ((uint64_t)1 << m) - 1;
    while (*p != '\0' && cur != 0) {
        uint64_t eq = 0;
        if (*p == '*') {
            cur = all & ~((cur & (0 - cur)) - 1);
            p++;
            continue;
        }
        if (*p == '?') {
            eq = below;
        } else {
            p += *p == '\\';
            assert(*p != '\0'); /* the parser refuses a lone backslash */
            for (size_t i = 0; i < m; i++)
                eq |= (uint64_t)(s[i] == *p) << i;
        }
        cur = (cur & eq) << 1;
        p++;
    }
    return *p == '\0' && (cur >> m & 1);
}

static int ref_path(const char *p, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    return path != NULL &&
           (ref_glob(p, path) || (slash != NULL && ref_glob(p, slash + 1)));
}

static int ref_frame(int where, const char *pat, const struct cli_frame *fr)
{
    return ((where & W_FUN) && fr->function != NULL &&
            ref_glob(pat, fr->function)) ||
           ((where & W_SRC) && ref_path(pat, fr->file)) ||
           ((where & W_OBJ) && ref_path(pat, fr->module));
}

/* A stack: pattern: split at each '|' no backslash escapes, the k-th piece
 * (its fun:/src:/obj: prefix apart; stars alone: any frame) matching the
 * k-th frame, every piece a frame. */
static int ref_stack(const char *pat, const struct cli_stack *st)
{
    char piece[CLI_SUPP_LINE_MAX + 1];
    unsigned k = 0;

    for (const char *p = pat;; k++) {
        size_t n = 0;
        int where = W_ANY;
        while (*p != '\0' && *p != '|') {
            if (*p == '\\')
                piece[n++] = *p++;
            piece[n++] = *p++;
        }
        piece[n] = '\0';
        assert(n > 0); /* the parser refuses empty pieces */
        if (n >= 4 && piece[3] == ':') {
            static const char *const pre[] = {"fun", "src", "obj"};
            for (int i = 0; i < 3; i++)
                if (memcmp(piece, pre[i], 3) == 0)
                    where = 1 << i;
        }
        if (k >= st->n)
            return 0;
        if (!(where == W_ANY && strspn(piece, "*") == n) &&
            !ref_frame(where, piece + (where != W_ANY ? 4 : 0), &st->f[k]))
            return 0;
        if (*p++ == '\0')
            return 1;
    }
}

static int ref_matches(const struct ref *r, const struct cli_finding *f)
{
    int fk = (unsigned)f->kind >= CLI_KIND_COUNT ? K_ANY : (int)f->kind;

    if (f->kind == CLI_UNMATCHED_ATTACH && f->inherited)
        fk = K_INHERITED;
    if (r->kind != K_ANY && r->kind != fk)
        return 0;
    if (r->all)
        return 1;
    if (r->where == W_STACK)
        return ref_stack(r->pat, &f->stack);
    for (unsigned i = 0; i < f->stack.n; i++)
        if (ref_frame(r->where, r->pat, &f->stack.f[i]))
            return 1;
    return 0;
}

/* The rules of a good file: its lines, '\r'-stripped and trimmed, that are
 * neither blank nor comments, in order. */
static void check_rules(const struct cli_supp *s, size_t first,
                        const char *text, size_t len)
{
    size_t at = 0, k = first;

    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at), *p = text + at;
        size_t n = nl ? (size_t)(nl - p) : len - at;
        at += n + 1;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        assert(n <= CLI_SUPP_LINE_MAX && memchr(p, '\0', n) == NULL);
        trim(&p, &n);
        if (n == 0 || p[0] == '#')
            continue;
        const char *t = cli_supp_rule_text(s, k++);
        assert(t != NULL && strlen(t) == n && memcmp(t, p, n) == 0);
    }
    assert(k == cli_supp_count(s) && cli_supp_rule_text(s, k) == NULL);
    assert(cli_supp_hits(s, k) == 0);
}

/* What snprintf would leave of full in err[0..len): a NUL-terminated
 * prefix, and nothing written past it (GUARD bytes). */
static void check_error(const char *err, size_t len, const char *full)
{
    size_t n = strnlen(err, len);

    assert((unsigned char)err[len] == GUARD);
    if (len == 0)
        return;
    assert(n < len && n == (strlen(full) < len ? strlen(full) : len - 1));
    assert(strncmp(err, full, n) == 0);
}

/* Line k (0-based) of the input, at most FRAME_STR_MAX bytes, to its NUL. */
static void line_of(const uint8_t *data, size_t size, int k, char *out)
{
    size_t at = 0, n;

    while (k-- > 0 && at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        at = nl ? (size_t)(nl - data) + 1 : size;
    }
    for (n = 0; at + n < size && n < FRAME_STR_MAX && data[at + n] != '\n'; n++)
        out[n] = (char)data[at + n];
    out[n] = '\0';
}

static void make_findings(struct cli_finding *fs, const struct cli_frame *own)
{
    for (unsigned i = 0; i < NFIND; i++) {
        struct cli_finding *f = &fs[i];
        memset(f, 0, sizeof *f);
        f->kind = (enum cli_kind)(i % (CLI_KIND_COUNT + 1));
        f->inherited = i / (CLI_KIND_COUNT + 1) == 1;
        f->stack.n = i % 5;
        for (unsigned k = 0; k < f->stack.n; k++)
            f->stack.f[k] = table[(i * 3 + k) % NTABLE];
    }
    fs[NFIND - 1].kind = CLI_UNMATCHED_ATTACH;
    fs[NFIND - 1].stack.f[0] = *own;
    fs[NFIND - 1].stack.f[1] = table[2];
    fs[NFIND - 1].stack.n = 2;
}

/* snprintf-like at every size, and a rule that parses back and matches. */
static void check_suggest(const struct cli_finding *f, size_t small)
{
    static const size_t sizes[] = {1, 2, 7, 16, 64};
    char big[CLI_SUPP_LINE_MAX + 64], buf[72];
    size_t n = cli_supp_suggest(f, NULL, 0);
    struct cli_supp *s = cli_supp_new();
    char err[ERR_MAX];

    assert(n <= CLI_SUPP_LINE_MAX && cli_supp_suggest(f, big, sizeof big) == n);
    assert(strlen(big) == n);
    for (size_t i = 0; i <= sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = i < sizeof sizes / sizeof sizes[0] ? sizes[i] : small;
        memset(buf, GUARD, sizeof buf);
        assert(cli_supp_suggest(f, buf, len) == n);
        check_error(buf, len, big);
    }
    assert(s != NULL && n <= CLI_SUPP_SUGGEST_MAX);
    for (size_t i = 0; i < n; i++) /* printed as it is */
        assert(big[i] >= ' ' && big[i] < 0x7f);
    if (cli_supp_parse(s, NAME, big, n, err, sizeof err) != 0) {
        fprintf(stderr, "suggestion '%s' refused: %s\n", big, err);
        abort();
    }
    /* A rule that matches, or a comment saying why there is none. */
    assert(big[0] == '#' ? cli_supp_count(s) == 0
                         : cli_supp_count(s) == 1 && cli_supp_match(s, f) == 1);
    cli_supp_free(s);
}

static void check_matches(struct cli_supp *s, const struct cli_finding *fs)
{
    size_t n = cli_supp_count(s);
    struct ref *refs = calloc(n + 1, sizeof *refs);
    unsigned long *hits = calloc(n + 1, sizeof *hits);

    assert(refs != NULL && hits != NULL);
    for (size_t i = 0; i < n; i++)
        refs[i] = ref_of(cli_supp_rule_text(s, i));
    for (unsigned i = 0; i < NFIND; i++) {
        size_t want = 0;
        while (want < n && !ref_matches(&refs[want], &fs[i]))
            want++;
        int got = cli_supp_match(s, &fs[i]);
        assert(got == (want < n ? (int)want + 1 : 0));
        hits[want]++;
    }
    for (size_t i = 0; i < n; i++)
        assert(cli_supp_hits(s, i) == hits[i]);
    free(refs);
    free(hits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char err[ERR_MAX + 1], small[ERR_MAX + 1], fun[64], file[64], mod[64];
    size_t smallen = size % 37;
    struct cli_supp *a = cli_supp_new(), *b = cli_supp_new();
    struct cli_finding fs[NFIND];
    struct cli_frame own = {0x406000, mod, 0, fun, file, 1};
    int rc;

    assert(a != NULL && b != NULL);
    memset(err, GUARD, sizeof err);
    memset(small, GUARD, sizeof small);
    rc = cli_supp_parse(a, NAME, text, size, err, ERR_MAX);
    /* Into a set that has a rule, with a short message buffer (or none). */
    assert(cli_supp_parse(b, NAME, "lint:keep", 9, NULL, 0) == 0);
    assert(cli_supp_parse(b, NAME, text, size, smallen ? small : NULL,
                          smallen) == rc);
    assert(strcmp(cli_supp_rule_text(b, 0), "lint:keep") == 0);
    if (rc != 0) {
        assert(rc == -1 && cli_supp_count(a) == 0 && cli_supp_count(b) == 1);
        check_error(err, ERR_MAX, err);
        assert(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
        for (const char *p = err; *p != '\0'; p++)
            assert((unsigned char)*p >= ' ' && *p != 0x7f);
        if (smallen)
            check_error(small, smallen, err);
    } else {
        assert(cli_supp_count(b) == cli_supp_count(a) + 1);
        check_rules(a, 0, text, size);
        check_rules(b, 1, text, size);
    }
    line_of(data, size, 0, fun);
    line_of(data, size, 1, file);
    line_of(data, size, 2, mod);
    make_findings(fs, &own);
    check_matches(a, fs);
    /* Suggestions depend on the finding alone: the one named by the input,
     * and one of the fixed ones. */
    check_suggest(&fs[NFIND - 1], smallen);
    check_suggest(&fs[size % (NFIND - 1)], smallen);
    cli_supp_free(a);
    cli_supp_free(b);
    return 0;
}
