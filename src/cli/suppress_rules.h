/*
 * suppress_rules.h - what a set of suppression rules holds, shared by the
 * files that read rules (suppress_parse.c), match findings against them
 * (suppress_match.c) and suggest one (suppress_suggest.c). The syntax and
 * the public API: suppress.h.
 */
#ifndef SHMC_CLI_SUPPRESS_RULES_H
#define SHMC_CLI_SUPPRESS_RULES_H

#include <stddef.h>

#include "journal/kinds.h"
#include "suppress.h"

/* A rule's kind: a kind of the shared table (SHMC_KI_*), or "*". */
#define CLI_SUPP_ANY SHMC_KIND_COUNT

/* What a pattern is matched against: "fun:", "src:", "obj:", or all; or,
 * for "stack:", the frames one by one from the innermost. */
enum {
    CLI_SUPP_FUN = 1,
    CLI_SUPP_SRC = 2,
    CLI_SUPP_OBJ = 4,
    CLI_SUPP_ALL = 7,
    CLI_SUPP_STACK = 8
};

/* The "stack:" that starts a rule's pattern, and what separates the
 * patterns of its frames. */
#define CLI_SUPP_STACK_WORD "stack:"
#define CLI_SUPP_STACK_SEP '|'

/* The end of the frame pattern that starts at p in a stack: rule: its
 * first '|' that no backslash escapes, or its NUL. */
const char *cli_supp_frame_end(const char *p);

struct cli_supp_rule {
    char *text;          /* the trimmed line, owned                    */
    const char *pattern; /* into text; runs to its end                 */
    unsigned char kind;  /* SHMC_KI_* or CLI_SUPP_ANY                  */
    unsigned char where; /* CLI_SUPP_FUN, ...                          */
    unsigned char all;   /* the pattern is all stars, no prefix        */
    unsigned long hits;
};

struct cli_supp {
    struct cli_supp_rule *v;
    size_t n, cap;
};

/* The word of a rule kind: the kind's name, or "*". */
const char *cli_supp_kind_word(unsigned kind);

/* The "src:", "fun:" or "obj:" in front of the n bytes at p, or
 * CLI_SUPP_ALL when there is none. */
int cli_supp_prefix(const char *p, size_t n);

/* What follows the last '/' of path; path when it has none, NULL for
 * NULL. */
const char *cli_supp_basename(const char *path);

#endif
