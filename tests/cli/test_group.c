/*
 * test_group.c - repeated findings folded into one (src/cli/group.c): the
 * findings of one key are one, counted (a record standing for 1 + repeat
 * calls counting that many), with the distinct pids sorted and the first
 * and last occurrence, the group's fields those of its first whatever the
 * order they were folded in; different keys stay apart, also when their
 * hashes collide (a hash that is always the same); frames are the same by
 * module and offset, not by pc; leaks are folded at the end, with every
 * segment; ungrouped, nothing is folded; the summary counts occurrences.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "group.h"
#include "group_fx.h"

/* A finding as the analysis makes one: the pending one folded first. */
static struct cli_finding *add(struct fx *fx, enum cli_kind kind, int pid,
                               uint64_t when, uint32_t repeat)
{
    struct cli_finding *f;

    assert_int_equal(cli_group_fold(&fx->g, &fx->run), 0);
    f = cli_group_new(&fx->g, &fx->run, &fx->cap, kind, pid, repeat);
    assert_non_null(f);
    f->when = when;
    return f;
}

/* An invalid detach at a one-frame stack: pc in module at offset. */
static struct cli_finding *detach(struct fx *fx, int pid, uint64_t when,
                                  uint64_t pc, const char *module,
                                  uint64_t offset, uint64_t addr)
{
    struct cli_finding *f = add(fx, CLI_INVALID_DETACH, pid, when, 0);

    f->err = EINVAL;
    f->addr = addr;
    f->message = "not the start of an attachment of this process";
    f->stack.n = 1;
    f->stack.f[0] = (struct cli_frame){pc, module, offset, NULL, NULL, 0};
    return f;
}

static void finish(struct fx *fx)
{
    assert_int_equal(cli_group_finish(&fx->g, &fx->run), 0);
}

static void test_fold_counts_pids_first_last(void **state)
{
    struct fx *fx = *state;
    /* equal paths in different strings: one module */
    char m1[] = "/usr/bin/prog", m2[] = "/usr/bin/prog";

    /* pcs differ (ASLR), module and offset do not */
    detach(fx, 30, 3000, 0x5500001200, m1, 0x1200, 0xa);
    detach(fx, 10, 2000, 0x5600001200, m2, 0x1200, 0xb);
    detach(fx, 20, 9000, 0x5700001200, m2, 0x1200, 0xc);
    detach(fx, 10, 5000, 0x5600001200, m2, 0x1200, 0xd);
    assert_int_equal(fx->run.nfindings, 2); /* one group, one pending */
    add(fx, CLI_INVALID_DETACH, 10, 4000, 6)->err = EINVAL; /* no stack */
    finish(fx);

    assert_int_equal(fx->run.nfindings, 2);
    const struct cli_finding *f = &fx->run.findings[0];
    assert_int_equal(f->count, 4);
    assert_int_equal(f->npids, 3);
    assert_int_equal(f->pids[0], 10);
    assert_int_equal(f->pids[1], 20);
    assert_int_equal(f->pids[2], 30);
    /* the earliest is first, though folded second: its fields */
    assert_int_equal(f->first.pid, 10);
    assert_int_equal(f->first.when, 2000);
    assert_int_equal(f->pid, 10);
    assert_int_equal(f->addr, 0xb);
    assert_int_equal(f->stack.f[0].pc, 0x5600001200);
    assert_int_equal(f->order, 1);
    assert_int_equal(f->last.pid, 20);
    assert_int_equal(f->last.when, 9000);
    /* a record standing for 7 calls: count 7 */
    assert_int_equal(fx->run.findings[1].count, 7);
    assert_int_equal(fx->run.findings[1].npids, 1);
    cli_summarize(&fx->run);
    assert_int_equal(fx->run.summary.invalid_detaches, 11);
}

/* What keeps findings apart: kind (an inherited unmatched attach apart),
 * message, errno, how an attachment ended, a frame's module or offset,
 * and a pc where there is no module. Not pid, shmid, address or time. */
static void test_keys(void **state)
{
    struct fx *fx = *state;
    struct cli_finding a, b;

    memset(&a, 0, sizeof a);
    a.kind = CLI_UNMATCHED_ATTACH;
    a.stack.n = 2;
    a.stack.f[0] = (struct cli_frame){0x10, "/lib/a.so", 0x10, 0, 0, 0};
    a.stack.f[1] = (struct cli_frame){0x99, NULL, 0, 0, 0, 0};
    b = a;
    b.pid = 7, b.shmid = 8, b.addr = 9, b.when = 10, b.stack.f[0].pc = 0x77;
    assert_true(cli_group_same(&a, &b));
    assert_int_equal(cli_group_hash(&a), cli_group_hash(&b));
    b.inherited = 1;
    assert_false(cli_group_same(&a, &b));
    b = a, b.ended_by = CLI_END_EXEC;
    assert_false(cli_group_same(&a, &b));
    b = a, b.message = "m";
    assert_false(cli_group_same(&a, &b));
    b = a, b.err = 1;
    assert_false(cli_group_same(&a, &b));
    b = a, b.stack.f[0].offset = 0x11;
    assert_false(cli_group_same(&a, &b));
    b = a, b.stack.f[0].module = "/lib/b.so";
    assert_false(cli_group_same(&a, &b));
    b = a, b.stack.f[1].pc = 0x98;
    assert_false(cli_group_same(&a, &b));
    b = a, b.stack.n = 1;
    assert_false(cli_group_same(&a, &b));
    b = a, b.kind = CLI_LINT, b.rule = "r";
    a.kind = CLI_LINT, a.rule = "s";
    assert_false(cli_group_same(&a, &b));
    (void)fx;
}

static uint64_t same_hash(const struct cli_finding *f)
{
    (void)f;
    return 42;
}

/* Every key hashes alike: the groups still come apart by comparison, and
 * each occurrence finds its own past the others. */
static void test_collisions(void **state)
{
    struct fx *fx = *state;

    fx->g.hash = same_hash;
    for (int round = 0; round < 3; round++)
        for (uint64_t pc = 1; pc <= 4; pc++)
            detach(fx, 100 + round, 1000 * (uint64_t)round + pc, pc, NULL, 0,
                   pc);
    finish(fx);
    assert_int_equal(fx->run.nfindings, 4);
    for (size_t i = 0; i < 4; i++) {
        const struct cli_finding *f = &fx->run.findings[i];
        assert_int_equal(f->stack.f[0].pc, i + 1);
        assert_int_equal(f->count, 3);
        assert_int_equal(f->npids, 3);
        assert_int_equal(f->first.pid, 100);
        assert_int_equal(f->last.pid, 102);
    }
}

/* Leaks wait for the end (the judgment of segments looks for each
 * shmid), then are one finding with every segment; a leak counts one
 * whatever the repeat. */
static void test_leaks(void **state)
{
    struct fx *fx = *state;

    for (int id = 5; id <= 7; id++) {
        struct cli_finding *f = add(fx, CLI_LEAKED_SEGMENT, 50 + id % 2, 0, 9);
        f->shmid = id, f->size = 100u * (uint64_t)id, f->creator_pid = f->pid;
        detach(fx, 1, 1, 1, NULL, 0, 1);
    }
    assert_int_equal(cli_group_fold(&fx->g, &fx->run), 0);
    assert_int_equal(fx->run.nfindings, 4); /* three leaks, one detach */
    finish(fx);
    assert_int_equal(fx->run.nfindings, 2);
    const struct cli_finding *f = &fx->run.findings[0];
    assert_int_equal(f->kind, CLI_LEAKED_SEGMENT);
    assert_int_equal(f->count, 3);
    assert_int_equal(f->nsegments, 3);
    assert_int_equal(f->shmid, 6); /* no time: the lowest pid is first */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->segments[i].shmid, 5 + i);
        assert_int_equal(f->segments[i].size, 500 + 100 * i);
        assert_int_equal(f->segments[i].creator_pid, 50 + (5 + i) % 2);
    }
    assert_int_equal(f->npids, 2);
    assert_int_equal(fx->run.findings[1].count, 3);
    cli_summarize(&fx->run);
    assert_int_equal(fx->run.summary.leaked_segments, 3);
    assert_int_equal(fx->run.summary.leaked_bytes, 1800);
}

static void test_ungrouped(void **state)
{
    struct fx *fx = *state;

    cli_groups_destroy(&fx->g);
    cli_groups_init(&fx->g, 1);
    for (int i = 0; i < 3; i++)
        detach(fx, 9, 1, 1, NULL, 0, 1);
    add(fx, CLI_LEAKED_SEGMENT, 9, 0, 0)->shmid = 1;
    add(fx, CLI_LEAKED_SEGMENT, 9, 0, 0)->shmid = 2;
    finish(fx);
    assert_int_equal(fx->run.nfindings, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(fx->run.findings[i].count, 1);
        assert_int_equal(fx->run.findings[i].npids, 1);
    }
    assert_int_equal(fx->run.findings[4].nsegments, 1);
}

static void test_add_pid(void **state)
{
    struct cli_finding f;
    const int in[] = {5, 3, 9, 3, 1, 9, 7, 5}, want[] = {1, 3, 5, 7, 9};

    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        assert_int_equal(cli_group_add_pid(&f, in[i]), 0);
    assert_int_equal(f.npids, 5);
    assert_memory_equal(f.pids, want, sizeof want);
    free(f.pids);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fold_counts_pids_first_last, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ungrouped, setup, teardown),
        cmocka_unit_test(test_add_pid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
