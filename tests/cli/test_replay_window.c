/*
 * test_replay_window.c - journals larger than the window the CLI maps at
 * a time (src/cli/jwindow.c, CLI_JWINDOW): what was recorded in an
 * earlier window is still right when a finding is made of it later
 * (copied, not pointed to); records are read across windows as the
 * reader reads them over the whole file (uncommitted runs longer than a
 * window, damage past the first window at its exact offset); and the
 * journal is not kept resident.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "fixtures.h"
#include "jwindow.h"

static const char big[SHMC_JMAX_RECORD - SHMC_JREC_HEADER] = "/tmp/x";

/* Records that change nothing (a successful ftok with a payload of plen
 * bytes), committed or not, up to at least `upto` bytes of journal: one
 * made, then copied (jf_add's realloc of each record would copy the
 * whole journal each time under ASan). */
static void fill(struct jfile *j, size_t upto, unsigned plen, int commit)
{
    struct jfile one;
    size_t h = sizeof(struct shmc_jheader), rec, n;

    jf_start(&one, 0, 0);
    jf_add(&one, REC(.type = SHMC_J_FTOK, .result = 0x1234, .a = {1},
                     .payload = big, .plen = plen));
    ((struct shmc_jrec *)(void *)(one.buf + h))->commit =
        commit ? SHMC_JCOMMIT : 0;
    rec = one.len - h;
    n = upto > j->len ? (upto - j->len + rec - 1) / rec : 0;
    j->buf = realloc(j->buf, j->len + n * rec);
    assert_non_null(j->buf);
    for (size_t i = 0; i < n; i++)
        memcpy(j->buf + j->len + i * rec, one.buf + h, rec);
    j->len += n * rec;
    free(one.buf);
}

/* Committed records as large as a record can be, up to `upto` bytes. */
static void filler(struct jfile *j, size_t upto)
{
    fill(j, upto, sizeof big, 1);
}

/* The record last added, to set what jf_add does not. */
static struct shmc_jrec *last_rec(struct jfile *j, size_t at)
{
    return (struct shmc_jrec *)(void *)(j->buf + at);
}

/* An attach in the first window, left attached at the end of a journal
 * three windows long: its unmatched attach has the attach's time and
 * stack, placed in the module the journal's first window named. */
static void test_attach_first_window(void **state)
{
    struct analysis_fx *fx = *state;
    static const char prog[] = "/opt/app/bin/prog";
    const uint64_t pcs[] = {0x555000001234, 0x555000000100};
    struct jfile j;
    size_t at;

    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_MODULE,
                   .a = {0x555000000000, 0x555000000000, 0x555000010000},
                   .payload = prog, .plen = sizeof prog));
    at = j.len;
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7f0000000000,
                   .a = {42, 0, 0}, .nframes = 2, .frames = pcs));
    last_rec(&j, at)->time_ns = 123456789;
    filler(&j, 3 * CLI_JWINDOW + 100);
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
    jf_save(&j, fx->dir, "100.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "unmatched pid=100 shmid=42 addr=0x7f0000000000 "
                        "end=exit\n");
    const struct cli_finding *f = &fx->run.findings[0];
    assert_int_equal(f->when, 123456789);
    assert_int_equal(f->stack.n, 2);
    assert_int_equal(f->stack.f[0].pc, 0x555000001234);
    assert_string_equal(f->stack.f[0].module, prog);
    assert_int_equal(f->stack.f[0].offset, 0x1234);
    assert_int_equal(f->stack.f[1].offset, 0x100);
    assert_int_equal(fx->run.nwarnings, 0);
}

/* More than a window of records never committed (a process that died in
 * its calls would leave one, not this many: the reader's rule all the
 * same), then a committed attach: read, as over the whole file. */
static void test_uncommitted_run(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;

    jf_start(&j, 100, 1);
    fill(&j, CLI_JWINDOW + 3 * SHMC_JMAX_RECORD, 1000, 0);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}));
    jf_save(&j, fx->dir, "100.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "unmatched pid=100 shmid=5 addr=0x10000 end=exit\n");
    assert_int_equal(fx->run.nwarnings, 0);
}

/* Damage in the second window: reported at its byte in the file, the
 * records before it used. */
static void test_damage_far(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    char want[256];
    size_t at;

    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}));
    filler(&j, CLI_JWINDOW + 5000);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {6}));
    at = j.len;
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x10000}));
    last_rec(&j, at)->size = 12; /* not a multiple of 8 */
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x20000}));
    jf_save(&j, fx->dir, "100.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        /* the same stack: one finding, twice */
                        "unmatched pid=100 shmid=5 addr=0x10000 end=exit "
                        "x2 pids=100\n");
    assert_int_equal(fx->run.nwarnings, 1);
    snprintf(want, sizeof want,
             "%s/100.0.shmj: damaged at byte %zu: read up to the last whole "
             "record",
             fx->dir, at);
    assert_string_equal(fx->run.warnings[0], want);
}

/* The peak of the process's resident memory, in kB (VmHWM). */
static long peak_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "re");

    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Reading a 64 MB journal does not make the CLI 64 MB larger: what was
 * read is unmapped as the window moves on. */
static void test_not_resident(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    FILE *f;
    long before;

    jf_start(&j, 100, 1);
    filler(&j, (size_t)64 << 20);
    jf_save(&j, fx->dir, "100.0.shmj");
    /* The peak from now on ("5": reset the peak resident size). */
    f = fopen("/proc/self/clear_refs", "we");
    if (f == NULL || fputs("5", f) < 0 || fclose(f) != 0)
        skip();
    before = peak_kb();
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text, "");
    assert_in_range(peak_kb() - before, 0, 16 * 1024);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_attach_first_window),
        T(test_uncommitted_run),
        T(test_damage_far),
        T(test_not_resident),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
