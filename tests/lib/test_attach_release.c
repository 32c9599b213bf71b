/*
 * test_attach_release.c - shmc_release, release-if-last: who removes the
 * segment, what *removed says, the handles refused before any system
 * call, each of its three system calls failing with every errno (nothing
 * changes, the handle stays attached), and an SQLite-style fault loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/shm.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

#define UNTOUCHED (-12345) /* *removed of a failed call keeps this */

struct fx {
    struct shmc_segment seg;       /* made by setup                    */
    struct shmc_attachment att[2]; /* detached by teardown if needed   */
    struct shmc_attachment before; /* att[0] before the injected faults */
    int removed;                   /* *removed of the faulted releases */
    unsigned long want_nattch;     /* nattch a failed release leaves   */
    int in_use;                    /* segments in the namespace before */
};

static const struct fault ctl_faults[] = {FAULTS(SHMC_E_REMOVED)};
static const struct fault dt_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    return fixture_segment(&fx.seg, 4096, &fx.att[0]);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    fixture_segment_cleanup(&fx->seg, fx->att, COUNT(fx->att));
    return fixture_end(fx->in_use);
}

static void test_release_last_removes(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;

    enum shmc_err err = shmc_release(&fx->att[0], &removed);

    assert_err(err, SHMC_OK);
    assert_int_equal(removed, 1);
    assert_gone(&fx->seg, fx->in_use);
    assert_err(shmc_detach(&fx->att[0]), SHMC_E_ALREADY_DETACHED);
}

static void test_release_not_last_keeps(void **state)
{
    struct fx *fx = *state;
    int first = UNTOUCHED, second = UNTOUCHED;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[1]), SHMC_OK);

    enum shmc_err err = shmc_release(&fx->att[0], &first);

    assert_err(err, SHMC_OK);
    assert_int_equal(first, 0);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
    assert_err(shmc_release(&fx->att[1], &second), SHMC_OK);
    assert_int_equal(second, 1);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_release_without_removed_out(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_release(&fx->att[0], NULL);

    assert_err(err, SHMC_OK);
    assert_gone(&fx->seg, fx->in_use);
}

/* Someone else already called IPC_RMID: this call did not remove it. */
static void test_release_already_marked(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;
    assert_err(shmc_segment_remove(&fx->seg), SHMC_OK);

    enum shmc_err err = shmc_release(&fx->att[0], &removed);

    assert_err(err, SHMC_OK);
    assert_int_equal(removed, 0);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_release_null_invalid_and_detached(void **state)
{
    struct fx *fx = *state;
    struct shmc_attachment zeroed, detached;
    int removed = UNTOUCHED, e[3];
    memset(&zeroed, 0, sizeof zeroed);
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[1]), SHMC_OK);
    assert_err(shmc_detach(&fx->att[1]), SHMC_OK);
    detached = fx->att[1];
    mock_reset();

    errno = 0;
    enum shmc_err null_err = shmc_release(NULL, &removed);
    e[0] = errno;
    errno = 0;
    enum shmc_err zeroed_err = shmc_release(&zeroed, &removed);
    e[1] = errno;
    errno = 0;
    enum shmc_err detached_err = shmc_release(&detached, &removed);
    e[2] = errno;

    assert_err(null_err, SHMC_E_NULL);
    assert_err(zeroed_err, SHMC_E_HANDLE_INVALID);
    assert_err(detached_err, SHMC_E_ALREADY_DETACHED);
    assert_int_equal(e[0], EINVAL);
    assert_int_equal(e[1], EINVAL);
    assert_int_equal(e[2], EINVAL);
    assert_int_equal(removed, UNTOUCHED);
    assert_int_equal(mock_calls(MOCK_ANY), 0);
}

static enum shmc_err release_att(void *arg)
{
    struct fx *fx = arg;
    return shmc_release(&fx->att[0], &fx->removed);
}

static void nothing_released(void *arg)
{
    struct fx *fx = arg;
    assert_int_equal(fx->removed, UNTOUCHED);
    assert_memory_equal(&fx->att[0], &fx->before, sizeof fx->before);
    assert_int_equal(stat_of(&fx->seg).nattch, fx->want_nattch);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
}

/* Fails the nth call of `which` with every errno: the handle, *removed
 * and the segment (with want_nattch attachments) stay as they were. */
static void inject_release_faults(struct fx *fx, enum mock_call which, int nth,
                                  const struct fault *faults, size_t n,
                                  unsigned long want_nattch)
{
    fx->before = fx->att[0];
    fx->removed = UNTOUCHED;
    fx->want_nattch = want_nattch;
    inject_faults(which, nth, faults, n, release_att, nothing_released, fx);
}

/* The same for the last attachment, and then a later release works. */
static void release_faults(struct fx *fx, enum mock_call which, int nth,
                           const struct fault *faults, size_t n)
{
    inject_release_faults(fx, which, nth, faults, n, 1);
    mock_reset();
    assert_err(shmc_release(&fx->att[0], &fx->removed), SHMC_OK);
    assert_int_equal(fx->removed, 1);
    assert_gone(&fx->seg, fx->in_use);
}

static void test_release_ipc_stat_faults(void **state)
{
    release_faults(*state, MOCK_shmctl, 0, ctl_faults, COUNT(ctl_faults));
}

static void test_release_ipc_rmid_faults(void **state)
{
    release_faults(*state, MOCK_shmctl, 1, ctl_faults, COUNT(ctl_faults));
}

/* Not the last attachment: no IPC_RMID, so a failed shmdt changes nothing. */
static void test_release_shmdt_faults_not_last(void **state)
{
    struct fx *fx = *state;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[1]), SHMC_OK);

    inject_release_faults(fx, MOCK_shmdt, 0, dt_faults, COUNT(dt_faults), 2);
}

/* The last attachment: the handle stays attached after the failed shmdt
 * and a later detach works. Not asserted: IPC_RMID came first, so the
 * segment is already marked for removal although the call failed, and a
 * retried release then says *removed = 0. */
static void test_release_shmdt_fault_when_last(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;
    mock_fail_after(MOCK_shmdt, 0, EINVAL);

    enum shmc_err err = shmc_release(&fx->att[0], &removed);
    int saved = errno;

    assert_err(err, SHMC_E_KERNEL_INVALID);
    assert_int_equal(saved, EINVAL);
    assert_int_equal(removed, UNTOUCHED);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_err(shmc_detach(&fx->att[0]), SHMC_OK);
}

/* A failed run of the fault loop left the handle attached and *removed
 * alone; then it is let go and a fresh last attachment made for the next. */
static void release_failed(void *arg)
{
    struct fx *fx = arg;
    assert_int_equal(fx->removed, UNTOUCHED);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_err(shmc_detach(&fx->att[0]), SHMC_OK);
    (void)shmc_segment_remove(&fx->seg);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
    assert_err(shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx->seg), SHMC_OK);
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
}

/* For n = 0, 1, ...: a fresh last attachment, "n calls succeed, then
 * ENOMEM". A failure is ENOMEM's code with the handle still attached;
 * the first run whose fault never fires must remove the segment. */
static void test_release_fault_loop(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[FAULT_LOOP_MAX];
    fx->removed = UNTOUCHED;

    int n = fault_loop(release_att, release_failed, fx, fired_on);

    assert_int_equal(n, 3);
    assert_int_equal(fired_on[0], MOCK_shmctl); /* IPC_STAT */
    assert_int_equal(fired_on[1], MOCK_shmctl); /* IPC_RMID */
    assert_int_equal(fired_on[2], MOCK_shmdt);
    assert_int_equal(fx->removed, 1);
    assert_gone(&fx->seg, fx->in_use);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_release_last_removes),
        T(test_release_not_last_keeps),
        T(test_release_without_removed_out),
        T(test_release_already_marked),
        T(test_release_null_invalid_and_detached),
        T(test_release_ipc_stat_faults),
        T(test_release_ipc_rmid_faults),
        T(test_release_shmdt_faults_not_last),
        T(test_release_shmdt_fault_when_last),
        T(test_release_fault_loop),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
