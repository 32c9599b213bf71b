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
 * JSON_MAX_DEPTH, memory ran out, json_fail), nothing more is written and
 * json_finish returns -1. Write errors are left to the FILE and found by
 * json_finish.
 */
#ifndef SHMC_CLI_JSON_H
#define SHMC_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
    FILE *out;
    unsigned depth;                      /* containers open              */
    int after_key;                       /* a key is waiting for a value */
    int failed;                          /* the sticky error (above)     */
    unsigned char empty[JSON_MAX_DEPTH]; /* container i has no member    */
    char close[JSON_MAX_DEPTH];          /* container i ends with } or ] */
};

/* Starts a document on out (nothing is written yet). */
void json_init(struct json *j, FILE *out);

/* Opens an object or an array as the next value; json_end closes the
 * innermost one. */
void json_object(struct json *j);
void json_array(struct json *j);
void json_end(struct json *j);

/* The key of the next member of the innermost object; a value (or a
 * container) must follow. */
void json_key(struct json *j, const char *key);

/* Values. json_string writes null for NULL; json_stringf writes the
 * formatted text as a string. */
void json_string(struct json *j, const char *s);
void json_stringf(struct json *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);

/* A key and its value in one call. */
void json_key_string(struct json *j, const char *key, const char *s);
void json_key_stringf(struct json *j, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void json_key_int(struct json *j, const char *key, int64_t v);
void json_key_uint(struct json *j, const char *key, uint64_t v);
void json_key_bool(struct json *j, const char *key, int v);
void json_key_object(struct json *j, const char *key);
void json_key_array(struct json *j, const char *key);

/* Marks the document failed (for a caller whose own allocation failed). */
void json_fail(struct json *j);

/* Ends the document: the final newline, then fflush. Returns 0, or -1 if
 * the document failed, is not closed, or the FILE has an error. */
int json_finish(struct json *j);

#endif
