/*
 * test_typed_faults.c - typed segments under injected kernel failures:
 * every errno on typed create's shmget and shmat and on typed open's
 * shmat (a failed create leaves no segment, a failed open no attachment),
 * then SQLite-style fault loops over typed create, open and
 * create_or_open.
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

#define KEY ((key_t)0x5e600061)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define assert_err(got, want)                                                 \
    assert_string_equal(shmc_errname(got), shmc_errname(want))

/* Out-parameters of failing calls start as this pattern and must keep it. */
static unsigned char sentinel[256];
#define fill_sentinel(x) memset(&(x), 0xa5, sizeof(x))
#define assert_untouched(x) assert_memory_equal(&(x), sentinel, sizeof(x))

struct counters {
    uint64_t hits;
    uint64_t misses;
};
#define LAYOUT SHMC_TYPED_FIELDS(struct counters, hits, misses)

struct fx {
    struct shmc_segment seg; /* the typed segment under KEY, if made  */
    struct shmc_typed t;     /* its creator's handle                  */
    struct shmc_typed out;   /* out-parameter of the call under test  */
    int in_use;              /* segments in the namespace before      */
};

/* Injected errno -> the code; EINVAL's meaning depends on the call. */
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
static const struct fault create_faults[] = {FAULTS(SHMC_E_KERNEL_INVALID)};
/* shmat at the kernel's choice: EINVAL means the id names no segment. */
static const struct fault at_faults[] = {FAULTS(SHMC_E_REMOVED)};

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

static int group_setup(void **state)
{
    (void)state;
    memset(sentinel, 0xa5, sizeof sentinel);
    return 0;
}

static int setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    mock_reset();
    fx.in_use = mock_segments_in_use();
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    int id;

    mock_reset();
    shmc_typed_detach_cleanup(&fx->t);
    shmc_typed_detach_cleanup(&fx->out);
    (void)shmc_segment_remove(&fx->seg);
    (void)shmc_segment_remove(&fx->out.seg);
    if ((id = shmget(KEY, 0, 0)) >= 0)
        shmctl(id, IPC_RMID, NULL);
    return mock_segments_in_use() == fx->in_use ? 0 : -1;
}

/* A published typed segment under KEY that nobody is attached to. */
static void make_typed(struct fx *fx)
{
    assert_err(shmc_typed_create(KEY, LAYOUT, 0600, &fx->t), SHMC_OK);
    fx->seg = fx->t.seg;
    assert_err(shmc_typed_detach(&fx->t), SHMC_OK);
    mock_reset();
}

static unsigned long nattch(const struct fx *fx)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_OK);
    return info.nattch;
}

/* --- every errno, once ------------------------------------------------- */

/* Faults on shmget, then on shmat: either way no segment is left. */
static void create_faults_on(struct fx *fx, enum mock_call call,
                             const struct fault *faults, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mock_fail_after(call, 0, faults[i].err);
        fill_sentinel(fx->out);

        enum shmc_err err = shmc_typed_create(KEY, LAYOUT, 0600, &fx->out);
        int saved = errno;

        assert_true(mock_fired());
        assert_int_equal(mock_fired_on(), call);
        assert_fault(&faults[i], err, saved);
        assert_untouched(fx->out);
        assert_int_equal(mock_segments_in_use(), fx->in_use);
    }
}

static void test_create_shmget_faults(void **state)
{
    create_faults_on(*state, MOCK_shmget, create_faults, COUNT(create_faults));
}

static void test_create_shmat_faults(void **state)
{
    create_faults_on(*state, MOCK_shmat, at_faults, COUNT(at_faults));
}

static void test_open_shmat_faults(void **state)
{
    struct fx *fx = *state;
    make_typed(fx);

    for (size_t i = 0; i < COUNT(at_faults); i++) {
        mock_fail_after(MOCK_shmat, 0, at_faults[i].err);
        fill_sentinel(fx->out);

        enum shmc_err err = shmc_typed_open(KEY, LAYOUT, 0, &fx->out);
        int saved = errno;

        assert_true(mock_fired());
        assert_fault(&at_faults[i], err, saved);
        assert_untouched(fx->out);
        assert_int_equal(nattch(fx), 0);
    }
}

/* --- SQLite-style fault loops ------------------------------------------ */

typedef enum shmc_err op_fn(struct shmc_typed *out);

static enum shmc_err op_create(struct shmc_typed *out)
{
    return shmc_typed_create(KEY, LAYOUT, 0600, out);
}

static enum shmc_err op_open(struct shmc_typed *out)
{
    return shmc_typed_open(KEY, LAYOUT, 0, out);
}

static enum shmc_err op_create_or_open(struct shmc_typed *out)
{
    return shmc_typed_create_or_open(KEY, LAYOUT, 0600, out);
}

/* For n = 0, 1, ...: "n calls succeed, then ENOMEM", until op succeeds
 * with no fault left to fire. A failure is ENOMEM's code, out untouched,
 * no segment made, nothing attached. Returns the failed runs; fired_on[i]
 * is the call run i failed on. */
static int fault_loop(struct fx *fx, op_fn *op, enum mock_call *fired_on)
{
    int in_use = mock_segments_in_use(), n;

    for (n = 0; n < 8; n++) {
        mock_reset();
        mock_fail_after(MOCK_ANY, n, ENOMEM);
        fill_sentinel(fx->out);

        enum shmc_err err = op(&fx->out);
        int saved = errno;

        if (err == SHMC_OK) {
            assert_false(mock_fired());
            break;
        }
        fired_on[n] = mock_fired_on();
        mock_reset();
        assert_err(err, SHMC_E_NO_MEMORY);
        assert_int_equal(saved, ENOMEM);
        assert_untouched(fx->out);
        assert_int_equal(mock_segments_in_use(), in_use);
        if (fx->seg.size != 0) /* a segment was there before */
            assert_int_equal(nattch(fx), 0);
    }
    mock_reset();
    assert_true(n > 0 && n < 8);
    return n;
}

static void test_fault_loop_create(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[8];

    int failed = fault_loop(fx, op_create, fired_on);

    assert_int_equal(failed, 2);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmat); /* the segment is removed */
    assert_int_equal(fx->out.seg.created, 1);
}

static void test_fault_loop_open(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[8];
    make_typed(fx);

    int failed = fault_loop(fx, op_open, fired_on);

    assert_int_equal(failed, 3);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmctl);
    assert_int_equal(fired_on[2], MOCK_shmat);
    assert_int_equal(nattch(fx), 1);
}

static void test_fault_loop_create_or_open_free(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[8];

    int failed = fault_loop(fx, op_create_or_open, fired_on);

    assert_int_equal(failed, 2);
    assert_int_equal(fired_on[0], MOCK_shmget);
    assert_int_equal(fired_on[1], MOCK_shmat);
    assert_int_equal(fx->out.seg.created, 1);
}

static void test_fault_loop_create_or_open_taken(void **state)
{
    struct fx *fx = *state;
    enum mock_call fired_on[8];
    make_typed(fx);

    int failed = fault_loop(fx, op_create_or_open, fired_on);

    assert_int_equal(failed, 4);
    assert_int_equal(fired_on[0], MOCK_shmget); /* create's */
    assert_int_equal(fired_on[1], MOCK_shmget); /* open's   */
    assert_int_equal(fired_on[2], MOCK_shmctl);
    assert_int_equal(fired_on[3], MOCK_shmat);
    assert_int_equal(fx->out.seg.created, 0);
    assert_int_equal(nattch(fx), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_create_shmget_faults),
        T(test_create_shmat_faults),
        T(test_open_shmat_faults),
        T(test_fault_loop_create),
        T(test_fault_loop_open),
        T(test_fault_loop_create_or_open_free),
        T(test_fault_loop_create_or_open_taken),
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
