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

/* A path matches in full or by its basename. */
static int glob_path(const char *p, const char *path)
{
    const char *base = cli_supp_basename(path);

    return path != NULL && (glob(p, path) || (base != path && glob(p, base)));
}

static int frame_matches(const struct cli_supp_rule *r,
                         const struct cli_frame *f)
{
    return ((r->where & CLI_SUPP_FUN) && f->function != NULL &&
            glob(r->pattern, f->function)) ||
           ((r->where & CLI_SUPP_SRC) && glob_path(r->pattern, f->file)) ||
           ((r->where & CLI_SUPP_OBJ) && glob_path(r->pattern, f->module));
}

/* A pattern of stars alone matches every finding of its kind, even one
 * without a stack: that is what "KIND:*" from cli_supp_suggest means. A
 * finding of no known kind is matched by "*" rules only. */
static int rule_matches(const struct cli_supp_rule *r,
                        const struct cli_finding *f)
{
    unsigned n = f->stack.n < CLI_MAX_FRAMES ? f->stack.n : CLI_MAX_FRAMES;

    if (r->kind != CLI_SUPP_ANY && r->kind != cli_finding_kind(f))
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
