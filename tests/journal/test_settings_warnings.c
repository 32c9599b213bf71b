/*
 * test_settings_warnings.c - shmc_trace_config_parse and
 * shmc_trace_config_help (src/journal/settings.c) beyond single values:
 * unknown names warned about, internal SHMCHECK__ names not; secure mode,
 * the logdir fallback, first-wins duplicates; values escaped and cut in
 * warnings; warnings and help truncated like snprintf and never past
 * their buffer; and random bytes, which must neither crash the parser nor
 * put anything but printable one-line warnings in the buffer.
 */
#define _GNU_SOURCE /* PATH_MAX, which settings.h uses */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fixtures.h"

/* Unknown names warn (near misses of known ones too); the CLI's own
 * settings and the CLI's internal SHMCHECK__* names do not. */
static void test_unknown_and_internal_names(void **state)
{
    struct result unknown, internal, cli, d;
    (void)state;

    parse(&d, 0, NULL);
    parse(&unknown, 0,
          ENV("SHMCHECK_=1", "SHMCHECK_STACKS_=full", "SHMCHECK_stacks=full",
              "SHMCHECK_LOGDIR=/tmp",
              "SHMCHECK_FOO=", "SHMCHECK_DEBUG_DIR_=x"));
    /* The CLI's own settings pass through the tree without a word. */
    parse(&cli, 0,
          ENV("SHMCHECK_DEBUG_DIR=/usr/lib/debug",
              "SHMCHECK_TRACE_LIB=/x/libshmcheck-trace.so",
              "SHMCHECK_DEBUG_DIR="));
    parse(&internal, 0,
          ENV("SHMCHECK__RUN=42", "SHMCHECK__=", "SHMCHECK___X=\x01\xff",
              "SHMCHECK__STACKS=bogus"));

    assert_int_equal(unknown.n, 6);
    assert_int_equal(lines(unknown.warn), 6);
    assert_non_null(
        strstr(unknown.warn, "unknown setting SHMCHECK_DEBUG_DIR_ "));
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_ ("));
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_stacks "));
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_FOO "));
    for (size_t i = 0; i < NOPTS; i++)
        assert_non_null(strstr(unknown.warn, opts[i].name));
    assert_memory_equal(&unknown.cfg, &d.cfg, sizeof d.cfg);
    assert_int_equal(cli.n, 0);
    assert_string_equal(cli.warn, "");
    assert_memory_equal(&cli.cfg, &d.cfg, sizeof d.cfg);
    assert_int_equal(internal.n, 0);
    assert_string_equal(internal.warn, "");
    assert_memory_equal(&internal.cfg, &d.cfg, sizeof d.cfg);
}

static void test_secure_ignores_log_dir(void **state)
{
    struct result abs, rel, empty, plain;
    (void)state;

    parse(&abs, 1, ENV("SHMCHECK_LOG_DIR=/tmp/j", "SHMCHECK_STACKS=full"));
    parse(&rel, 1, ENV("SHMCHECK_LOG_DIR=rel"));
    parse(&empty, 1, ENV("SHMCHECK_LOG_DIR="));
    parse(&plain, 0, ENV("SHMCHECK_LOG_DIR=/tmp/j"));

    assert_int_equal(abs.n, 1);
    assert_non_null(strstr(abs.warn, "SHMCHECK_LOG_DIR='/tmp/j': ignored in "
                                     "secure (setuid) execution"));
    assert_string_equal(abs.cfg.log_dir, "");
    assert_int_equal(abs.cfg.stacks, SHMC_STACKS_FULL);
    assert_int_equal(rel.n, 1);
    assert_non_null(strstr(rel.warn, "ignored in secure"));
    assert_int_equal(empty.n, 0);
    assert_int_equal(plain.n, 0);
    assert_string_equal(plain.cfg.log_dir, "/tmp/j");
}

/* REPORT=logdir needs a usable LOG_DIR, in whichever order they come. */
static void test_logdir_fallback(void **state)
{
    struct result alone, before, after, bad_dir, secure;
    (void)state;

    parse(&alone, 0, ENV("SHMCHECK_REPORT=logdir"));
    parse(&before, 0, ENV("SHMCHECK_REPORT=logdir", "SHMCHECK_LOG_DIR=/j"));
    parse(&after, 0, ENV("SHMCHECK_LOG_DIR=/j", "SHMCHECK_REPORT=logdir"));
    parse(&bad_dir, 0, ENV("SHMCHECK_REPORT=logdir", "SHMCHECK_LOG_DIR=j"));
    parse(&secure, 1, ENV("SHMCHECK_REPORT=logdir", "SHMCHECK_LOG_DIR=/j"));

    assert_int_equal(alone.n, 1);
    assert_int_equal(alone.cfg.report, SHMC_REPORT_STDERR);
    assert_non_null(strstr(alone.warn, "SHMCHECK_REPORT='logdir'"));
    assert_int_equal(before.n, 0);
    assert_int_equal(before.cfg.report, SHMC_REPORT_LOGDIR);
    assert_int_equal(after.n, 0);
    assert_int_equal(after.cfg.report, SHMC_REPORT_LOGDIR);
    assert_int_equal(bad_dir.n, 2);
    assert_int_equal(lines(bad_dir.warn), 2);
    assert_int_equal(bad_dir.cfg.report, SHMC_REPORT_STDERR);
    assert_int_equal(secure.n, 2);
    assert_int_equal(secure.cfg.report, SHMC_REPORT_STDERR);
}

/* The first entry of a name wins, as with getenv; later ones are not even
 * looked at. */
static void test_first_wins(void **state)
{
    struct result valid_first, bad_first, bad_later;
    (void)state;

    parse(&valid_first, 0, ENV("SHMCHECK_STACKS=full", "SHMCHECK_STACKS=off"));
    parse(&bad_first, 0, ENV("SHMCHECK_STACKS=bad", "SHMCHECK_STACKS=full"));
    parse(&bad_later, 0, ENV("SHMCHECK_EXITCODE=7", "SHMCHECK_EXITCODE=bad"));

    assert_int_equal(valid_first.n, 0);
    assert_int_equal(valid_first.cfg.stacks, SHMC_STACKS_FULL);
    assert_int_equal(bad_first.n, 1);
    assert_int_equal(bad_first.cfg.stacks, SHMC_STACKS_FAST);
    assert_int_equal(bad_later.n, 0);
    assert_int_equal(bad_later.cfg.exitcode, 7);
}

static void test_values_escaped_and_cut(void **state)
{
    char long_value[128] = "SHMCHECK_REPORT=", want[128] = "='";
    memset(long_value + strlen(long_value), 'a', 100);
    memset(want + 2, 'a', 64);
    strcat(want, "...': unknown word");
    struct result bytes, cut, esc_cut, name, word;
    (void)state;

    parse(&bytes, 0, ENV("SHMCHECK_STACKS=\x01\x7f\xff'\\\tok\n"));
    parse(&cut, 0, ENV(long_value));
    parse(&esc_cut, 0,
          ENV("SHMCHECK_STACKS=\x01\x01\x01\x01\x01\x01\x01\x01"
              "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"));
    parse(&name, 0, ENV("SHMCHECK_\x1b[31m\n=1"));
    parse(&word, 0,
          ENV("SHMCHECK_ERRORS=lint,b\x02"
              "d"));

    assert_non_null(strstr(bytes.warn, "SHMCHECK_STACKS='\\x01\\x7f\\xff\\x27"
                                       "\\x5c\\x09ok\\x0a': unknown word"));
    assert_non_null(strstr(cut.warn, want));
    assert_non_null(strstr(esc_cut.warn, "\\x01\\x01...': "));
    assert_null(strstr(esc_cut.warn, "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"
                                     "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"
                                     "\\x01"));
    assert_non_null(strstr(name.warn, "setting SHMCHECK_\\x1b[31m\\x0a ("));
    assert_non_null(strstr(word.warn, "unknown kind 'b\\x02d'"));
    assert_int_equal(lines(bytes.warn) + lines(name.warn), 2);
}

/* Three warnings into buffers of every interesting size, then guards. */
static void test_warn_truncated(void **state)
{
    char *env[] = {"SHMCHECK_FOO=1", "SHMCHECK_STACKS=2",
                   "SHMCHECK_EXITCODE=", NULL};
    struct result full;
    struct shmc_trace_config cfg;
    (void)state;
    parse(&full, 0, env);
    size_t len = strlen(full.warn);
    const size_t sizes[] = {0, 1, 2, 10, len - 1, len, len + 1};
    assert_int_equal(full.n, 3);

    assert_int_equal(shmc_trace_config_parse(&cfg, env, 0, NULL, 0), 3);
    for (size_t i = 0; i < NELEM(sizes); i++) {
        char buf[1024];
        size_t keep = sizes[i] > 0 ? sizes[i] - 1 : 0;
        memset(buf, GUARD, sizeof buf);

        int n = shmc_trace_config_parse(&cfg, env, 0, buf, sizes[i]);

        assert_int_equal(n, 3);
        assert_guard(buf + sizes[i], sizeof buf - sizes[i]);
        if (sizes[i] > 0) {
            assert_int_equal(strlen(buf), keep < len ? keep : len);
            assert_memory_equal(buf, full.warn, strlen(buf));
        }
    }
}

static void test_help(void **state)
{
    char buf[4096], line[1024];
    size_t need, got;
    (void)state;

    need = shmc_trace_config_help(NULL, 0);
    got = shmc_trace_config_help(buf, sizeof buf);

    assert_true(need < sizeof buf);
    assert_int_equal(got, need);
    assert_int_equal(strlen(buf), need);
    assert_int_equal(lines(buf), NOPTS);
    for (size_t i = 0; i < NOPTS; i++) {
        snprintf(line, sizeof line, "%s=%s  %s\n", opts[i].name, opts[i].def,
                 opts[i].help);
        assert_non_null(strstr(buf, line));
    }
    const size_t sizes[] = {1, 10, need, need + 1};
    for (size_t i = 0; i < NELEM(sizes); i++) {
        char small[4096 + 16];
        memset(small, GUARD, sizeof small);
        assert_int_equal(shmc_trace_config_help(small, sizes[i]), need);
        assert_int_equal(strlen(small),
                         sizes[i] - 1 < need ? sizes[i] - 1 : need);
        assert_memory_equal(small, buf, strlen(small));
        assert_guard(small + sizes[i], 16);
    }
}

/* --- random bytes ------------------------------------------------------ */

static uint64_t next(uint64_t *s) /* xorshift64 */
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A random prefix of a name that matters, maybe '=', then a random mix of
 * real words and arbitrary bytes (never NUL), sometimes very long. */
static void random_entry(uint64_t *s, char *e, size_t cap)
{
    static const char *const names[] = {
        "SHMCHECK_LOG_DIR",  "SHMCHECK_REPORT",
        "SHMCHECK_STACKS",   "SHMCHECK_STACK_DEPTH",
        "SHMCHECK_ERRORS",   "SHMCHECK_EXITCODE",
        "SHMCHECK_ON_ERROR", "SHMCHECK__X",
        "SHMCHECK_Z",        "PATH"};
    static const char *const bits[] = {
        "full",   "off",         "1", "lint",  "all", "none", "logdir",
        "stderr", "/tmp",        "8", "32",    "255", ",",    "0x",
        "-",      "failed_call", "=", "abort", "exit"};
    const char *name = names[next(s) % NELEM(names)];
    size_t n = strlen(name), cut = next(s) % 4 ? n : next(s) % (n + 1);
    size_t want = next(s) % 64 ? next(s) % 96 : next(s) % (cap - n - 2);

    memcpy(e, name, cut);
    if (next(s) % 8)
        e[cut++] = '=';
    while (cut < want + n) {
        const char *b = bits[next(s) % NELEM(bits)];
        if (next(s) % 2 && cut + strlen(b) < cap - 1) {
            memcpy(e + cut, b, strlen(b));
            cut += strlen(b);
        } else {
            e[cut++] = (char)(1 + next(s) % 255);
        }
    }
    e[cut] = '\0';
}

static void assert_sane(const struct shmc_trace_config *c)
{
    assert_true(memchr(c->log_dir, '\0', sizeof c->log_dir) != NULL);
    assert_true(c->log_dir[0] == '\0' || c->log_dir[0] == '/');
    assert_in_range(c->report, SHMC_REPORT_STDERR, SHMC_REPORT_NONE);
    assert_true(c->report != SHMC_REPORT_LOGDIR || c->log_dir[0] != '\0');
    assert_in_range(c->stacks, SHMC_STACKS_OFF, SHMC_STACKS_FULL);
    assert_in_range(c->stack_depth, 1, 32);
    assert_int_equal(c->errors & ~ALL_KINDS, 0);
    assert_in_range(c->exitcode, 0, 255);
}

/* 100000 random entries in groups of 1..16: every warning is one printable
 * line; a small buffer gets a NUL-terminated prefix of the same text and
 * nothing past its end. */
static void test_random_bytes(void **state)
{
    static char entries[16][PATH_MAX + 128];
    static struct result big;
    uint64_t seed = 0x5eedc0ffee123457u;
    (void)state;

    for (size_t done = 0; done < 100000;) {
        char *env[17] = {NULL}, small[300 + 16];
        size_t k = 1 + next(&seed) % 16, wlen = next(&seed) % 300;
        int secure = next(&seed) % 4 == 0;
        struct shmc_trace_config cfg;
        for (size_t i = 0; i < k; i++, done++) {
            random_entry(&seed, entries[i], sizeof entries[i]);
            env[i] = entries[i];
        }
        memset(small, GUARD, sizeof small);

        parse(&big, secure, env);
        int n = shmc_trace_config_parse(&cfg, env, secure, small, wlen);

        assert_int_equal(n, big.n);
        assert_int_equal(lines(big.warn), big.n);
        for (const char *p = big.warn; *p != '\0'; p++)
            assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\n');
        assert_sane(&big.cfg);
        assert_memory_equal(&cfg, &big.cfg, sizeof cfg);
        assert_guard(small + wlen, sizeof small - wlen);
        if (wlen > 0) {
            size_t len = strnlen(small, wlen);
            assert_true(len < wlen);
            assert_memory_equal(small, big.warn, len);
        }
    }
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_unknown_and_internal_names),
        T(test_secure_ignores_log_dir),
        T(test_logdir_fallback),
        T(test_first_wins),
        T(test_values_escaped_and_cut),
        T(test_warn_truncated),
        T(test_help),
        T(test_random_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
