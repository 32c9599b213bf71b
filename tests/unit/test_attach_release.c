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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define assert_err(got, want)                                                 \
    assert_string_equal(shmc_errname(got), shmc_errname(want))
#define UNTOUCHED (-12345) /* *removed of a failed call keeps this */

struct fx {
    struct shmc_segment seg;       /* made by setup                    */
    struct shmc_attachment att[2]; /* detached by teardown if needed   */
    int in_use;                    /* segments in the namespace before */
};

/* Injected errno -> the code the library must report. EINVAL is the one
 * errno whose meaning depends on the call; the table gives it per call. */
struct fault {
    int err;
    enum shmc_err want;
};
#define FAULTS(einval_means)                                                  \
    {ENOMEM, SHMC_E_NO_MEMORY}, {ENOSPC, SHMC_E_NO_SPACE},                     \
    {EACCES, SHMC_E_PERMISSION}, {EPERM, SHMC_E_PERMISSION},                   \
    {EEXIST, SHMC_E_EXISTS}, {ENOENT, SHMC_E_NOT_FOUND},                       \
    {EIDRM, SHMC_E_REMOVED}, {EMFILE, SHMC_E_TOO_MANY},                        \
    {ENFILE, SHMC_E_TOO_MANY}, {EIO, SHMC_E_SYSTEM}, {EINVAL, einval_means}
static const struct fault ctl_faults[] = {FAULTS(SHMC_E_REMOVED)};
static const struct fault dt_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};

static const char *ename(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

static void assert_fault(const struct fault *f, enum shmc_err got, int saved)
{
    if (got != f->want || saved != f->err)
        fail_msg("injected %s: got %s errno %s, want %s errno %s",
                 ename(f->err), shmc_errname(got), ename(saved),
                 shmc_errname(f->want), ename(f->err));
}

static int setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    fx.in_use = mock_segments_in_use();
    if (shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx.seg) != SHMC_OK ||
        shmc_attach(&fx.seg, NULL, 0, &fx.att[0]) != SHMC_OK)
        return -1;
    mock_reset();
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mock_reset();
    shmc_detach_cleanup(&fx->att[0]);
    shmc_detach_cleanup(&fx->att[1]);
    (void)shmc_segment_remove(&fx->seg);
    return mock_segments_in_use() == fx->in_use ? 0 : -1;
}

static struct shmc_seginfo stat_of(const struct shmc_segment *seg)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(seg, &info), SHMC_OK);
    return info;
}

static void assert_gone(const struct fx *fx)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_E_REMOVED);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

static void test_release_last_removes(void **state)
{
    struct fx *fx = *state;
    int removed = UNTOUCHED;

    enum shmc_err err = shmc_release(&fx->att[0], &removed);

    assert_err(err, SHMC_OK);
    assert_int_equal(removed, 1);
    assert_gone(fx);
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
    assert_gone(fx);
}

static void test_release_without_removed_out(void **state)
{
    struct fx *fx = *state;

    enum shmc_err err = shmc_release(&fx->att[0], NULL);

    assert_err(err, SHMC_OK);
    assert_gone(fx);
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
    assert_gone(fx);
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

/* Fails the nth call of `which` with every errno: the handle, *removed
 * and the segment stay as they were, and a later release works. */
static void release_faults(struct fx *fx, enum mock_call which, int nth,
                           const struct fault *faults, size_t n)
{
    const struct shmc_attachment before = fx->att[0];
    int removed = UNTOUCHED;

    for (size_t i = 0; i < n; i++) {
        mock_fail_after(which, nth, faults[i].err);

        enum shmc_err err = shmc_release(&fx->att[0], &removed);
        int saved = errno;

        assert_true(mock_fired());
        assert_fault(&faults[i], err, saved);
        assert_int_equal(removed, UNTOUCHED);
        assert_memory_equal(&fx->att[0], &before, sizeof before);
        assert_int_equal(stat_of(&fx->seg).nattch, 1);
        assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
    }
    mock_reset();
    assert_err(shmc_release(&fx->att[0], &removed), SHMC_OK);
    assert_int_equal(removed, 1);
    assert_gone(fx);
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
    const struct shmc_attachment before = fx->att[0];
    int removed = UNTOUCHED;
    assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[1]), SHMC_OK);

    for (size_t i = 0; i < COUNT(dt_faults); i++) {
        mock_fail_after(MOCK_shmdt, 0, dt_faults[i].err);

        enum shmc_err err = shmc_release(&fx->att[0], &removed);
        int saved = errno;

        assert_true(mock_fired());
        assert_fault(&dt_faults[i], err, saved);
        assert_int_equal(removed, UNTOUCHED);
        assert_memory_equal(&fx->att[0], &before, sizeof before);
        assert_int_equal(stat_of(&fx->seg).nattch, 2);
        assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
    }
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

/* For n = 0, 1, ...: a fresh last attachment, "n calls succeed, then
 * ENOMEM". A failure is ENOMEM's code with the handle still attached;
 * the first run whose fault never fires must remove the segment. */
static void test_release_fault_loop(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[8];
    int n, removed = UNTOUCHED;

    for (n = 0; n < 8; n++) {
        if (n > 0) {
            assert_err(shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx->seg),
                       SHMC_OK);
            assert_err(shmc_attach(&fx->seg, NULL, 0, &fx->att[0]), SHMC_OK);
        }
        mock_reset();
        mock_fail_after(MOCK_ANY, n, ENOMEM);

        enum shmc_err err = shmc_release(&fx->att[0], &removed);
        int saved = errno;

        if (err == SHMC_OK) {
            assert_false(mock_fired());
            break;
        }
        fired_on[n] = mock_fired_on();
        mock_reset();
        assert_err(err, SHMC_E_NO_MEMORY);
        assert_int_equal(saved, ENOMEM);
        assert_int_equal(removed, UNTOUCHED);
        assert_int_equal(stat_of(&fx->seg).nattch, 1);
        assert_err(shmc_detach(&fx->att[0]), SHMC_OK);
        (void)shmc_segment_remove(&fx->seg);
        assert_int_equal(mock_segments_in_use(), fx->in_use);
    }

    mock_reset();
    assert_int_equal(n, 3);
    assert_int_equal(fired_on[0], MOCK_shmctl); /* IPC_STAT */
    assert_int_equal(fired_on[1], MOCK_shmctl); /* IPC_RMID */
    assert_int_equal(fired_on[2], MOCK_shmdt);
    assert_int_equal(removed, 1);
    assert_gone(fx);
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
