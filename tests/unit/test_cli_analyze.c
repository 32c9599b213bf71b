/*
 * test_cli_analyze.c - cli_analyze replaying journals written by hand:
 * failed calls of every kind with the validator's explanation, every lint
 * rule, invalid detaches, unmatched attachments ended by exit, exec (a
 * failed exec does not end the image), a signal or a fork child's
 * inheritance; process argv, parents and exit statuses from journals and
 * from the reaped list; frames mapped to their modules; payloads cut
 * short. The tree as a whole: test_cli_analyze_tree.c.
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
#include "cli_fixtures.h"
#include "journal/format.h"
#include "shmcheck.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

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

static const struct cli_process *proc(const struct cli_run *run, int pid)
{
    for (size_t i = 0; i < run->nprocs; i++)
        if (run->procs[i].pid == pid)
            return &run->procs[i];
    fail_msg("no process %d", pid);
    return NULL;
}

static void assert_argv(const struct cli_process *p, const char *const *want)
{
    int n = 0;

    while (want[n] != NULL) {
        assert_non_null(p->argv);
        assert_string_equal(p->argv[n], want[n]);
        n++;
    }
    assert_int_equal(p->argc, n);
    assert_null(p->argv == NULL ? NULL : p->argv[n]);
}

/* --- calls ------------------------------------------------------------ */

/* Every refused call is a failed_call with its arguments, and the
 * validator's reason when the arguments were wrong; shmdt's are invalid
 * detaches, double or not; a successful ftok is nothing. */
static void test_failed_calls(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 99, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .err = EINVAL, .result = -1,
                   .a = {IPC_PRIVATE, 0, IPC_CREAT | 0600, 0}));
    jf_save(&j, fx->dir, "99.0.shmj");
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
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x1000, -1, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x2000, 9, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = EINVAL, .result = -1,
                   .a = {0x3000, 9, 1}));
    jf_save(&j, fx->dir, "100.0.shmj");
    jf_start(&j, 101, 100);
    jf_add(&j, REC(.type = SHMC_J_FTOK, .err = ENOENT, .result = -1, .a = {0},
                   .payload = "/x", .plen = 3));
    jf_save(&j, fx->dir, "101.0.shmj");

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
    assert_argv(proc(&fx->run, 100), ARGV("prog", "a"));
    assert_int_equal(proc(&fx->run, 100)->ppid, 1);
    assert_int_equal(proc(&fx->run, 101)->ppid, -1); /* no START record */
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

/* --- process images ----------------------------------------------------- */

/* An exec that failed goes on in the same image; one that worked ends it,
 * with its attachments, and the next image's START replaces the argv. */
static void test_exec_chain(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_reaped reaped[] = {{300, W_EXITCODE(3, 0)}};
    struct jfile j;
    jf_start(&j, 300, 1);
    jf_argv(&j, 1, ARGV("/bin/a", "a", "one"));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {21}));
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/nonexistent", .plen = 13));
    jf_add(&j, REC(.type = SHMC_J_EXEC_FAIL, .err = ENOENT));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {21}));
    jf_add(&j, REC(.type = SHMC_J_EXEC, .payload = "/bin/b", .plen = 7));
    jf_save(&j, fx->dir, "300.0.shmj");
    jf_start(&j, 300, 1);
    jf_argv(&j, 7, ARGV("/bin/b", "b", "two", "three"));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x30000, .a = {21}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {3, SHMC_JEXIT_EXIT}));
    jf_save(&j, fx->dir, "300.1.shmj");

    int rc = analyze_dir(
        fx,
        (struct cli_inputs){.reaped = reaped, .nreaped = 1, .top_pid = 300});

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text,
                        "unmatched pid=300 shmid=21 addr=0x10000 end=exec\n"
                        "unmatched pid=300 shmid=21 addr=0x20000 end=exec\n"
                        "unmatched pid=300 shmid=21 addr=0x30000 end=exit\n");
    assert_int_equal(fx->run.nprocs, 1);
    assert_argv(proc(&fx->run, 300), ARGV("b", "two", "three"));
    assert_int_equal(proc(&fx->run, 300)->ppid, 7);
    assert_int_equal(fx->run.end, CLI_END_EXIT);
    assert_int_equal(fx->run.value, 3);
    assert_int_equal(fx->run.summary.unmatched_attaches, 3);
}

/* How processes ended: killed (its attachments too), exit() seen in the
 * journal of a process its parent reaped, a status out of range, reaped
 * without a journal; the inherited attachments of a fork child. */
static void test_endings(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_reaped reaped[] = {
        {400, 9}, {403, W_EXITCODE(4, 0)}, {404, 6}};
    struct jfile j;
    jf_start(&j, 400, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x30000, .a = {5}));
    jf_save(&j, fx->dir, "400.0.shmj");
    jf_start(&j, 401, 400);
    jf_add(&j, REC(.type = SHMC_J_INHERIT, .a = {0x30000, 5, 4096}));
    jf_add(&j, REC(.type = SHMC_J_INHERIT, .a = {0x40000, 6, 4096}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x40000, 6, 1}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {7, SHMC_JEXIT__EXIT}));
    jf_save(&j, fx->dir, "401.0.shmj");
    jf_start(&j, 402, 400);
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {-1, SHMC_JEXIT_EXIT}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {256, SHMC_JEXIT_EXIT}));
    jf_save(&j, fx->dir, "402.0.shmj");
    jf_start(&j, 404, 400); /* exited, then a signal at its exit handlers */
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x50000, .a = {5}));
    jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, SHMC_JEXIT_EXIT}));
    jf_save(&j, fx->dir, "404.0.shmj");

    int rc = analyze_dir(
        fx,
        (struct cli_inputs){.reaped = reaped, .nreaped = 3, .top_pid = 400});

    assert_int_equal(rc, 0);
    assert_string_equal(
        fx->text, "unmatched pid=400 shmid=5 addr=0x30000 end=signal\n"
                  "unmatched pid=401 shmid=5 addr=0x30000 inherited end=exit\n"
                  "unmatched pid=404 shmid=5 addr=0x50000 end=exit\n");
    assert_int_equal(fx->run.end, CLI_END_SIGNAL);
    assert_int_equal(fx->run.value, 9);
    assert_int_equal(fx->run.nprocs, 5);
    assert_int_equal(proc(&fx->run, 401)->end, CLI_END_EXIT);
    assert_int_equal(proc(&fx->run, 401)->value, 7);
    assert_int_equal(proc(&fx->run, 401)->ppid, -1);
    assert_int_equal(proc(&fx->run, 402)->end, CLI_END_UNKNOWN);
    assert_int_equal(proc(&fx->run, 403)->end, CLI_END_EXIT);
    assert_int_equal(proc(&fx->run, 403)->value, 4);
    assert_int_equal(proc(&fx->run, 403)->traced, 0);
    assert_null(proc(&fx->run, 403)->argv);
    assert_int_equal(proc(&fx->run, 404)->end, CLI_END_SIGNAL);
    assert_int_equal(fx->run.summary.unmatched_attaches, 2);
    assert_int_equal(fx->run.summary.inherited_unmatched, 1);
}

/* START payloads as the tracer may cut them: no argv, no NUL at all; a
 * MODULE path without its NUL ends at the payload's end. */
static void test_odd_payloads(void **state)
{
    struct analysis_fx *fx = *state;
    const uint64_t pcs[] = {0x401234, 0x999, 0x7f0000001010};
    struct jfile j;
    jf_start(&j, 500, 1);
    jf_add(&j, REC(.type = SHMC_J_START, .a = {1}, .payload = "/x", .plen = 3));
    jf_save(&j, fx->dir, "500.0.shmj");
    jf_start(&j, 501, 1);
    jf_add(&j,
           REC(.type = SHMC_J_START, .a = {1}, .payload = "abc", .plen = 3));
    jf_add(&j, REC(.type = SHMC_J_MODULE, .a = {0x400000, 0x401000, 0x402000},
                   .payload = "/bin/k", .plen = 7));
    jf_add(&j, REC(.type = SHMC_J_MODULE,
                   .a = {0x7f0000000000, 0x7f0000001000, 0x7f0000002000},
                   .payload = "/lib/nonul.so", .plen = 8));
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x60000, .a = {5},
                   .nframes = 3, .frames = pcs));
    jf_add(&j, REC(.type = SHMC_J_SPAWN, .result = 502));
    jf_add(&j, REC(.type = SHMC_J_FORK, .result = 503));
    jf_save(&j, fx->dir, "501.0.shmj");

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    assert_int_equal(rc, 0);
    assert_argv(proc(&fx->run, 500), ARGV(NULL));
    assert_non_null(proc(&fx->run, 500)->argv);
    assert_argv(proc(&fx->run, 501), ARGV(NULL));
    assert_int_equal(fx->run.nfindings, 1);
    const struct cli_stack *st = &fx->run.findings[0].stack;
    assert_int_equal(st->n, 3);
    assert_int_equal(st->f[0].pc, 0x401234);
    assert_string_equal(st->f[0].module, "/bin/k");
    assert_int_equal(st->f[0].offset, 0x1234);
    assert_null(st->f[1].module);
    assert_int_equal(st->f[1].offset, 0);
    assert_string_equal(st->f[2].module, "/lib/non");
    assert_int_equal(st->f[2].offset, 0x1010);
    assert_null(st->f[0].function);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failed_calls, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_lints, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_lint_messages, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_exec_chain, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_endings, analysis_setup,
                                        analysis_teardown),
        cmocka_unit_test_setup_teardown(test_odd_payloads, analysis_setup,
                                        analysis_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
