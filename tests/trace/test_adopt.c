/*
 * test_adopt.c - raw clone children adopted late (src/trace/start.c
 * shmc__adopt_clone): one whose parent ended first; and not: one's vfork
 * child, which shares its memory, one that dropped root before its first
 * call; and calls the kernel refuses (src/trace/record.c):
 * IPC_STAT, fork, a spawn without a path. traced_prog's subcommands are
 * in tests/trace/helpers/traced_adopt.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* One shm cycle (and detaches more), journaled whole. */
static void assert_cycle(const struct journal *j, unsigned detaches)
{
    assert_non_null(j);
    assert_int_equal(j->end, SHMC_JEND);
    assert_int_equal(j->rec[0].type, SHMC_J_START);
    assert_int_equal(j->count[SHMC_J_SHMGET], 1);
    assert_int_equal(j->count[SHMC_J_SHMAT], 1);
    assert_int_equal(j->count[SHMC_J_SHMDT], 1 + detaches);
    assert_int_equal(j->count[SHMC_J_SHMCTL], 1);
    assert_int_equal(j->failed[SHMC_J_SHMDT], 0);
}

/* The raw clone child of a forked parent that ended (a zombie, or reaped)
 * before the child's first traced call: the child is adopted all the
 * same, with a journal whose parent is the process that made it. */
static void orphan(struct fx *fx, const char *how)
{
    static struct run bare, r;
    char *argv[] = {SHMC_TRACED_PROG, "orphan", (char *)how, NULL};
    char fmt[64];
    int parent, child, pst, cst;

    reset(fx);
    run_bare(fx, &bare, argv);
    run_traced(fx, &r, argv, NULL);
    assert_exit(bare.status, 0);
    assert_exit(r.status, 0);
    snprintf(fmt, sizeof fmt,
             "orphan %s parent %%d status %%d child %%d "
             "status %%d",
             how);
    assert_int_equal(sscanf(bare.out, fmt, &parent, &pst, &child, &cst), 4);
    assert_int_equal(pst, 0);
    assert_int_equal(cst, 0);
    assert_int_equal(sscanf(r.out, fmt, &parent, &pst, &child, &cst), 4);
    assert_int_equal(pst, 0);
    assert_int_equal(cst, 0);
    read_journals(fx);
    assert_int_equal(fx->nj, 3);
    assert_int_equal(journal_of(fx, parent, 0)->ppid, r.pid);
    assert_cycle(journal_of(fx, child, 0), 0);
    assert_int_equal(journal_of(fx, child, 0)->ppid, parent);
}

static void orphan_of_a_zombie_is_adopted(void **state)
{
    orphan(*state, "zombie");
}

static void orphan_of_a_reaped_parent_is_adopted(void **state)
{
    orphan(*state, "reaped");
}

/* A raw clone child that vforks before any traced call: the vfork child
 * shares its memory and its untouched stamp, so it is not adopted (its
 * failed exec, its mremap over an attachment, its shm calls and _exit
 * pass through, no journal); the clone child then traces its own calls:
 * the detach of the attachment it inherited and a cycle. The same
 * statuses as bare. */
static void vfork_child_of_a_clone_child_passes_through(void **state)
{
    struct fx *fx = *state;
    static struct run bare, r;
    char *argv[] = {SHMC_TRACED_PROG, "clonevfork", NULL};
    int kid;

    run_bare(fx, &bare, argv);
    run_traced(fx, &r, argv, NULL);
    assert_exit(bare.status, 0);
    assert_exit(r.status, 0);
    assert_non_null(strstr(bare.out, "clonevfork status 60 pid"));
    assert_int_equal(sscanf(r.out, "clonevfork status 60 pid %d", &kid), 1);
    read_journals(fx);
    assert_int_equal(fx->nj, 2);
    const struct journal *parent = journal_of(fx, r.pid, 0), *j;
    assert_int_equal(parent->count[SHMC_J_SHMGET], 1);
    assert_int_equal(parent->count[SHMC_J_UNMAP], 0);
    assert_int_equal(parent->count[SHMC_J_EXEC_FAIL], 0);
    j = journal_of(fx, kid, 0);
    assert_cycle(j, 1);
    assert_int_equal(j->ppid, r.pid);
    assert_int_equal(j->count[SHMC_J_INHERIT], 1);
    assert_int_equal(j->count[SHMC_J_EXEC_FAIL], 0);
    assert_int_equal(j->count[SHMC_J_UNMAP], 0);
}

/* A raw clone child's own raw clone child that drops root before its
 * first traced call may no longer look at its parents: it cannot be told
 * from a vfork child, so its calls pass through (no journal of its own);
 * its parent is adopted at its end. The same status as bare. */
static void clone_of_clone_that_dropped_root_passes_through(void **state)
{
    struct fx *fx = *state;
    static struct run bare, r;
    char *argv[] = {SHMC_TRACED_PROG, "dropnest", NULL};
    int kid;

    run_bare(fx, &bare, argv);
    if (strstr(bare.out, "no root"))
        skip();
    run_traced(fx, &r, argv, NULL);
    assert_exit(bare.status, 0);
    assert_non_null(strstr(bare.out, "dropnest status 0 pid"));
    assert_exit(r.status, 0);
    assert_int_equal(sscanf(r.out, "dropnest status 0 pid %d", &kid), 1);
    read_journals(fx);
    assert_int_equal(fx->nj, 2);
    assert_non_null(journal_of(fx, r.pid, 0));
    assert_int_equal(journal_of(fx, kid, 0)->ppid, r.pid);
    assert_int_equal(journal_of(fx, kid, 0)->count[SHMC_J_SHMGET], 0);
}

/* Runs argv bare and traced: the same output; skips where the program
 * cannot install a seccomp filter. */
static void same_as_bare(struct fx *fx, struct run *r, char *const argv[])
{
    static struct run bare;

    run_bare(fx, &bare, argv);
    if (strstr(bare.out, "no filters"))
        skip();
    run_traced(fx, r, argv, NULL);
    assert_exit(bare.status, 0);
    assert_string_equal(r->out, bare.out);
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
}

/* IPC_STAT refused: the tracer cannot tell that a keyed shmget with
 * IPC_CREAT alone created its segment (no leak is claimed), nor the
 * range of an attachment: an munmap over it goes unseen, so shmdt of its
 * address is an invalid detach and the attachment stays unmatched. */
static void segment_status_refused(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "nostat", NULL};

    same_as_bare(fx, &r, argv);
    assert_string_equal(r.out, "shmdt(first) 0 0\nstat -1 13\nshmget 1 1234\n"
                               "shmat 1 1234\nmunmap 0 1234\nshmdt -1 22\n"
                               "rmid 0 1234\n");
    assert_exit(r.status, 23);
    const struct journal *j = &fx->j[0];
    assert_int_equal(j->count[SHMC_J_SHMGET], 2);
    assert_int_equal(rec_of(j, SHMC_J_SHMGET, 0)->args[3], 1); /* private */
    assert_int_equal(rec_of(j, SHMC_J_SHMGET, 1)->args[3], 0); /* unknown */
    assert_int_equal(j->count[SHMC_J_SHMAT], 2);
    assert_int_equal(j->count[SHMC_J_UNMAP], 0);
    assert_non_null(strstr(r.err, "0 leaked segment(s) (0 bytes), 1 "
                                  "unmatched attach(es)"));
    assert_non_null(strstr(r.err, "1 invalid detach(es)"));
}

/* A fork that fails returns -1 and EAGAIN as bare, journaled failed. */
static void fork_refused(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "forkfail", NULL};

    same_as_bare(fx, &r, argv);
    assert_string_equal(r.out, "fork -1 11\n");
    assert_exit(r.status, 0);
    const struct rec *f = rec_of(&fx->j[0], SHMC_J_FORK, 0);
    assert_non_null(f);
    assert_int_equal(f->result, -1);
    assert_int_equal(f->err, EAGAIN);
}

/* posix_spawn without a path fails in the child (EFAULT): the same
 * result as bare, journaled as a failed spawn with no path; standalone
 * (no journal) the same result too. */
static void spawn_without_a_path(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "spawnnull", NULL};

    same_as_bare(fx, &r, argv);
    assert_string_equal(r.out, "spawn-null 14\n");
    const struct rec *s = rec_of(&fx->j[0], SHMC_J_SPAWN, 0);
    assert_non_null(s);
    assert_int_equal(s->result, -1);
    assert_int_equal(s->err, EFAULT);
    assert_int_equal(s->payload_len, 0);

    reset(fx);
    run_traced(fx, &r, argv, "SHMCHECK_LOG_DIR=");
    assert_exit(r.status, 0);
    assert_string_equal(r.out, "spawn-null 14\n");
    read_journals(fx);
    assert_int_equal(fx->nj, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(orphan_of_a_zombie_is_adopted),
        T(orphan_of_a_reaped_parent_is_adopted),
        T(vfork_child_of_a_clone_child_passes_through),
        T(clone_of_clone_that_dropped_root_passes_through),
        T(segment_status_refused),
        T(fork_refused),
        T(spawn_without_a_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
