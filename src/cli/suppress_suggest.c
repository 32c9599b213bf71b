/*
 * suppress_suggest.c - a rule for --gen-suppressions: one that matches the
 * finding, named after the first function, file or module of its stack,
 * and reads back from a file as written.
 */
#define _GNU_SOURCE
#include <string.h>

#include "journal/textbuf.h"
#include "suppress_rules.h"

/* Whether name[i] needs a backslash to stand for itself: a glob special,
 * or the ':' of what the parser would take for a src:/fun:/obj: prefix. */
static int needs_escape(const char *name, size_t n, size_t i)
{
    char b = name[i];

    return b == '*' || b == '?' || b == '\\' ||
           (i == 3 && b == ':' && cli_supp_prefix(name, n) != CLI_SUPP_ALL);
}

/* name as a glob that matches exactly it and reads back the same from a
 * file: specials escaped; control bytes, and spaces at either end (which
 * the parser would trim), as ?. Cut with a '*' when the rule would not fit
 * in a line (room bytes). */
static void put_literal(struct shmc_textbuf *o, const char *name, size_t room)
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
            shmc_textbuf_put(o, "*");
            return;
        }
        shmc_textbuf_putn(o, e, w);
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
                            : what == 1 ? cli_supp_basename(f->file)
                                        : cli_supp_basename(f->module);
            if (s != NULL && s[0] != '\0')
                return s;
        }
    }
    return NULL;
}

size_t cli_supp_suggest(const struct cli_finding *f, char *buf, size_t len)
{
    struct shmc_textbuf o;
    const char *name = suggest_name(&f->stack);

    shmc_textbuf_init(&o, buf, len);
    shmc_textbuf_put(&o, cli_supp_kind_word(cli_finding_kind(f)));
    shmc_textbuf_put(&o, ":");
    if (name != NULL)
        put_literal(&o, name, CLI_SUPP_LINE_MAX - o.total);
    else
        shmc_textbuf_put(&o, "*");
    return o.total;
}
