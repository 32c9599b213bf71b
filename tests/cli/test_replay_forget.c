/*
 * test_replay_forget.c - what the analysis keeps of the segments the tree
 * made (src/cli/analysis.c, replay.c, kernel.c): a creation only until
 * its IPC_RMID is replayed, whichever journal is replayed first; the size
 * of a segment made with a key, for a join replayed later; one copy of a
 * stack however many segments share it; and one never_removed per
 * segment nobody removed, however many there are.
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

#include "analysis.h"
#include "fixtures.h"
#include "kernel.h"
#include "replay.h"

static const uint64_t site[] = {0x401234, 0x401000, 0x400800};

/* pid's journal: n segments created (shmids first..first+n-1, key 0:
 * IPC_PRIVATE, else key + i) at one call site, each removed when rmid. */
static void make_segments(const char *dir, int pid, int first, int n, int key,
                          int rmid)
{
    char name[64];
    struct jfile j;

    jf_start(&j, pid, 1);
    for (int i = 0; i < n; i++) {
        jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = first + i,
                       .a = {key ? key + i : IPC_PRIVATE, 4096,
                             IPC_CREAT | IPC_EXCL | 0600, 1},
                       .nframes = 3, .frames = site));
        if (rmid)
            jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {first + i, IPC_RMID}));
    }
    snprintf(name, sizeof name, "%d.0.shmj", pid);
    jf_save(&j, dir, name);
}

/* 1000 segments created and removed leave nothing behind in the
 * analysis; 1000 created and kept share one stored stack. */
static void test_forgotten(void **state)
{
    struct analysis_fx *fx = *state;
    struct cli_inputs in = {.log_dir = fx->dir};
    struct analysis a;
    char path[128];

    make_segments(fx->dir, 100, 1, 1000, 0, 1);
    make_segments(fx->dir, 200, 5001, 1000, 0x7000, 0);
    cli_analysis_init(&a, &in, &fx->run);
    path_in(fx->dir, "100.0.shmj", path, sizeof path);
    cli_replay_journal(&a, path);
    assert_int_equal(a.created.count, 0);
    assert_int_equal(a.removed.count, 0);
    assert_int_equal(a.sizes.count, 0); /* IPC_PRIVATE: cannot be joined */
    assert_int_equal(a.depot.count, 1);
    path_in(fx->dir, "200.0.shmj", path, sizeof path);
    cli_replay_journal(&a, path);
    assert_int_equal(a.created.count, 1000);
    assert_int_equal(a.depot.count, 1);
    const struct created *c = shmc_table_get(&a.created, 5500);
    assert_non_null(c);
    assert_int_equal(c->pid, 200);
    assert_int_equal(c->key, 0x7000 + 499);
    assert_int_equal(c->stack->n, 3);
    assert_int_equal(c->stack->f[0].pc, 0x401234);
    assert_int_equal(a.oom, 0);
    cli_analysis_end(&a);
}

/* Process 100 removes what 200 created: its journal is replayed first
 * (name order), yet the segment is known removed: no never_removed, no
 * leak; and the removal, once matched, is not kept either. */
static void test_removed_first(void **state)
{
    struct analysis_fx *fx = *state;
    const struct cli_kseg kernel[] = {
        {.key = 0, .shmid = 7, .mode = 01600, .size = 4096, .cpid = 200}};
    struct cli_inputs in = {.log_dir = fx->dir};
    struct analysis a;
    struct jfile j;
    char path[128];

    jf_start(&j, 100, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {7, IPC_RMID}));
    jf_save(&j, fx->dir, "100.0.shmj");
    make_segments(fx->dir, 200, 7, 1, 0, 0);
    cli_analysis_init(&a, &in, &fx->run);
    path_in(fx->dir, "100.0.shmj", path, sizeof path);
    cli_replay_journal(&a, path);
    assert_int_equal(a.removed.count, 1);
    path_in(fx->dir, "200.0.shmj", path, sizeof path);
    cli_replay_journal(&a, path);
    assert_int_equal(a.removed.count, 0);
    assert_int_equal(a.created.count, 0);
    cli_analysis_end(&a);
    cli_run_free(&fx->run);
    memset(&fx->run, 0, sizeof fx->run);

    /* the whole analysis: kernel empty, then holding it marked */
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text, "");
    cli_run_free(&fx->run);
    memset(&fx->run, 0, sizeof fx->run);
    assert_int_equal(
        analyze_dir(fx, (struct cli_inputs){.kernel = kernel, .nkernel = 1}),
        0);
    assert_string_equal(fx->text, "");
}

/* A join replayed after its creator's IPC_RMID (the creator's journal
 * first) is still compared with the size the segment was made with, when
 * it was made with a key; also when the removal came from a journal
 * replayed before the creation. */
static void test_size_after_removal(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;

    jf_start(&j, 100, 1); /* removes 12 before 200's creation is replayed */
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {12, IPC_RMID}));
    jf_save(&j, fx->dir, "100.0.shmj");
    jf_start(&j, 200, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11,
                   .a = {0x42, 8192, IPC_CREAT | IPC_EXCL | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 12,
                   .a = {0x43, 8192, IPC_CREAT | IPC_EXCL | 0600, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMCTL, .a = {11, IPC_RMID}));
    jf_save(&j, fx->dir, "200.0.shmj");
    jf_start(&j, 300, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 11, .a = {0x42, 4096, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 12, .a = {0x43, 100, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMGET, .result = 12, .a = {0x43, 8192, 0}));
    jf_save(&j, fx->dir, "300.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    /* both joins have the same stack: one finding, twice */
    assert_string_equal(fx->text,
                        "lint pid=300 size_mismatch shmid=11 x2 pids=300\n");
}

/* Every segment created and never removed, gone from the kernel: one
 * never_removed each; the ones the kernel still holds are leaks instead. */
static void test_never_removed_each(void **state)
{
    struct analysis_fx *fx = *state;
    enum { N = 3000, LEAKED = 10 };
    struct cli_kseg kernel[LEAKED];
    unsigned char *seen = calloc(N + 1, 1);
    size_t lints = 0, leaks = 0;

    assert_non_null(seen);
    make_segments(fx->dir, 100, 1, N, 0, 0);
    for (int i = 0; i < LEAKED; i++)
        kernel[i] = (struct cli_kseg){
            .shmid = 1 + 300 * i, .mode = 0600, .size = 4096, .cpid = 100};
    /* cli_analyze itself: fx->text has no room for every line; each
     * occurrence apart (ungrouped): one finding per segment is the point */
    assert_int_equal(cli_analyze(&(struct cli_inputs){.log_dir = fx->dir,
                                                      .kernel = kernel,
                                                      .nkernel = LEAKED,
                                                      .ungrouped = 1},
                                 &fx->run),
                     0);
    for (size_t i = 0; i < fx->run.nfindings; i++) {
        const struct cli_finding *f = &fx->run.findings[i];
        assert_true(f->shmid >= 1 && f->shmid <= N);
        assert_int_equal(seen[f->shmid]++, 0);
        if (f->kind == CLI_LEAKED_SEGMENT) {
            leaks++;
            assert_int_equal((f->shmid - 1) % 300, 0);
            assert_false(f->seen_by_kernel);
        } else {
            lints++;
            assert_int_equal(f->kind, CLI_LINT);
            assert_string_equal(f->rule, "never_removed");
        }
        assert_int_equal(f->stack.n, 3);
        assert_int_equal(f->stack.f[2].pc, 0x400800);
    }
    assert_int_equal(leaks, LEAKED);
    assert_int_equal(lints, N - LEAKED);
    free(seen);
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_forgotten),
        T(test_removed_first),
        T(test_size_after_removal),
        T(test_never_removed_each),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
