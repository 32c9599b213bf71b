/*
 * test_replay.c - one process image's journal replayed (src/cli/replay.c,
 * through cli_analyze on journals written by hand): exec (a failed exec
 * does not end the image), how processes ended (a signal, exit, a fork
 * child's inheritance, the reaped list), process argv and parents, and
 * START payloads cut short.
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
    /* the two the exec ended were made at one stack (none): one finding */
    assert_string_equal(
        fx->text,
        "unmatched pid=300 shmid=21 addr=0x10000 end=exec x2 pids=300\n"
        "unmatched pid=300 shmid=21 addr=0x30000 end=exit\n");
    assert_int_equal(fx->run.nprocs, 1);
    assert_argv(find_process(&fx->run, 300), ARGV("b", "two", "three"));
    assert_int_equal(find_process(&fx->run, 300)->ppid, 7);
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
    assert_int_equal(find_process(&fx->run, 401)->end, CLI_END_EXIT);
    assert_int_equal(find_process(&fx->run, 401)->value, 7);
    assert_int_equal(find_process(&fx->run, 401)->ppid, 400); /* header */
    assert_int_equal(find_process(&fx->run, 402)->end, CLI_END_UNKNOWN);
    assert_int_equal(find_process(&fx->run, 403)->end, CLI_END_EXIT);
    assert_int_equal(find_process(&fx->run, 403)->value, 4);
    assert_int_equal(find_process(&fx->run, 403)->traced, 0);
    assert_null(find_process(&fx->run, 403)->argv);
    assert_int_equal(find_process(&fx->run, 404)->end, CLI_END_SIGNAL);
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
    assert_argv(find_process(&fx->run, 500), ARGV(NULL));
    assert_non_null(find_process(&fx->run, 500)->argv);
    assert_argv(find_process(&fx->run, 501), ARGV(NULL));
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
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_exec_chain),
        T(test_endings),
        T(test_odd_payloads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
