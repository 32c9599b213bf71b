/*
 * test_clone.c - raw clone children (src/trace/start.c shmc__adopt_clone)
 * whose first traced call is not a shm call: a fork, an exec, a
 * posix_spawn, which take the child's own journal first, and a raw clone
 * of their own, whose child is adopted too.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

/* The journal of the process whose parent is ppid, image image. */
static const struct journal *child_of(const struct fx *fx, int ppid, int image)
{
    for (int i = 0; i < fx->nj; i++)
        if (fx->j[i].ppid == ppid && fx->j[i].image == image)
            return &fx->j[i];
    return NULL;
}

/* One shm cycle, journaled whole. */
static void assert_cycle(const struct journal *j)
{
    assert_non_null(j);
    assert_int_equal(j->end, SHMC_JEND);
    assert_int_equal(j->count[SHMC_J_SHMGET], 1);
    assert_int_equal(j->count[SHMC_J_SHMAT], 1);
    assert_int_equal(j->count[SHMC_J_SHMDT], 1);
    assert_int_equal(j->count[SHMC_J_SHMCTL], 1);
    assert_int_equal(j->failed[SHMC_J_SHMDT], 0);
}

/* Runs rawnest how bare and traced: the same status; the parent's
 * journal and its clone child's. */
static const struct journal *nest(struct fx *fx, struct run *r, const char *how,
                                  int status, int *kid)
{
    static struct run bare;
    char *argv[] = {SHMC_TRACED_PROG, "rawnest", (char *)how, NULL};
    char want[64];
    const struct journal *parent, *j;
    const char *line;
    int st;

    reset(fx);
    run_bare(fx, &bare, argv);
    run_traced(fx, r, argv, NULL);
    assert_exit(bare.status, 0);
    assert_exit(r->status, 0);
    snprintf(want, sizeof want, "rawnest %s status %d pid", how, status);
    assert_non_null(strstr(bare.out, want));
    line = strstr(r->out, want);
    assert_non_null(line);
    assert_int_equal(sscanf(line, "rawnest %*s status %d pid %d", &st, kid), 2);
    read_journals(fx);
    parent = journal_of(fx, r->pid, 0);
    assert_non_null(parent);
    assert_int_equal(parent->end, SHMC_JEND);
    assert_int_equal(parent->count[SHMC_J_SHMGET], 0);
    j = journal_of(fx, *kid, 0);
    assert_non_null(j);
    assert_int_equal(j->ppid, r->pid);
    assert_int_equal(j->rec[0].type, SHMC_J_START);
    assert_int_equal(j->count[SHMC_J_SHMGET], 0);
    return j;
}

static void clone_child_forks_first(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    int kid;
    const struct journal *j = nest(fx, &r, "fork", 0, &kid);

    assert_int_equal(fx->nj, 3);
    assert_int_equal(j->end, SHMC_JEND);
    assert_int_equal(j->count[SHMC_J_FORK], 1);
    assert_true(rec_of(j, SHMC_J_FORK, 0)->result > 0);
    assert_cycle(journal_of(fx, (int)rec_of(j, SHMC_J_FORK, 0)->result, 0));
    assert_int_equal(child_of(fx, kid, 0)->pid,
                     rec_of(j, SHMC_J_FORK, 0)->result);
}

static void clone_child_spawns_first(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    int kid, clean;
    const struct journal *j = nest(fx, &r, "spawn", 0, &kid);

    assert_int_equal(fx->nj, 3);
    assert_int_equal(j->count[SHMC_J_SPAWN], 1);
    assert_int_equal(sscanf(r.out, "clean %d", &clean), 1);
    assert_int_equal(rec_of(j, SHMC_J_SPAWN, 0)->result, clean);
    assert_cycle(journal_of(fx, clean, 0));
    assert_int_equal(journal_of(fx, clean, 0)->ppid, kid);
}

static void clone_child_execs_first(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    int kid, clean;
    const struct journal *j = nest(fx, &r, "exec", 0, &kid);

    assert_int_equal(fx->nj, 3);
    assert_int_equal(j->count[SHMC_J_EXEC], 1);
    assert_int_equal(sscanf(r.out, "clean %d", &clean), 1);
    assert_int_equal(clean, kid);
    assert_cycle(journal_of(fx, kid, 1));
}

/* The clone's own raw clone child, made before the clone made a traced
 * call, is adopted all the same (kcmp tells it from a vfork child): a
 * journal of its own, its parent the clone, with its failed exec and its
 * shm cycle; the same results as bare (status 8). */
static void clone_of_clone_is_adopted(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    int kid;
    const struct journal *j = nest(fx, &r, "clone", 8, &kid);
    const struct journal *g = child_of(fx, kid, 0);

    assert_int_equal(fx->nj, 3);
    assert_int_equal(j->end, SHMC_JEND);
    assert_cycle(g);
    assert_int_equal(g->count[SHMC_J_EXEC], 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(clone_child_forks_first),
        T(clone_child_spawns_first),
        T(clone_child_execs_first),
        T(clone_of_clone_is_adopted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
