/*
 * json.h - the streaming JSON writer the reports share (report_json.c,
 * report_sarif.c). It lays documents out like Python's
 * json.dumps(obj, indent=2): one member or element per line, indented by
 * two spaces a level, ": " after keys, "[]" and "{}" when empty, and a
 * final newline; the caller only says what comes next.
 *
 * Strings are written as UTF-8. Quote and backslash are escaped, control
 * characters (C0, DEL and C1) become \u00xx, and every maximal invalid
 * UTF-8 subpart (a stray byte, a truncated or overlong sequence, a
 * surrogate, a code point past U+10FFFF) becomes one \ufffd, the way
 * Python's bytes.decode("utf-8", "replace") reads it: argv and paths can
 * hold any bytes, the output is always valid JSON.
 *
 * Errors are sticky: once one happened (nesting deeper than
 * JSON_MAX_DEPTH, memory ran out, cli_json_fail), nothing more is written and
 * cli_json_finish returns -1. Write errors are left to the FILE and found by
 * cli_json_finish.
 */
#ifndef SHMC_CLI_JSON_H
#define SHMC_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "journal/compiler.h"

#define JSON_MAX_DEPTH 32

struct cli_json {
    FILE *out;
    unsigned depth;                      /* containers open              */
    int after_key;                       /* a key is waiting for a value */
    int failed;                          /* the sticky error (above)     */
    unsigned char empty[JSON_MAX_DEPTH]; /* container i has no member    */
    char close[JSON_MAX_DEPTH];          /* container i ends with } or ] */
    /* Set after cli_json_init, both 0 by default: */
    unsigned char flat;   /* no line breaks nor indentation, ":" alone */
    unsigned char script; /* inside an HTML <script> element: every "</"
                             of a string written "<\/", every "<!--"
                             "\u003c!--" (no byte sequence ends the
                             element, the JSON means the same)       */
};

/* Starts a document on out (nothing is written yet). */
void cli_json_init(struct cli_json *j, FILE *out);

/* Opens an object or an array as the next value; cli_json_end closes the
 * innermost one. */
void cli_json_object(struct cli_json *j);
void cli_json_array(struct cli_json *j);
void cli_json_end(struct cli_json *j);

/* The key of the next member of the innermost object; a value (or a
 * container) must follow. */
void cli_json_key(struct cli_json *j, const char *key);

/* Values. cli_json_string writes null for NULL; cli_json_stringf writes the
 * formatted text as a string. */
void cli_json_string(struct cli_json *j, const char *s);
void cli_json_stringf(struct cli_json *j, const char *fmt, ...)
    SHMC_PRINTF_LIKE(2, 3);
void cli_json_int(struct cli_json *j, int64_t v);
void cli_json_uint(struct cli_json *j, uint64_t v);
void cli_json_bool(struct cli_json *j, int v);
void cli_json_null(struct cli_json *j);
/* ns nanoseconds as a number of seconds to the microsecond, without
 * trailing zeros but one ("0.012", "3.0"), whatever the locale. */
void cli_json_seconds(struct cli_json *j, int64_t ns);

/* A key and its value in one call. */
void cli_json_key_string(struct cli_json *j, const char *key, const char *s);
void cli_json_key_stringf(struct cli_json *j, const char *key, const char *fmt,
                          ...) SHMC_PRINTF_LIKE(3, 4);
/* key and the string s escaped for a person to read first (control bytes,
 * invalid UTF-8 and the like as \n, \xHH...: shmc_textbuf_put_escaped),
 * then for JSON. */
void cli_json_key_escaped(struct cli_json *j, const char *key, const char *s);
void cli_json_key_int(struct cli_json *j, const char *key, int64_t v);
void cli_json_key_uint(struct cli_json *j, const char *key, uint64_t v);
void cli_json_key_bool(struct cli_json *j, const char *key, int v);
void cli_json_key_object(struct cli_json *j, const char *key);
void cli_json_key_array(struct cli_json *j, const char *key);

/* Marks the document failed (for a caller whose own allocation failed). */
void cli_json_fail(struct cli_json *j);

/* Ends the document: the final newline, then fflush. Returns 0, or -1 if
 * the document failed, is not closed, or the FILE has an error. */
int cli_json_finish(struct cli_json *j);

#endif
