/*
 * test_refmodel.c - the reference model's predictions (fuzz/refmodel.h) for
 * hand-written sequences whose real outcome the kernel and the library
 * document: a leak, a double detach, fork inheritance, remove while
 * attached, release-if-last with another process attached, exec,
 * dropping root.
 *
 * The model is pure: no system call runs here. Addresses are tokens the
 * tests choose (A1, A2, ...), as a driver would pass the real ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "refmodel.h"

#define KEY 0x5ec10001
#define A1 0x7f0000001000u
#define A2 0x7f0000002000u
#define A3 0x7f0000003000u

/* A world with processes 0 and 1 alive. */
static void world(struct model *m)
{
    model_init(m, 0x3);
}

/* Process p attaches seg through the library at address token addr. */
static int attach(struct model *m, int p, int seg, uint64_t addr)
{
    struct model_res r = model_lib_attach(m, p, seg);

    assert_false(r.skip);
    assert_int_equal(r.err, SHMC_OK);
    model_label(m, p, r.att, addr);
    return r.att;
}

/* A segment created, attached, detached but never removed leaks, once
 * every process has ended; its creator and size are reported. */
static void test_leak(void **state)
{
    struct model m;
    struct model_res r;
    (void)state;

    world(&m);
    r = model_lib_create(&m, 0, KEY, 4096);
    assert_int_equal(r.err, SHMC_OK);
    assert_int_equal(r.seg, 0);
    assert_int_equal(model_lib_detach(&m, 0, attach(&m, 0, 0, A1)).err,
                     SHMC_OK);
    r = model_lib_create(&m, 1, KEY, 4096);
    assert_int_equal(r.err, SHMC_E_EXISTS);
    assert_int_equal(r.err_no, EEXIST);

    model_finish(&m);

    assert_int_equal(m.summary.leaked_segments, 1);
    assert_int_equal(m.summary.leaked_bytes, 4096);
    assert_int_equal(m.summary.unmatched_attaches, 0);
    assert_int_equal(m.nfinding, 1);
    assert_int_equal(m.finding[0].kind, MODEL_LEAKED_SEGMENT);
    assert_int_equal(m.finding[0].proc, 0);
    assert_int_equal(m.finding[0].seg, 0);
}

/* The library refuses a second detach through the same handle without
 * the kernel (no finding); a raw shmdt of the same address reaches the
 * kernel: EINVAL and an invalid detach. */
static void test_double_detach(void **state)
{
    struct model m;
    struct model_res r;
    int a;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, 0, 100);
    a = attach(&m, 0, 0, A1);

    assert_int_equal(model_lib_detach(&m, 0, a).err, SHMC_OK);
    r = model_lib_detach(&m, 0, a);
    assert_int_equal(r.err, SHMC_E_ALREADY_DETACHED);
    assert_int_equal(r.err_no, EINVAL);
    assert_int_equal(m.summary.invalid_detaches, 0);
    r = model_raw_dt(&m, 0, A1);
    assert_int_equal(r.err_no, EINVAL);

    assert_int_equal(m.summary.invalid_detaches, 1);
    assert_int_equal(m.finding[0].kind, MODEL_INVALID_DETACH);
    assert_int_equal(m.finding[0].addr, A1);
    assert_int_equal(model_lib_stat(&m, 1, 0).nattch, 0);
}

/* A raw detach behind the handle's back, then a new attachment at the
 * same address: the stale handle's shmdt detaches the new one. */
static void test_stale_handle_detaches_reused_address(void **state)
{
    struct model m;
    int a, b;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, 0, 100);
    model_lib_create(&m, 0, 0, 200);
    a = attach(&m, 0, 0, A1);
    assert_int_equal(model_raw_dt(&m, 0, A1).err_no, 0);
    b = attach(&m, 0, 1, A1);

    assert_int_equal(model_lib_detach(&m, 0, a).err, SHMC_OK);

    assert_false(m.proc[0].att[b].live);
    assert_int_equal(m.proc[0].att[b].handle, MODEL_H_ATTACHED);
    assert_int_equal(model_lib_detach(&m, 0, b).err, SHMC_E_KERNEL_INVALID);
    assert_int_equal(m.summary.invalid_detaches, 1);
}

/* fork copies every live attachment: nattch counts both; the child's are
 * inherited and, left attached at its exit, counted apart. */
static void test_fork_inheritance(void **state)
{
    struct model m;
    int serial;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, KEY, 4096);
    attach(&m, 0, 0, A1);
    attach(&m, 0, 0, A2);

    serial = model_fork(&m, 0, 2);
    assert_int_equal(serial, MODEL_PROCS);
    assert_int_equal(model_lib_stat(&m, 0, 0).nattch, 4);
    assert_int_equal(model_fork(&m, 0, 1), -1); /* slot 1 is alive */
    assert_true(m.proc[2].att[0].inherited);
    assert_int_equal(model_lib_detach(&m, 2, 0).err, SHMC_OK);
    assert_int_equal(model_exit(&m, 2), 0);

    assert_int_equal(model_lib_stat(&m, 0, 0).nattch, 2);
    assert_int_equal(m.summary.inherited_unmatched, 1);
    assert_int_equal(m.summary.unmatched_attaches, 0);
    assert_int_equal(m.finding[0].proc, serial);
    assert_int_equal(m.finding[0].addr, A2);
    assert_int_equal(m.finding[0].ended, MODEL_END_EXIT);
}

/* IPC_RMID while attached marks the segment and frees its key; it still
 * attaches by id; the last detach, in whichever process, destroys it. */
static void test_remove_while_attached(void **state)
{
    struct model m;
    struct model_res r;
    int a, b;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, KEY, 4096);
    a = attach(&m, 0, 0, A1);
    assert_int_equal(model_lib_remove(&m, 1, 0).err, SHMC_OK);
    r = model_lib_stat(&m, 1, 0);
    assert_true(r.marked);
    assert_int_equal(r.nattch, 1);
    assert_int_equal(model_lib_open(&m, 1, KEY, 0).err, SHMC_E_NOT_FOUND);
    b = attach(&m, 1, 0, A2);
    assert_int_equal(model_lib_create(&m, 1, KEY, 10).err, SHMC_OK);

    assert_int_equal(model_lib_detach(&m, 0, a).err, SHMC_OK);
    assert_true(m.seg[0].exists);
    assert_int_equal(model_raw_dt(&m, 1, A2).err_no, 0);

    assert_false(m.seg[0].exists);
    assert_int_equal(model_lib_stat(&m, 1, 0).err, SHMC_E_REMOVED);
    assert_int_equal(model_raw_stat(&m, 1, 0).err_no, EINVAL);
    assert_int_equal(model_lib_attach(&m, 1, 0).err, SHMC_E_REMOVED);
    assert_int_equal(model_lib_remove(&m, 1, 0).err, SHMC_E_REMOVED);
    assert_int_equal(model_lib_detach(&m, 1, b).err, SHMC_E_KERNEL_INVALID);
}

/* Release-if-last does not remove while another process is attached;
 * the other one's release then does, and the segment is gone. */
static void test_release_with_other_attached(void **state)
{
    struct model m;
    struct model_res r;
    int a, b;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, KEY, 4096);
    a = attach(&m, 0, 0, A1);
    b = attach(&m, 1, 0, A2);

    r = model_lib_release(&m, 0, a);
    assert_int_equal(r.err, SHMC_OK);
    assert_false(r.removed);
    assert_false(model_lib_stat(&m, 1, 0).marked);
    r = model_lib_release(&m, 1, b);
    assert_int_equal(r.err, SHMC_OK);
    assert_true(r.removed);

    assert_false(m.seg[0].exists);
    model_finish(&m);
    assert_int_equal(m.summary.leaked_segments, 0);
}

/* A stale handle whose mapping a raw shmdt removed: release sees
 * another process's single attachment, removes the segment, then its
 * shmdt fails and the handle stays attached. */
static void test_release_stale_handle(void **state)
{
    struct model m;
    struct model_res r;
    int a;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, KEY, 4096);
    a = attach(&m, 0, 0, A1);
    attach(&m, 1, 0, A2);
    model_raw_dt(&m, 0, A1);

    r = model_lib_release(&m, 0, a);

    assert_int_equal(r.err, SHMC_E_KERNEL_INVALID);
    assert_int_equal(r.err_no, EINVAL);
    assert_true(m.seg[0].marked);
    assert_true(m.seg[0].exists);
    assert_int_equal(m.proc[0].att[a].handle, MODEL_H_ATTACHED);
}

/* A stale handle whose segment is gone: release fails its IPC_STAT. */
static void test_release_stale_handle_segment_destroyed(void **state)
{
    struct model m;
    struct model_res r;
    int a;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, KEY, 4096);
    a = attach(&m, 0, 0, A1);
    model_raw_dt(&m, 0, A1);
    assert_int_equal(model_lib_remove(&m, 0, 0).err, SHMC_OK);

    r = model_lib_release(&m, 0, a);

    assert_int_equal(r.err, SHMC_E_REMOVED);
    assert_int_equal(r.err_no, EINVAL);
    assert_int_equal(m.summary.invalid_detaches, 0);
}

/* exec detaches everything (unmatched, ended by exec), wipes handles and
 * keeps the process; a raw shmdt of an old address is then invalid. */
static void test_exec_drop(void **state)
{
    struct model m;
    int a;
    (void)state;

    world(&m);
    model_lib_create(&m, 0, 0, 4096);
    a = attach(&m, 1, 0, A1);
    attach(&m, 1, 0, A2);
    model_lib_detach(&m, 1, a);

    assert_int_equal(model_exec(&m, 1), 0);

    assert_true(m.proc[1].alive);
    assert_int_equal(m.summary.unmatched_attaches, 1);
    assert_int_equal(m.finding[0].ended, MODEL_END_EXEC);
    assert_int_equal(m.finding[0].addr, A2);
    assert_int_equal(model_lib_stat(&m, 0, 0).nattch, 0);
    assert_int_equal(model_lib_detach(&m, 1, 1).err, SHMC_E_HANDLE_INVALID);
    assert_int_equal(model_raw_dt(&m, 1, A2).err_no, EINVAL);
    assert_int_equal(m.summary.invalid_detaches, 1);
}

/* Raw shmget: IPC_CREAT alone joins, sizes are checked, IPC_PRIVATE
 * always makes a new segment, and the table has MODEL_SEGS slots. */
static void test_raw_get(void **state)
{
    struct model m;
    struct model_res r;
    (void)state;

    world(&m);
    assert_int_equal(model_raw_get(&m, 0, KEY, 0, 0).err_no, ENOENT);
    assert_int_equal(model_raw_get(&m, 0, KEY, 0, MODEL_CREAT).err_no, EINVAL);
    r = model_raw_get(&m, 0, KEY, 50, MODEL_CREAT);
    assert_true(r.created);
    r = model_raw_get(&m, 1, KEY, 10, MODEL_CREAT);
    assert_false(r.created);
    assert_int_equal(r.seg, 0);
    assert_int_equal(model_raw_get(&m, 1, KEY, 51, 0).err_no, EINVAL);
    assert_int_equal(model_lib_open(&m, 1, KEY, 51).err, SHMC_E_TOO_SMALL);
    assert_int_equal(model_lib_open(&m, 1, KEY, 0).size, 50);
    assert_int_equal(model_lib_open(&m, 1, 0, 0).err, SHMC_E_OPEN_PRIVATE);
    assert_int_equal(model_lib_create(&m, 1, 0, 0).err, SHMC_E_SIZE_ZERO);
    r = model_lib_create_or_open(&m, 1, KEY, 10);
    assert_int_equal(r.err, SHMC_OK);
    assert_false(r.created);
    assert_int_equal(r.size, 50);
    assert_int_equal(model_lib_create_or_open(&m, 1, KEY, 51).err,
                     SHMC_E_TOO_SMALL);
    for (int i = 1; i < MODEL_SEGS; i++)
        assert_int_equal(model_raw_get(&m, 0, 0, 1, 0).seg, i);

    assert_true(model_raw_get(&m, 0, 0, 1, 0).skip);
    assert_false(model_raw_get(&m, 0, KEY, 1, MODEL_CREAT).skip);
    assert_true(model_lib_create(&m, 3, KEY, 1).skip); /* 3 is dead */
}

/* A process that dropped root (kept by fork and exec, not twice) may not
 * remove a root's segment (EPERM) but may remove its own; root may
 * remove anyone's. Nothing else changes for it. */
static void test_drop_root(void **state)
{
    struct model m;
    int child;
    (void)state;

    world(&m);
    model_raw_get(&m, 0, 0, 4096, MODEL_CREAT); /* root's: seg 0 */
    assert_int_equal(model_drop_root(&m, 1), 0);
    assert_int_equal(model_drop_root(&m, 1), -1);
    assert_int_equal(model_drop_root(&m, 2), -1); /* dead */
    assert_int_equal(model_exec(&m, 1), 0);
    assert_int_equal(model_raw_at(&m, 1, 0).err_no, 0);
    assert_int_equal(model_raw_stat(&m, 1, 0).nattch, 1);
    assert_int_equal(model_raw_rmid(&m, 1, 0).err_no, EPERM);
    assert_false(m.seg[0].marked);
    model_raw_get(&m, 1, 0, 4096, MODEL_CREAT); /* nobody's: seg 1 */
    child = model_fork(&m, 1, 2);
    assert_true(child >= MODEL_PROCS);
    assert_int_equal(model_raw_rmid(&m, 2, 0).err_no, EPERM);
    assert_int_equal(model_raw_rmid(&m, 2, 1).err_no, 0);
    assert_int_equal(model_raw_rmid(&m, 0, 0).err_no, 0);
    assert_int_equal(model_exit(&m, 2), 0);
    assert_int_equal(model_fork(&m, 0, 2), child + 1);
    assert_int_equal(model_raw_get(&m, 2, 0, 4096, MODEL_CREAT).seg, 2);
    assert_int_equal(model_raw_rmid(&m, 1, 2).err_no, EPERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leak),
        cmocka_unit_test(test_double_detach),
        cmocka_unit_test(test_stale_handle_detaches_reused_address),
        cmocka_unit_test(test_fork_inheritance),
        cmocka_unit_test(test_remove_while_attached),
        cmocka_unit_test(test_release_with_other_attached),
        cmocka_unit_test(test_release_stale_handle),
        cmocka_unit_test(test_release_stale_handle_segment_destroyed),
        cmocka_unit_test(test_exec_drop),
        cmocka_unit_test(test_raw_get),
        cmocka_unit_test(test_drop_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
