/*
 * test_attach_fork.c - handles across fork(): a child inherits the mapping
 * and its own copy of the handle, so it can detach or release in the child
 * without touching the parent's attachment.
 *
 * Children never call cmocka (a failing assert in a child of cmocka 1.1.5
 * runs the rest of the suite there): they report through a pipe and their
 * exit status, and the parent asserts. Pipes order the steps; no sleeps.
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
#include <sys/wait.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"

#define assert_err(got, want)                                                 \
    assert_string_equal(shmc_errname(got), shmc_errname(want))

/* What a child did: up to two calls' results and *removed. */
struct report {
    int err[2];
    int saved_errno[2];
    int removed;
};

struct child {
    pid_t pid; /* 0: none running                   */
    int from;  /* read end of the report pipe       */
    int go;    /* write end: the child waits for it */
};

struct fx {
    struct shmc_segment seg;    /* made by setup                       */
    struct shmc_attachment att; /* the parent's, inherited by the child */
    struct child child;         /* the running child, if any           */
    int in_use;                 /* segments in the namespace before    */
};

typedef void child_fn(struct fx *fx, struct report *r);

static int setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    fx.in_use = mock_segments_in_use();
    if (shmc_segment_create(IPC_PRIVATE, 4096, 0600, &fx.seg) != SHMC_OK ||
        shmc_attach(&fx.seg, NULL, 0, &fx.att) != SHMC_OK)
        return -1;
    mock_reset();
    *state = &fx;
    return 0;
}

/* A child left by a failed test gets EOF on its go pipe and exits. */
static int teardown(void **state)
{
    struct fx *fx = *state;

    if (fx->child.pid > 0) {
        close(fx->child.go);
        close(fx->child.from);
        waitpid(fx->child.pid, NULL, 0);
    }
    mock_reset();
    shmc_detach_cleanup(&fx->att);
    (void)shmc_segment_remove(&fx->seg);
    return mock_segments_in_use() == fx->in_use ? 0 : -1;
}

/* Forks a child that waits for child_go, runs fn, writes its report and
 * _exits (no atexit handlers, no cmocka). */
static void spawn(struct fx *fx, child_fn *fn)
{
    int rep[2], go[2];
    assert_int_equal(pipe(rep), 0);
    assert_int_equal(pipe(go), 0);

    pid_t pid = fork();
    if (pid == 0) {
        struct report r = {{-1, -1}, {-1, -1}, -1};
        char byte;
        close(rep[0]);
        close(go[1]);
        if (read(go[0], &byte, 1) != 1)
            _exit(2);
        fn(fx, &r);
        _exit(write(rep[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3);
    }
    assert_true(pid > 0);
    close(rep[1]);
    close(go[0]);
    fx->child = (struct child){pid, rep[0], go[1]};
}

static void child_go(struct fx *fx)
{
    assert_int_equal(write(fx->child.go, "g", 1), 1);
}

/* Waits for the child, which must have exited 0 with a whole report. */
static void child_report(struct fx *fx, struct report *r)
{
    ssize_t got = read(fx->child.from, r, sizeof *r);
    int status;

    close(fx->child.go);
    close(fx->child.from);
    assert_int_equal(waitpid(fx->child.pid, &status, 0), fx->child.pid);
    fx->child.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(got, sizeof *r);
}

static struct shmc_seginfo stat_of(const struct shmc_segment *seg)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(seg, &info), SHMC_OK);
    return info;
}

static void child_detaches_twice(struct fx *fx, struct report *r)
{
    r->err[0] = shmc_detach(&fx->att);
    r->saved_errno[0] = errno;
    r->err[1] = shmc_detach(&fx->att);
    r->saved_errno[1] = errno;
}

static void child_releases(struct fx *fx, struct report *r)
{
    r->err[0] = shmc_release(&fx->att, &r->removed);
    r->saved_errno[0] = errno;
}

static void test_child_detaches_inherited_handle(void **state)
{
    struct fx *fx = *state;
    struct report r;
    spawn(fx, child_detaches_twice);
    unsigned long both = stat_of(&fx->seg).nattch;

    child_go(fx);
    child_report(fx, &r);

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
    spawn(fx, child_releases);

    child_go(fx);
    child_report(fx, &r);

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
    spawn(fx, child_releases);
    assert_err(shmc_detach(&fx->att), SHMC_OK);

    child_go(fx);
    child_report(fx, &r);

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
