/*
 * suppress.h - suppression rules: findings the user has chosen not to see.
 *
 * A file holds one rule a line, in the spirit of LeakSanitizer's:
 *
 *     # a comment; blank lines are ignored, each line is trimmed
 *     KIND:PATTERN
 *
 * KIND is leaked_segment, unmatched_attach (made by the process itself),
 * inherited_unmatched (inherited through fork), invalid_detach, failed_call,
 * lint, or * for any. PATTERN is a glob over bytes (* any run, ? one byte,
 * \ takes the next byte literally) that must match a whole string: the
 * function, the file path or its basename, or the module path or its
 * basename of any frame of the finding's stack. "src:", "fun:" or "obj:"
 * before the glob restricts it to file paths, function names or module
 * paths. A rule matches a finding when both its kind and its pattern do;
 * the first matching rule wins.
 */
#ifndef SHMC_CLI_SUPPRESS_H
#define SHMC_CLI_SUPPRESS_H

#include <stddef.h>

#include "findings.h"

/* Longest line a suppressions file may have, not counting its "\n" or
 * "\r\n". */
#define CLI_SUPP_LINE_MAX 4096

struct cli_supp;

/* An empty set of rules; NULL when memory runs out. Free with
 * cli_supp_free. */
struct cli_supp *cli_supp_new(void);

/* Frees the set and every rule in it; NULL is allowed. */
void cli_supp_free(struct cli_supp *s);

/* Adds the rules of the file at path to s. Returns 0, or -1 with a
 * one-line message in err ("path:line: what is wrong; expected ...", or
 * "cannot open path: <strerror>"), truncated to errlen like snprintf; err
 * is written only on failure and may be NULL when errlen is 0. A failed
 * load adds no rule: the rules loaded before it are kept as they were. */
int cli_supp_load(struct cli_supp *s, const char *path, char *err,
                  size_t errlen);

/* As cli_supp_load, for the len bytes at text (any bytes, NULs included;
 * text is not read past len), with name standing for the file in the
 * messages. */
int cli_supp_parse(struct cli_supp *s, const char *name, const char *text,
                   size_t len, char *err, size_t errlen);

/* The number of rules in s. */
size_t cli_supp_count(const struct cli_supp *s);

/* The first rule of s that matches f: its index + 1, after counting a hit
 * on it; 0 when none does. f->suppressed is left for the caller to set. */
int cli_supp_match(struct cli_supp *s, const struct cli_finding *f);

/* How many findings rule index (0-based) has matched; 0 past the end. */
unsigned long cli_supp_hits(const struct cli_supp *s, size_t index);

/* Rule index (0-based) as written, trimmed ("KIND:PATTERN"), owned by s;
 * NULL past the end. */
const char *cli_supp_rule_text(const struct cli_supp *s, size_t index);

/* Longest rule cli_supp_suggest writes. */
#define CLI_SUPP_SUGGEST_MAX 511

/* A rule that matches f, for --gen-suppressions, as Valgrind generates
 * them: "KIND:stack:P0|P1|..." with one pattern a frame from the innermost,
 * "fun:NAME" (its function), else "obj:NAME" (its module's base name),
 * else "*", down to main and at most 8 frames, as many as fit in
 * CLI_SUPP_SUGGEST_MAX bytes (the first one cut with a '*' if it alone
 * does not); glob characters and '|' escaped, control and non-ASCII bytes
 * written as ?. A finding without a stack gets a comment line saying why
 * there is no rule ("# no rule: ..."): "KIND:*" would hide every finding
 * of its kind. Writes at most len bytes including the NUL (buf may be NULL
 * when len is 0) and returns the length of the whole text, like
 * snprintf. */
size_t cli_supp_suggest(const struct cli_finding *f, char *buf, size_t len);

#endif
