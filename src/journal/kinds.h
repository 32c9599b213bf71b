/*
 * kinds.h - the kinds of finding, once for the tracer and the CLI.
 *
 * One X-macro table, SHMC_KINDS, gives each kind:
 *   ID       the enum suffix: SHMC_KI_<ID> (an index) and SHMC_KIND_<ID>
 *            (its bit in a mask of kinds);
 *   index    the kind's number, 0..SHMC_KIND_COUNT-1: the kinds a report
 *            names come first (0..SHMC_KIND_REPORTED-1, the CLI's enum
 *            cli_kind), then the ones reported under another kind;
 *   name     the word in SHMCHECK_ERRORS, in --errors and in suppression
 *            rules (rows are in the order lists and messages name them);
 *   JSON     the kind the reports give it: an inherited unmatched attach is
 *            reported as "unmatched_attach" with "inherited": true, but is
 *            a kind of its own for errors and suppressions;
 *   default  ERROR when it counts as an error unless told otherwise,
 *            WARNING when not.
 * A list of kinds is a comma list of names (no blanks), "all" and "none":
 * its value is the union of its words, so "none" alone is the empty mask
 * and "all" anywhere is every kind.
 *
 * Linked into the preloaded tracer: no allocation, no stdio, no state.
 */
#ifndef SHMC_JOURNAL_KINDS_H
#define SHMC_JOURNAL_KINDS_H

#include <stddef.h>

/*  X(ID,               index, name,                 JSON,   default) */
#define SHMC_KINDS(X)                                                     \
    X(LEAKED_SEGMENT, 0, "leaked_segment", LEAKED_SEGMENT, ERROR)         \
    X(UNMATCHED_ATTACH, 1, "unmatched_attach", UNMATCHED_ATTACH, WARNING) \
    X(INHERITED_UNMATCHED, 5, "inherited_unmatched", UNMATCHED_ATTACH,    \
      WARNING)                                                            \
    X(INVALID_DETACH, 2, "invalid_detach", INVALID_DETACH, ERROR)         \
    X(FAILED_CALL, 3, "failed_call", FAILED_CALL, WARNING)                \
    X(LINT, 4, "lint", LINT, WARNING)

#define SHMC_KIND_INDEX_(id, ix, name, json, dflt) SHMC_KI_##id = ix,
#define SHMC_KIND_ONE_(id, ix, name, json, dflt) +1
/* The kinds by index; how many there are, and how many a report names
 * (kinds.c checks the indexes against both). */
enum shmc_kind_index {
    SHMC_KINDS(SHMC_KIND_INDEX_) /* SHMC_KI_LEAKED_SEGMENT = 0, ... */
    SHMC_KIND_COUNT = 0 SHMC_KINDS(SHMC_KIND_ONE_),
    SHMC_KIND_REPORTED = 5
};

/* The kinds as bits of a mask (shmc_trace_config.errors, --errors). */
enum shmc_kind {
#define SHMC_KIND_BIT_(id, ix, name, json, dflt) \
    SHMC_KIND_##id = 1u << SHMC_KI_##id,
    SHMC_KINDS(SHMC_KIND_BIT_)
#undef SHMC_KIND_BIT_
};

#define SHMC_KIND_ERROR_(id) SHMC_KIND_##id |
#define SHMC_KIND_WARNING_(id)
#define SHMC_KIND_ALL_(id, ix, name, json, dflt) SHMC_KIND_##id |
#define SHMC_KIND_DEFAULT_(id, ix, name, json, dflt) SHMC_KIND_##dflt##_(id)
/* Every kind, and the kinds that are errors by default. */
#define SHMC_KINDS_ALL (SHMC_KINDS(SHMC_KIND_ALL_) 0u)
#define SHMC_KINDS_DEFAULT_ERRORS (SHMC_KINDS(SHMC_KIND_DEFAULT_) 0u)

#define SHMC_KIND_TEXT_ERROR_(name) "," name
#define SHMC_KIND_TEXT_WARNING_(name)
#define SHMC_KIND_TEXT_(id, ix, name, json, dflt) SHMC_KIND_TEXT_##dflt##_(name)
/* The default errors as a list ("leaked_segment,invalid_detach"): an
 * address constant, fit for static initializers. */
#define SHMC_KINDS_DEFAULT_ERRORS_TEXT (&SHMC_KINDS(SHMC_KIND_TEXT_)[1])

#define SHMC_KIND_NAMES_TEXT_(id, ix, name, json, dflt) ", " name
/* ", leaked_segment, unmatched_attach, ...": every name, in the table's
 * order, each after ", " (a string literal, to follow another). */
#define SHMC_KINDS_NAMES_TEXT SHMC_KINDS(SHMC_KIND_NAMES_TEXT_)

/* A word of a setting and the value it stands for. */
struct shmc_word {
    const char *name;
    unsigned value;
};

/* The words of a list of kinds: each kind's name and bit, in the table's
 * order, then "all" and "none". */
#define SHMC_KIND_WORDS (SHMC_KIND_COUNT + 2)
extern const struct shmc_word shmc_kind_words[SHMC_KIND_WORDS];

/* The name of kind index ix ("inherited_unmatched"), NULL past the end. */
const char *shmc_kind_name(unsigned ix);

/* The index of the kind called s[0..n) (s need not be NUL-terminated), or
 * -1. "all" and "none" are no kind. */
int shmc_kind_lookup(const char *s, size_t n);

/* What is wrong with a list of kinds: what == NULL when nothing is; else
 * word[0..word_len) is the part at fault, or word is NULL. */
struct shmc_kinds_problem {
    const char *what; /* "empty", "empty kind name", "unknown kind" */
    const char *word;
    size_t word_len;
};

/* Parses the list of kinds v into *mask. Every word is checked before
 * *mask is written: a list with one bad word leaves *mask as it was. */
struct shmc_kinds_problem shmc_kinds_parse(const char *v, unsigned *mask);

#endif
