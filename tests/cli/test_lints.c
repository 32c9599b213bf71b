/*
 * test_lints.c - the calls the analysis reports (src/cli/lints.c, through
 * cli_analyze on journals written by hand): failed calls of every kind
 * with the validator's explanation, invalid detaches, and every lint rule,
 * with the messages of the rules the call decides alone.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"
#include "shmcheck.h"

static const struct cli_finding *find(const struct cli_run *run,
                                      const char *line)
{
    char d[256];

    for (size_t i = 0; i < run->nfindings; i++) {
        describe_finding(&run->findings[i], d, sizeof d);
        if (strcmp(d, line) == 0)
            return &run->findings[i];
    }
    fail_msg("no finding '%s'", line);
    return NULL;
}

/* The journals of test_failed_calls: a refused call of each kind. */
static void write_failed_calls(const char *dir)
{
    struct jfile j;

    jf_start(&j, 99, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .err = EINVAL, .result = -1,
                   .a = {IPC_PRIVATE, 0, IPC_CREAT | 0600, 0}));
    jf_save(&j, dir, "99.0.shmj");
    jf_start(&j, 100, 1);
    jf_argv(&j, 1, ARGV("/bin/prog", "prog", "a"));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .err = EEXIST, .result = -1,
                   .a = {0x1234, 4096, IPC_CREAT | IPC_EXCL | 0600, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .err = EINVAL, .result = -1,
                   .a = {7, 0, 0, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .err = EINVAL, .result = -1,
                   .a = {8, 99, 0}));
    jf_add(&j, REC(.type = SHMC_J_FTOK, .result = 0x1234, .a = {1},
                   .payload = "/", .plen = 2));
    /* three shmdt calls, each at its own place: three findings */
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x1000, -1, 0}, AT(1)));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x2000, 9, 0}, AT(2)));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x3000, 9, 1}, AT(3)));
    jf_save(&j, dir, "100.0.shmj");
    jf_start(&j, 101, 100);
    jf_add(&j, REC(.type = SHMC_J_FTOK, .err = ENOENT, .result = -1, .a = {0},
                   .payload = "/x", .plen = 3));
    jf_save(&j, dir, "101.0.shmj");
}

/* Every refused call is a failed_call with its arguments, and the
 * validator's reason when the arguments were wrong; shmdt's are invalid
 * detaches, double or not; a successful ftok is nothing. */
static void test_failed_calls(void **state)
{
    struct analysis_fx *fx = *state;

    write_failed_calls(fx->dir);

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, "detach pid=100 shmid=-1 addr=0x1000 err=22\n"
                                  "detach pid=100 shmid=9 addr=0x2000 err=22\n"
                                  "detach pid=100 shmid=9 addr=0x3000 err=22\n"
                                  "failed pid=99 shmget shmid=-1 err=22\n"
                                  "failed pid=100 shmget shmid=-1 err=17\n"
                                  "failed pid=100 shmat shmid=7 err=22\n"
                                  "failed pid=100 shmctl shmid=8 err=22\n"
                                  "failed pid=101 ftok shmid=-1 err=2\n");
    const struct cli_finding *f = fx->run.findings;
    assert_string_equal(f[0].message,
                        "not the start of an attachment of this process");
    assert_string_equal(f[1].message, "double detach: the address was "
                                      "attached and already detached");
    /* attached there, but not at that address: pointer arithmetic */
    assert_string_equal(f[2].message,
                        "not the start of an attachment of this process");
    f++;
    assert_string_equal(f[2].message, shmc_strerror(SHMC_E_SIZE_ZERO));
    assert_null(f[3].message); /* EEXIST: nothing wrong with the call */
    assert_int_equal(f[3].args[0], 0x1234);
    assert_int_equal(f[3].args[1], 4096);
    assert_int_equal(f[3].args[2], IPC_CREAT | IPC_EXCL | 0600);
    assert_null(f[4].message);
    assert_string_equal(f[5].message, shmc_strerror(SHMC_E_CTL_CMD_UNKNOWN));
    assert_string_equal(f[6].message, shmc_strerror(SHMC_E_PROJ_RANGE));
    assert_int_equal(fx->run.summary.failed_calls, 5);
    assert_int_equal(fx->run.summary.invalid_detaches, 3);
    assert_argv(find_process(&fx->run, 100), ARGV("prog", "a"));
    assert_int_equal(find_process(&fx->run, 100)->ppid, 1);
    assert_int_equal(find_process(&fx->run, 101)->ppid,
                     100); /* no START record: the header's */
}

/* Each lint rule, on the call that breaks it. */
static void test_lints(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 200, 1);
    /* a key, IPC_CREAT without IPC_EXCL */
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11,
                   .a = {0x42, 4096, IPC_CREAT | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 12,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0666, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 13,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600 | 020000, 1}));
    /* joining 11 asking for another size, any size (0), its size; joining
     * someone else's */
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11, .a = {0x42, 8192, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11, .a = {0x42, 0, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11, .a = {0x42, 4096, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 99, .a = {0x43, 100, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7000, .a = {12, 0, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x7000, 12, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {12, IPC_SET, 0666}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {13, IPC_SET, 01600}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {13, IPC_STAT}));
    for (int id = 11; id <= 13; id++)
        jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {id, IPC_RMID}));
    jf_save(&j, fx->dir, "200.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_int_equal(fx->run.nfindings, 7);
    assert_int_equal(fx->run.summary.lints, 7);
    assert_non_null(strstr(
        find(&fx->run, "lint pid=200 create_without_excl shmid=11")->message,
        "IPC_CREAT without IPC_EXCL"));
    assert_non_null(find(&fx->run, "lint pid=200 size_mismatch shmid=11"));
    assert_non_null(find(&fx->run, "lint pid=200 world_writable shmid=12"));
    assert_non_null(find(&fx->run, "lint pid=200 ignored_bits shmid=12"));
    assert_non_null(find(&fx->run, "lint pid=200 ignored_bits shmid=13"));
    assert_string_equal(fx->run.findings[6].rule, "ignored_bits");
    assert_int_equal(fx->run.findings[6].shmid, 13);
}

/* The same, with the messages of the rules the call decides alone. */
static void test_lint_messages(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 210, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 21,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600 | 020000, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x7000, .a = {22, 0, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {23, IPC_SET, 0662}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {24, IPC_SET, 01600}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 25,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0602, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x7000, 22, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {21, IPC_RMID}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {25, IPC_RMID}));
    jf_save(&j, fx->dir, "210.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, "lint pid=210 ignored_bits shmid=21\n"
                                  "lint pid=210 ignored_bits shmid=22\n"
                                  "lint pid=210 world_writable shmid=23\n"
                                  "lint pid=210 ignored_bits shmid=24\n"
                                  "lint pid=210 world_writable shmid=25\n");
    const struct cli_finding *f = fx->run.findings;
    assert_string_equal(f[0].message, shmc_strerror(SHMC_E_GET_FLAGS_UNKNOWN));
    assert_string_equal(f[1].message, shmc_strerror(SHMC_E_AT_FLAGS_UNKNOWN));
    assert_string_equal(f[2].message, "IPC_SET gives any user write access");
    assert_string_equal(f[3].message, shmc_strerror(SHMC_E_CTL_SET_MODE));
    assert_string_equal(f[4].message, "mode lets any user write the segment");
}

/* A successful shmget is judged by its flags and key, never its size:
 * opening an existing segment with size 0, IPC_CREAT or not, is legal and
 * races no one (size 0 cannot create). */
static void test_lint_shmget_open(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 220, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 31,
                   .a = {0x42, 4096, IPC_CREAT | IPC_EXCL | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 31, .a = {0x42, 0, 0}));
    jf_add(&j,
           REC(.type = SHMC_J_SHMGET, .result = 31, .a = {0x42, 0, IPC_CREAT}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 31,
                   .a = {0x42, 0, IPC_CREAT | 0600}));
    /* what is still wrong: IPC_EXCL alone; the key a failed ftok gives */
    jf_add(&j,
           REC(.type = SHMC_J_SHMGET, .result = 31, .a = {0x42, 0, IPC_EXCL}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 32,
                   .a = {-1, 4096, IPC_CREAT | IPC_EXCL | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {31, IPC_RMID}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {32, IPC_RMID}));
    jf_save(&j, fx->dir, "220.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, "lint pid=220 ignored_bits shmid=31\n"
                                  "lint pid=220 failed_ftok_key shmid=32\n");
    assert_string_equal(fx->run.findings[0].message,
                        shmc_strerror(SHMC_E_GET_EXCL_WITHOUT_CREAT));
    assert_string_equal(fx->run.findings[1].message,
                        shmc_strerror(SHMC_E_KEY_FTOK_FAILED));
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_failed_calls),
        T(test_lints),
        T(test_lint_messages),
        T(test_lint_shmget_open),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
