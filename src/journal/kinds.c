/*
 * kinds.c - names and lists of finding kinds (the table: kinds.h).
 */
#include "kinds.h"

#include <string.h>

/* Each index once, 0..SHMC_KIND_COUNT-1, and the reported kinds first. */
#define SHMC_KIND_SUM_(id, ix, name, json, dflt) +(1u << (ix))
_Static_assert((0u SHMC_KINDS(SHMC_KIND_SUM_)) == (1u << SHMC_KIND_COUNT) - 1,
               "kind indexes are 0..SHMC_KIND_COUNT-1, each once");
#undef SHMC_KIND_SUM_
#define SHMC_KIND_REPORTED_(id, ix, name, json, dflt)                   \
    _Static_assert((SHMC_KI_##json < SHMC_KIND_REPORTED) &&             \
                       ((SHMC_KI_##id < SHMC_KIND_REPORTED) ==          \
                        (SHMC_KI_##id == SHMC_KI_##json)),              \
                   name ": a reported kind is reported as itself, any " \
                        "other as a reported kind");
SHMC_KINDS(SHMC_KIND_REPORTED_)
#undef SHMC_KIND_REPORTED_

#define SHMC_KIND_WORD_(id, ix, name, json, dflt) {name, SHMC_KIND_##id},
const struct shmc_word shmc_kind_words[SHMC_KIND_WORDS] = {
    SHMC_KINDS(SHMC_KIND_WORD_){"all", SHMC_KINDS_ALL},
    {"none", 0},
};
#undef SHMC_KIND_WORD_

#define SHMC_KIND_NAME_(id, ix, name, json, dflt) [ix] = name,
static const char *const names[SHMC_KIND_COUNT] = {SHMC_KINDS(SHMC_KIND_NAME_)};
#undef SHMC_KIND_NAME_

const char *shmc_kind_name(unsigned ix)
{
    return ix < SHMC_KIND_COUNT ? names[ix] : NULL;
}

int shmc_kind_lookup(const char *s, size_t n)
{
    for (unsigned i = 0; i < SHMC_KIND_COUNT; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return (int)i;
    return -1;
}

/* The word s[0..n) of a list: its mask into *out, or -1. */
static int list_word(const char *s, size_t n, unsigned *out)
{
    for (size_t i = 0; i < SHMC_KIND_WORDS; i++) {
        const char *w = shmc_kind_words[i].name;
        if (strlen(w) == n && memcmp(w, s, n) == 0) {
            *out = shmc_kind_words[i].value;
            return 0;
        }
    }
    return -1;
}

struct shmc_kinds_problem shmc_kinds_parse(const char *v, unsigned *mask)
{
    struct shmc_kinds_problem p = {0};
    unsigned m = 0, w;
    const char *s = v;

    if (*v == '\0')
        p.what = "empty";
    while (p.what == NULL) {
        size_t n = 0;

        while (s[n] != '\0' && s[n] != ',') /* (strcspn: a libc page more) */
            n++;

        if (n == 0)
            p.what = "empty kind name";
        else if (list_word(s, n, &w) != 0)
            p = (struct shmc_kinds_problem){"unknown kind", s, n};
        else
            m |= w;
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    if (p.what == NULL)
        *mask = m;
    return p;
}
