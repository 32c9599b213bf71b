/*
 * suppress_match.c - which suppression rule a finding matches: its kind,
 * then its pattern, an iterative glob, against the names of the frames of
 * the finding's stack; and the count of hits of each rule.
 */
#define _GNU_SOURCE
#include <string.h>

#include "suppress_rules.h"

const char *cli_supp_kind_word(unsigned kind)
{
    return kind < SHMC_KIND_COUNT ? shmc_kind_name(kind) : "*";
}

const char *cli_supp_basename(const char *path)
{
    const char *b = path != NULL ? strrchr(path, '/') : NULL;

    return b != NULL ? b + 1 : path;
}

/* Whole-string glob of the pattern p..pe: the two-pointer algorithm. On a
 * mismatch only the last star is retried, one byte further on, which is
 * enough (an earlier star could only absorb what the last one can) and
 * bounds the work by (pe - p) * strlen(s). p has no lone trailing
 * backslash. */
static int glob(const char *p, const char *pe, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;

    while (*s != '\0') {
        const char *lit = p < pe && *p == '\\' ? p + 1 : p;
        if (p < pe && *p == '*') {
            star_p = ++p;
            star_s = s;
        } else if (p < pe && (*p == '?' || *lit == *s)) {
            p = lit + 1;
            s++;
        } else if (star_p != NULL) {
            p = star_p;
            s = ++star_s;
        } else {
            return 0;
        }
    }
    while (p < pe && *p == '*')
        p++;
    return p == pe;
}

/* A path matches in full or by its basename. */
static int glob_path(const char *p, const char *pe, const char *path)
{
    const char *base = cli_supp_basename(path);

    return path != NULL &&
           (glob(p, pe, path) || (base != path && glob(p, pe, base)));
}

/* Whether the pattern p..pe, for the names where says, matches f. */
static int frame_matches(int where, const char *p, const char *pe,
                         const struct cli_frame *f)
{
    return ((where & CLI_SUPP_FUN) && f->function != NULL &&
            glob(p, pe, f->function)) ||
           ((where & CLI_SUPP_SRC) && glob_path(p, pe, f->file)) ||
           ((where & CLI_SUPP_OBJ) && glob_path(p, pe, f->module));
}

const char *cli_supp_frame_end(const char *p)
{
    while (*p != '\0' && *p != '|')
        p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
    return p;
}

/* A stack: rule: its n-th frame pattern matches frame n, from the
 * innermost, for each of its patterns. A pattern of stars alone, without
 * a prefix, stands for any one frame. */
static int stack_matches(const char *p, const struct cli_stack *st, unsigned n)
{
    for (unsigned i = 0;; i++) {
        const char *pe = cli_supp_frame_end(p);
        int where = cli_supp_prefix(p, (size_t)(pe - p));
        if (i >= n)
            return 0;
        if (where != CLI_SUPP_ALL)
            p += 4;
        if (!(where == CLI_SUPP_ALL && strspn(p, "*") == (size_t)(pe - p)) &&
            !frame_matches(where, p, pe, &st->f[i]))
            return 0;
        if (*pe == '\0')
            return 1;
        p = pe + 1;
    }
}

/* A pattern of stars alone matches every finding of its kind, even one
 * without a stack. A finding of no known kind is matched by "*" rules
 * only. */
static int rule_matches(const struct cli_supp_rule *r,
                        const struct cli_finding *f)
{
    unsigned n = f->stack.n < CLI_MAX_FRAMES ? f->stack.n : CLI_MAX_FRAMES;

    if (r->kind != CLI_SUPP_ANY && r->kind != cli_finding_kind(f))
        return 0;
    if (r->all)
        return 1;
    if (r->where == CLI_SUPP_STACK)
        return stack_matches(r->pattern, &f->stack, n);
    for (unsigned i = 0; i < n; i++)
        if (frame_matches(r->where, r->pattern, r->pattern + strlen(r->pattern),
                          &f->stack.f[i]))
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
