/*
 * test_trace_config.c - shmc_trace_config_parse: the defaults of the
 * SHMC_TRACE_OPTIONS table without any setting; every accepted spelling and
 * edge value; every malformed value refused with exactly one warning line
 * that names the variable and keeps every default; unknown names warned
 * about, internal SHMCHECK__ names not; secure mode, the logdir fallback,
 * first-wins duplicates; warnings and help truncated like snprintf and never
 * past their buffer; and random bytes, which must neither crash the parser
 * nor put anything but printable one-line warnings in the buffer.
 */
#define _GNU_SOURCE /* PATH_MAX, which config.h uses */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "journal/settings.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ENV(...) ((char *[]){__VA_ARGS__, NULL})
#define GUARD 0xa5
#define ALL_KINDS 0x3fu

/* The option table as the tests see it, from the same X-macro. */
#define OPTION_ROW(name, def, help) {#name, def, help},
static const struct {
    const char *name, *def, *help;
} opts[] = {SHMC_TRACE_OPTIONS(OPTION_ROW)};
#undef OPTION_ROW

struct result {
    struct shmc_trace_config cfg;
    char warn[8192];
    int n;
};

static int parse(struct result *r, int secure, char **env)
{
    memset(r->warn, GUARD, sizeof r->warn);
    r->n =
        shmc_trace_config_parse(&r->cfg, env, secure, r->warn, sizeof r->warn);
    return r->n;
}

static int lines(const char *s)
{
    int n = 0;

    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static const char *default_of(const char *name)
{
    for (size_t i = 0; i < NELEM(opts); i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].def;
    fail_msg("no option %s", name);
    return NULL;
}

/* n bytes after a buffer still hold GUARD. */
static void assert_guard(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != GUARD)
            fail_msg("guard byte %zu overwritten", i);
}

/* One warning line about name, and cfg equal to the defaults. */
static void assert_refused(const struct result *r, const char *entry)
{
    struct result d;
    char name[64], head[80], tail[80];
    const char *def;
    size_t n = strcspn(entry, "=");
    snprintf(name, sizeof name, "%.*s", (int)n, entry);
    def = default_of(name);
    snprintf(head, sizeof head, "shmcheck: %s='", name);
    snprintf(tail, sizeof tail, "; using %s\n", *def ? def : "''");

    parse(&d, 0, NULL);

    if (r->n != 1 || lines(r->warn) != 1)
        fail_msg("%s: %d warnings: %s", entry, r->n, r->warn);
    if (strlen(r->warn) < strlen(tail) ||
        strncmp(r->warn, head, strlen(head)) != 0 ||
        strstr(r->warn, "; allowed: ") == NULL ||
        strcmp(r->warn + strlen(r->warn) - strlen(tail), tail) != 0)
        fail_msg("%s: warning %s", entry, r->warn);
    assert_memory_equal(&r->cfg, &d.cfg, sizeof d.cfg);
}

static void test_defaults(void **state)
{
    struct result null_env, empty_env, others;
    (void)state;

    parse(&null_env, 0, NULL);
    parse(&empty_env, 1, ENV(NULL));
    parse(&others, 0,
          ENV("PATH=/bin", "SHMCHECK_STACKS", "SHMCHECK_BOGUS",
              "shmcheck_stacks=full", "XSHMCHECK_STACKS=full", "SHMCHECK",
              "=SHMCHECK_STACKS=full", "SHMCHECK=1", ""));

    assert_int_equal(null_env.n, 0);
    assert_string_equal(null_env.warn, "");
    assert_string_equal(null_env.cfg.log_dir, "");
    assert_int_equal(null_env.cfg.report, SHMC_REPORT_STDERR);
    assert_int_equal(null_env.cfg.stacks, SHMC_STACKS_FAST);
    assert_int_equal(null_env.cfg.stack_depth, 8);
    assert_int_equal(null_env.cfg.errors,
                     SHMC_KIND_LEAKED_SEGMENT | SHMC_KIND_INVALID_DETACH);
    assert_int_equal(null_env.cfg.exitcode, 23);
    assert_int_equal(empty_env.n, 0);
    assert_int_equal(others.n, 0);
    assert_string_equal(others.warn, "");
    assert_memory_equal(&empty_env.cfg, &null_env.cfg, sizeof null_env.cfg);
    assert_memory_equal(&others.cfg, &null_env.cfg, sizeof null_env.cfg);
}

/* Each default, given explicitly, is accepted and changes nothing. */
static void test_defaults_parse(void **state)
{
    char entries[NELEM(opts)][512];
    char *env[NELEM(opts) + 1] = {NULL};
    struct result d, r;
    (void)state;
    for (size_t i = 0; i < NELEM(opts); i++) {
        snprintf(entries[i], sizeof entries[i], "%s=%s", opts[i].name,
                 opts[i].def);
        env[i] = entries[i];
    }

    parse(&d, 0, NULL);
    parse(&r, 0, env);

    assert_int_equal(r.n, 0);
    assert_memory_equal(&r.cfg, &d.cfg, sizeof d.cfg);
}

static void test_accepted_spellings(void **state)
{
    static char longest[PATH_MAX + 32] = "SHMCHECK_LOG_DIR=/";
    (void)state;
    size_t at = strlen(longest);
    memset(longest + at, 'd', PATH_MAX - 2);
    const struct {
        char *entry;
        size_t off; /* of the field in struct shmc_trace_config */
        unsigned want;
    } c[] = {
#define F(field) offsetof(struct shmc_trace_config, field)
        {"SHMCHECK_REPORT=stderr", F(report), SHMC_REPORT_STDERR},
        {"SHMCHECK_REPORT=none", F(report), SHMC_REPORT_NONE},
        {"SHMCHECK_STACKS=off", F(stacks), SHMC_STACKS_OFF},
        {"SHMCHECK_STACKS=0", F(stacks), SHMC_STACKS_OFF},
        {"SHMCHECK_STACKS=no", F(stacks), SHMC_STACKS_OFF},
        {"SHMCHECK_STACKS=false", F(stacks), SHMC_STACKS_OFF},
        {"SHMCHECK_STACKS=fast", F(stacks), SHMC_STACKS_FAST},
        {"SHMCHECK_STACKS=on", F(stacks), SHMC_STACKS_FAST},
        {"SHMCHECK_STACKS=1", F(stacks), SHMC_STACKS_FAST},
        {"SHMCHECK_STACKS=yes", F(stacks), SHMC_STACKS_FAST},
        {"SHMCHECK_STACKS=true", F(stacks), SHMC_STACKS_FAST},
        {"SHMCHECK_STACKS=full", F(stacks), SHMC_STACKS_FULL},
        {"SHMCHECK_STACK_DEPTH=1", F(stack_depth), 1},
        {"SHMCHECK_STACK_DEPTH=32", F(stack_depth), 32},
        {"SHMCHECK_STACK_DEPTH=016", F(stack_depth), 16},
        {"SHMCHECK_STACK_DEPTH=0000000000000000000000032", F(stack_depth), 32},
        {"SHMCHECK_EXITCODE=0", F(exitcode), 0},
        {"SHMCHECK_EXITCODE=255", F(exitcode), 255},
        {"SHMCHECK_EXITCODE=1", F(exitcode), 1},
        {"SHMCHECK_ERRORS=none", F(errors), 0},
        {"SHMCHECK_ERRORS=all", F(errors), ALL_KINDS},
        {"SHMCHECK_ERRORS=leaked_segment", F(errors), SHMC_KIND_LEAKED_SEGMENT},
        {"SHMCHECK_ERRORS=unmatched_attach", F(errors),
         SHMC_KIND_UNMATCHED_ATTACH},
        {"SHMCHECK_ERRORS=inherited_unmatched", F(errors),
         SHMC_KIND_INHERITED_UNMATCHED},
        {"SHMCHECK_ERRORS=invalid_detach", F(errors), SHMC_KIND_INVALID_DETACH},
        {"SHMCHECK_ERRORS=failed_call", F(errors), SHMC_KIND_FAILED_CALL},
        {"SHMCHECK_ERRORS=lint,failed_call,lint", F(errors),
         SHMC_KIND_LINT | SHMC_KIND_FAILED_CALL},
        {"SHMCHECK_ERRORS=none,lint", F(errors), SHMC_KIND_LINT},
        {"SHMCHECK_ERRORS=lint,all", F(errors), ALL_KINDS},
#undef F
    };

    for (size_t i = 0; i < NELEM(c); i++) {
        struct result r;
        unsigned got;

        parse(&r, 0, ENV(c[i].entry));

        memcpy(&got, (const char *)&r.cfg + c[i].off, sizeof got);
        if (r.n != 0 || got != c[i].want)
            fail_msg("%s: got %u, want %u; %s", c[i].entry, got, c[i].want,
                     r.warn);
    }
    const char *dirs[] = {"/", "/tmp/j", "/a=b c", "", longest + at - 1};
    for (size_t i = 0; i < NELEM(dirs); i++) {
        struct result r;
        char entry[PATH_MAX + 32];
        snprintf(entry, sizeof entry, "SHMCHECK_LOG_DIR=%s", dirs[i]);

        parse(&r, 0, ENV(entry, "SHMCHECK_REPORT=logdir"));

        assert_int_equal(r.n, dirs[i][0] != '\0' ? 0 : 1);
        assert_string_equal(r.cfg.log_dir, dirs[i]);
        assert_int_equal(r.cfg.report, dirs[i][0] != '\0' ? SHMC_REPORT_LOGDIR
                                                          : SHMC_REPORT_STDERR);
    }
    assert_int_equal(strlen(longest + at - 1), PATH_MAX - 1);
}

static void test_malformed_values(void **state)
{
    static char too_long[PATH_MAX + 32] = "SHMCHECK_LOG_DIR=/";
    (void)state;
    memset(too_long + strlen(too_long), 'd', PATH_MAX - 1);
    char *const c[] = {
        "SHMCHECK_LOG_DIR=tmp/j",
        "SHMCHECK_LOG_DIR=./j",
        "SHMCHECK_LOG_DIR= /tmp",
        too_long,
        "SHMCHECK_REPORT=",
        "SHMCHECK_REPORT=STDERR",
        "SHMCHECK_REPORT=stderr ",
        "SHMCHECK_REPORT=file",
        "SHMCHECK_STACKS=",
        "SHMCHECK_STACKS=2",
        "SHMCHECK_STACKS=Full",
        "SHMCHECK_STACKS=full,fast",
        "SHMCHECK_STACK_DEPTH=",
        "SHMCHECK_STACK_DEPTH=0",
        "SHMCHECK_STACK_DEPTH=33",
        "SHMCHECK_STACK_DEPTH=+8",
        "SHMCHECK_STACK_DEPTH=-1",
        "SHMCHECK_STACK_DEPTH= 8",
        "SHMCHECK_STACK_DEPTH=8 ",
        "SHMCHECK_STACK_DEPTH=0x8",
        "SHMCHECK_STACK_DEPTH=4294967304",
        "SHMCHECK_STACK_DEPTH=8.0",
        "SHMCHECK_STACK_DEPTH=99999999999999999999999999999",
        "SHMCHECK_ERRORS=",
        "SHMCHECK_ERRORS=lint,",
        "SHMCHECK_ERRORS=,lint",
        "SHMCHECK_ERRORS=lint,,failed_call",
        "SHMCHECK_ERRORS=lint, failed_call",
        "SHMCHECK_ERRORS=LINT",
        "SHMCHECK_ERRORS=lint,bogus",
        "SHMCHECK_ERRORS=all,nothing",
        "SHMCHECK_ERRORS=,",
        "SHMCHECK_EXITCODE=",
        "SHMCHECK_EXITCODE=256",
        "SHMCHECK_EXITCODE=-1",
        "SHMCHECK_EXITCODE=1e2",
        "SHMCHECK_EXITCODE=18446744073709551639",
        "SHMCHECK_EXITCODE=0x17",
    };

    for (size_t i = 0; i < NELEM(c); i++) {
        struct result r;

        parse(&r, 0, ENV(c[i]));

        assert_refused(&r, c[i]);
    }
}

static void test_exact_warnings(void **state)
{
    (void)state;
    const struct {
        int secure;
        char *entry, *want;
    } c[] = {
        {0, "SHMCHECK_STACK_DEPTH=33",
         "shmcheck: SHMCHECK_STACK_DEPTH='33': out of range; allowed: "
         "decimal 1..32; using 8\n"},
        {0, "SHMCHECK_EXITCODE=x",
         "shmcheck: SHMCHECK_EXITCODE='x': not a decimal number; allowed: "
         "decimal 0..255; using 23\n"},
        {0, "SHMCHECK_ERRORS=lint,,lint",
         "shmcheck: SHMCHECK_ERRORS='lint,,lint': empty kind name; allowed: "
         "a comma list (no blanks) of leaked_segment, unmatched_attach, "
         "inherited_unmatched, invalid_detach, failed_call, lint, all, none; "
         "using leaked_segment,invalid_detach\n"},
        {0, "SHMCHECK_REPORT=file",
         "shmcheck: SHMCHECK_REPORT='file': unknown word; allowed: stderr, "
         "logdir, none; using stderr\n"},
        {0, "SHMCHECK_ERRORS=lint,bogus",
         "shmcheck: SHMCHECK_ERRORS='lint,bogus': unknown kind 'bogus'; "
         "allowed: a comma list (no blanks) of leaked_segment, "
         "unmatched_attach, inherited_unmatched, invalid_detach, "
         "failed_call, lint, all, none; using leaked_segment,invalid_detach\n"},
        {0, "SHMCHECK_LOG_DIR=j",
         "shmcheck: SHMCHECK_LOG_DIR='j': not an absolute path; allowed: an "
         "absolute path shorter than PATH_MAX, or empty (no journal); "
         "using ''\n"},
        {1, "SHMCHECK_LOG_DIR=/tmp/j",
         "shmcheck: SHMCHECK_LOG_DIR='/tmp/j': ignored in secure (setuid) "
         "execution; using ''\n"},
        {0, "SHMCHECK_REPORT=logdir",
         "shmcheck: SHMCHECK_REPORT='logdir': no usable SHMCHECK_LOG_DIR; "
         "using stderr\n"},
        {0, "SHMCHECK_FOO=1",
         "shmcheck: unknown setting SHMCHECK_FOO (known: SHMCHECK_LOG_DIR, "
         "SHMCHECK_REPORT, SHMCHECK_STACKS, SHMCHECK_STACK_DEPTH, "
         "SHMCHECK_ERRORS, SHMCHECK_EXITCODE)\n"},
    };

    for (size_t i = 0; i < NELEM(c); i++) {
        struct result r;

        parse(&r, c[i].secure, ENV(c[i].entry));

        assert_int_equal(r.n, 1);
        assert_string_equal(r.warn, c[i].want);
    }
}

static void test_unknown_and_internal_names(void **state)
{
    struct result unknown, internal, d;
    (void)state;

    parse(&d, 0, NULL);
    parse(&unknown, 0,
          ENV("SHMCHECK_=1", "SHMCHECK_STACKS_=full", "SHMCHECK_stacks=full",
              "SHMCHECK_LOGDIR=/tmp", "SHMCHECK_FOO="));
    parse(&internal, 0,
          ENV("SHMCHECK__RUN=42", "SHMCHECK__=", "SHMCHECK___X=\x01\xff",
              "SHMCHECK__STACKS=bogus"));

    assert_int_equal(unknown.n, 5);
    assert_int_equal(lines(unknown.warn), 5);
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_ ("));
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_stacks "));
    assert_non_null(strstr(unknown.warn, "unknown setting SHMCHECK_FOO "));
    for (size_t i = 0; i < NELEM(opts); i++)
        assert_non_null(strstr(unknown.warn, opts[i].name));
    assert_memory_equal(&unknown.cfg, &d.cfg, sizeof d.cfg);
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
    assert_int_equal(lines(buf), NELEM(opts));
    for (size_t i = 0; i < NELEM(opts); i++) {
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
        "SHMCHECK_LOG_DIR",     "SHMCHECK_REPORT", "SHMCHECK_STACKS",
        "SHMCHECK_STACK_DEPTH", "SHMCHECK_ERRORS", "SHMCHECK_EXITCODE",
        "SHMCHECK__X",          "SHMCHECK_Z",      "PATH"};
    static const char *const bits[] = {
        "full",   "off",    "1",    "lint",        "all", "none",
        "logdir", "stderr", "/tmp", "8",           "32",  "255",
        ",",      "0x",     "-",    "failed_call", "="};
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_defaults_parse),
        cmocka_unit_test(test_accepted_spellings),
        cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_exact_warnings),
        cmocka_unit_test(test_unknown_and_internal_names),
        cmocka_unit_test(test_secure_ignores_log_dir),
        cmocka_unit_test(test_logdir_fallback),
        cmocka_unit_test(test_first_wins),
        cmocka_unit_test(test_values_escaped_and_cut),
        cmocka_unit_test(test_warn_truncated),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_random_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
