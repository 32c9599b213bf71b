/*
 * suppress_suggest.c - a rule for --gen-suppressions, as Valgrind writes
 * them: the frames of the finding's stack one by one from the innermost
 * (their functions, else their modules) down to main, so that it hides
 * that finding and not another one made on another path; it reads back
 * from a file as written.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "journal/textbuf.h"
#include "suppress_rules.h"

/* Frames a generated rule names at most; it stops after main anyway. */
#define SUGGEST_DEPTH 8

/* Whether byte b of a name needs a backslash to stand for itself: a glob
 * special or the separator of a stack: rule's frames. */
static int needs_escape(char b)
{
    return b == '*' || b == '?' || b == '\\' || b == CLI_SUPP_STACK_SEP;
}

/* The bytes of name written as a glob that matches exactly it and reads
 * back the same from a file: specials escaped; control bytes, bytes
 * outside ASCII (so that the line is safe to print as it is) and spaces at
 * either end (which the parser would trim) as ?, which matches any one
 * byte. Into o (NULL: only counted), cut with a '*' after room bytes. */
static size_t put_literal(struct shmc_textbuf *o, const char *name, size_t room)
{
    size_t n = strlen(name), used = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)name[i];
        char e[2] = {'\\', (char)b};
        size_t w = needs_escape((char)b) ? 2 : 1;
        if (b < ' ' || b >= 0x7f || (b == ' ' && (i == 0 || i == n - 1)))
            e[0] = '?', w = 1;
        else if (w == 1)
            e[0] = (char)b;
        if (used + w + (i + 1 < n) > room) { /* room for a '*' after */
            if (o != NULL) /* LCOV_EXCL_BR_LINE: sizing (NULL) is uncut */
                shmc_textbuf_put(o, "*");
            return used + 1;
        }
        if (o != NULL)
            shmc_textbuf_putn(o, e, w);
        used += w;
    }
    return used;
}

/* The pattern of one frame: "fun:" and its function, else "obj:" and its
 * module's base name, else "*" (any frame). Into o (NULL: only counted);
 * returns its length. */
static size_t put_frame(struct shmc_textbuf *o, const struct cli_frame *f,
                        size_t room)
{
    const char *mod = cli_supp_basename(f->module);
    int fun = f->function != NULL && f->function[0] != '\0';

    if (!fun && (mod == NULL || mod[0] == '\0')) {
        if (o != NULL)
            shmc_textbuf_put(o, "*");
        return 1;
    }
    if (o != NULL)
        shmc_textbuf_put(o, fun ? "fun:" : "obj:");
    return 4 + put_literal(o, fun ? f->function : mod, room - 4);
}

/* Whether a frame of the n first of st has a function or a module: else
 * (no stack, as for a leak only the kernel saw, or nameless frames) any
 * rule would match every stack, or every finding of the kind. */
static int named(const struct cli_stack *st, unsigned n)
{
    for (unsigned i = 0; i < n && i < SUGGEST_DEPTH; i++)
        if (put_frame(NULL, &st->f[i], SIZE_MAX) > 1)
            return 1;
    return 0;
}

size_t cli_supp_suggest(const struct cli_finding *f, char *buf, size_t len)
{
    struct shmc_textbuf o;
    unsigned n = f->stack.n < CLI_MAX_FRAMES ? f->stack.n : CLI_MAX_FRAMES;
    const char *kind = cli_supp_kind_word(cli_finding_kind(f));

    shmc_textbuf_init(&o, buf, len);
    if (!named(&f->stack, n)) {
        shmc_textbuf_printf(&o,
                            "# no rule: nothing names this finding (its "
                            "stack has no function or module), and %s:* "
                            "would hide every %s",
                            kind, kind);
        return o.total;
    }
    shmc_textbuf_put(&o, kind);
    shmc_textbuf_put(&o, ":" CLI_SUPP_STACK_WORD);
    /* The first frame always (cut to fit), then whole frames while they
     * fit: a rule that names fewer frames still matches, less narrowly. */
    put_frame(&o, &f->stack.f[0], CLI_SUPP_SUGGEST_MAX - o.total);
    for (unsigned i = 1; i < n && i < SUGGEST_DEPTH; i++) {
        const struct cli_frame *prev = &f->stack.f[i - 1];
        if (prev->function != NULL && strcmp(prev->function, "main") == 0)
            break;
        if (o.total + 1 + put_frame(NULL, &f->stack.f[i], SIZE_MAX) >
            CLI_SUPP_SUGGEST_MAX)
            break;
        shmc_textbuf_putn(&o, &(char){CLI_SUPP_STACK_SEP}, 1);
        put_frame(&o, &f->stack.f[i], SIZE_MAX);
    }
    return o.total;
}
