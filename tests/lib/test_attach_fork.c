/*
 * test_attach_fork.c - handles across fork(): a child inherits the mapping
 * and its own copy of the handle, so it can detach or release in the child
 * without touching the parent's attachment.
 *
 * Children never call cmocka: they report through a pipe and their exit
 * status, and the parent asserts (struct child in testutil.h).
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

/* What a child did: up to two calls' results and *removed. */
struct report {
    int err[2];
    int saved_errno[2];
    int removed;
};

struct fx {
    struct shmc_segment seg;    /* made by setup                       */
    struct shmc_attachment att; /* the parent's, inherited by the child */
    struct child child;         /* the running child, if any           */
    int in_use;                 /* segments in the namespace before    */
};

static int setup(void **state)
{
    static struct fx fx;

    fixture_begin(state, &fx, sizeof fx, &fx.in_use);
    return fixture_segment(&fx.seg, 4096, &fx.att);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    child_reap(&fx->child);
    fixture_segment_cleanup(&fx->seg, &fx->att, 1);
    return fixture_end(fx->in_use);
}

/* Forks a child that waits for child_go, then runs fn with fx and fills
 * its copy of *r, which starts as "nothing done". */
static void spawn(struct fx *fx, child_fn *fn, struct report *r)
{
    *r = (struct report){{-1, -1}, {-1, -1}, -1};
    child_start(&fx->child, fn, fx, r, sizeof *r);
}

static void child_detaches_twice(void *arg, void *report)
{
    struct fx *fx = arg;
    struct report *r = report;

    r->err[0] = shmc_detach(&fx->att);
    r->saved_errno[0] = errno;
    r->err[1] = shmc_detach(&fx->att);
    r->saved_errno[1] = errno;
}

static void child_releases(void *arg, void *report)
{
    struct fx *fx = arg;
    struct report *r = report;

    r->err[0] = shmc_release(&fx->att, &r->removed);
    r->saved_errno[0] = errno;
}

static void test_child_detaches_inherited_handle(void **state)
{
    struct fx *fx = *state;
    struct report r;
    spawn(fx, child_detaches_twice, &r);
    unsigned long both = stat_of(&fx->seg).nattch;

    child_go(&fx->child);
    child_finish(&fx->child, &r, sizeof r);

    assert_int_equal(both, 2);
    assert_err(r.err[0], SHMC_OK);
    assert_err(r.err[1], SHMC_E_ALREADY_DETACHED);
    assert_int_equal(r.saved_errno[1], EINVAL);
    assert_int_equal(stat_of(&fx->seg).nattch, 1); /* the parent's */
    assert_err(shmc_detach(&fx->att), SHMC_OK);
    assert_int_equal(stat_of(&fx->seg).nattch, 0);
}

static void test_child_release_while_parent_attached(void **state)
{
    struct fx *fx = *state;
    struct report r;
    int removed = -1;
    spawn(fx, child_releases, &r);

    child_go(&fx->child);
    child_finish(&fx->child, &r, sizeof r);

    assert_err(r.err[0], SHMC_OK);
    assert_int_equal(r.removed, 0);
    assert_int_equal(stat_of(&fx->seg).nattch, 1);
    assert_int_equal(stat_of(&fx->seg).marked_for_removal, 0);
    assert_err(shmc_release(&fx->att, &removed), SHMC_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

/* The parent detaches first; the child, now the last, removes it. */
static void test_child_release_after_parent_detached(void **state)
{
    struct fx *fx = *state;
    struct shmc_seginfo info;
    struct report r;
    spawn(fx, child_releases, &r);
    assert_err(shmc_detach(&fx->att), SHMC_OK);

    child_go(&fx->child);
    child_finish(&fx->child, &r, sizeof r);

    assert_err(r.err[0], SHMC_OK);
    assert_int_equal(r.removed, 1);
    assert_err(shmc_segment_stat(&fx->seg, &info), SHMC_E_REMOVED);
    assert_int_equal(mock_segments_in_use(), fx->in_use);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_child_detaches_inherited_handle),
        T(test_child_release_while_parent_attached),
        T(test_child_release_after_parent_detached),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
