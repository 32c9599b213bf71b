/*
 * test_settings.c - shmc_trace_config_parse (src/journal/settings.c):
 * the defaults of the SHMC_TRACE_OPTIONS table without any setting and
 * given explicitly; every accepted spelling and edge value; every
 * malformed value refused with exactly one warning line that names the
 * variable and keeps every default; and the exact text of each kind of
 * warning. Names, secure mode, truncation, help and random bytes:
 * test_settings_warnings.c.
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

static const char *default_of(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].def;
    fail_msg("no option %s", name);
    return NULL;
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
    char entries[NOPTS][512];
    char *env[NOPTS + 1] = {NULL};
    struct result d, r;
    (void)state;
    for (size_t i = 0; i < NOPTS; i++) {
        snprintf(entries[i], sizeof entries[i], "%s=%s", opts[i].name,
                 opts[i].def);
        env[i] = entries[i];
    }

    parse(&d, 0, NULL);
    parse(&r, 0, env);

    assert_int_equal(r.n, 0);
    assert_memory_equal(&r.cfg, &d.cfg, sizeof d.cfg);
}

/* Accepted values and what each gives: a field of the config. */
static const struct spelling {
    char *entry;
    size_t off; /* of the field in struct shmc_trace_config */
    unsigned want;
} spellings[] = {
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
    {"SHMCHECK_ON_ERROR=exit", F(on_error), SHMC_ON_ERROR_EXIT},
    {"SHMCHECK_ON_ERROR=abort", F(on_error), SHMC_ON_ERROR_ABORT},
    {"SHMCHECK_ERRORS=none", F(errors), 0},
    {"SHMCHECK_ERRORS=all", F(errors), ALL_KINDS},
    {"SHMCHECK_ERRORS=leaked_segment", F(errors), SHMC_KIND_LEAKED_SEGMENT},
    {"SHMCHECK_ERRORS=unmatched_attach", F(errors), SHMC_KIND_UNMATCHED_ATTACH},
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

static void test_accepted_spellings(void **state)
{
    static char longest[PATH_MAX + 32] = "SHMCHECK_LOG_DIR=/";
    (void)state;
    size_t at = strlen(longest);
    memset(longest + at, 'd', PATH_MAX - 2);

    for (size_t i = 0; i < NELEM(spellings); i++) {
        const struct spelling *c = &spellings[i];
        struct result r;
        unsigned got;

        parse(&r, 0, ENV(c->entry));

        memcpy(&got, (const char *)&r.cfg + c->off, sizeof got);
        if (r.n != 0 || got != c->want)
            fail_msg("%s: got %u, want %u; %s", c->entry, got, c->want, r.warn);
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
        "SHMCHECK_ON_ERROR=",
        "SHMCHECK_ON_ERROR=ABORT",
        "SHMCHECK_ON_ERROR=abort ",
        "SHMCHECK_ON_ERROR=crash",
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
         "SHMCHECK_ERRORS, SHMCHECK_EXITCODE, SHMCHECK_ON_ERROR)\n"},
        {0, "SHMCHECK_ON_ERROR=kill",
         "shmcheck: SHMCHECK_ON_ERROR='kill': unknown word; allowed: exit, "
         "abort; using exit\n"},
    };

    for (size_t i = 0; i < NELEM(c); i++) {
        struct result r;

        parse(&r, c[i].secure, ENV(c[i].entry));

        assert_int_equal(r.n, 1);
        assert_string_equal(r.warn, c[i].want);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_defaults),           T(test_defaults_parse),
        T(test_accepted_spellings), T(test_malformed_values),
        T(test_exact_warnings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
