/*
 * test_process.c - the tracer across fork, vfork, raw clone, posix_spawn
 * and the ways out of a process (src/trace/process.c): a fork child
 * inherits the parent's attachments, a vfork or clone child is not the
 * parent, a spawned child is traced even when its environment dropped
 * the tracer, and exit, _exit, _Exit and crashes end the image with the
 * right report, status and journal. The exec family: test_process_exec.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void fork_child_inherits(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "fork", NULL};
    int child;

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);
    assert_int_equal(sscanf(r.out, "child %d", &child), 1);

    assert_exit(r.status, 23); /* the parent's leak is an error */
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1); /* once */
    assert_int_equal(count_lines(r.err, "(inherited through fork)"), 1);
    assert_int_equal(fx->nj, 2);
    const struct journal *parent =
        fx->j[0].pid == child ? &fx->j[1] : &fx->j[0];
    const struct journal *kid = fx->j[0].pid == child ? &fx->j[0] : &fx->j[1];
    const struct rec *forked = rec_of(parent, SHMC_J_FORK, 0);
    assert_non_null(forked);
    assert_int_equal(forked->result, child);
    assert_int_equal(kid->ppid, parent->pid);
    assert_int_equal(kid->count[SHMC_J_INHERIT], 1);
    assert_int_equal(kid->count[SHMC_J_SHMGET], 0); /* not the parent's */
    assert_int_equal(parent->count[SHMC_J_SHMGET], 1);
    assert_int_equal(parent->count[SHMC_J_SHMDT], 1);
}

static void exit_and__exit_report(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exit", "_exit"};

    for (int i = 0; i < 2; i++) {
        char *argv[] = {SHMC_TRACED_PROG, "leave", (char *)hows[i], NULL};
        run_traced(fx, &r, argv, NULL);
        assert_exit(r.status, 23);
        assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
        assert_int_equal(count_lines(r.err, "WARNING: unmatched attach"), 1);
        assert_non_null(strstr(r.err, "SUMMARY: shmcheck: 1 leaked"));
    }
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL},
               "SHMCHECK_EXITCODE=0");
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.err, "leaked segment"));
}

static void crash_keeps_journal(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"kill", "abort", "segv"};
    const int sigs[] = {SIGKILL, SIGABRT, SIGSEGV};

    for (int i = 0; i < 3; i++) {
        char *argv[] = {SHMC_TRACED_PROG, "leave", (char *)hows[i], NULL};
        run_traced(fx, &r, argv, NULL);
        read_journals(fx);
        assert_true(WIFSIGNALED(r.status));
        assert_int_equal(WTERMSIG(r.status), sigs[i]);
        assert_int_equal(fx->nj, i + 1);
        const struct journal *j = &fx->j[0];
        for (int k = 0; k < fx->nj; k++) /* the newest pid's journal */
            if (fx->j[k].pid > j->pid)
                j = &fx->j[k];
        assert_int_equal(j->count[SHMC_J_SHMGET], 1);
        assert_int_equal(j->count[SHMC_J_SHMAT], 1);
        assert_int_equal(j->count[SHMC_J_EXIT], 0);
        assert_int_equal(j->end, SHMC_JEND);
    }
}

/* A child spawned with an environment that dropped LD_PRELOAD is traced
 * all the same, and the parent's journal names it. */
static void spawn_child_is_traced(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "spawn", NULL};
    int child, parent_seen = 0, child_seen = 0;

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);
    assert_int_equal(sscanf(strstr(r.out, "spawned"), "spawned %d", &child), 1);

    assert_exit(r.status, 0);
    for (int i = 0; i < fx->nj; i++) {
        child_seen +=
            fx->j[i].pid == child && fx->j[i].count[SHMC_J_SHMGET] == 1;
        parent_seen += fx->j[i].count[SHMC_J_SPAWN] == 1;
    }
    assert_int_equal(child_seen, 1);
    assert_int_equal(parent_seen, 1);
}

/* A vfork child shares the tracer's memory: its exec is not the parent's
 * (its new image is traced as its own), and its _exit keeps its status
 * and does not end the parent's tracing. */
static void vfork_child_is_not_the_parent(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exec", "exit", "execfail"};
    const int status[] = {0, 3, 3};
    char want[64];
    int child;

    for (size_t i = 0; i < NELEM(hows); i++) {
        char *argv[] = {SHMC_TRACED_PROG, "vfork", (char *)hows[i], NULL};
        reset(fx);
        run_traced(fx, &r, argv, NULL);
        read_journals(fx);

        assert_exit(r.status, 0);
        snprintf(want, sizeof want, "vfork %s status %d\n", hows[i], status[i]);
        assert_non_null(strstr(r.out, want));
        const struct journal *parent = journal_of(fx, r.pid, 0);
        assert_non_null(parent);
        assert_int_equal(parent->count[SHMC_J_EXEC], 0);
        assert_int_equal(parent->count[SHMC_J_EXIT], 1);
        assert_int_equal(fx->nj, i == 0 ? 2 : 1);
        if (i == 0) {
            assert_int_equal(sscanf(r.out, "clean %d", &child), 1);
            assert_non_null(journal_of(fx, child, 0));
            assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_SHMGET], 1);
        }
    }
}

/* A child made by the clone system call has the parent's tracer state
 * but not its pid: exit and _exit keep their status there (the tracer
 * once turned it into SHMCHECK_EXITCODE), and the parent's journal gets
 * no EXIT from it. */
/* A child made by a raw clone (SYS_clone on the parent's stack, or
 * clone() with a stack of its own, no CLONE_VM) gets a journal of its
 * own, as a fork child does: its inherited attachment, its own calls and
 * its end, with its status kept; the parent's journal is intact. */
static void raw_clone_child_keeps_its_status(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exit", "_exit", "stack"};
    const int status[] = {5, 6, 7};
    char want[64];
    int st, child;

    for (size_t i = 0; i < NELEM(hows); i++) {
        reset(fx);
        run_traced(
            fx, &r,
            (char *[]){SHMC_TRACED_PROG, "rawfork", (char *)hows[i], NULL},
            NULL);
        read_journals(fx);
        assert_exit(r.status, 0);
        snprintf(want, sizeof want, "rawfork %s status %%d pid %%d", hows[i]);
        assert_int_equal(sscanf(r.out, want, &st, &child), 2);
        assert_int_equal(st, status[i]);
        assert_int_equal(fx->nj, 2);
        const struct journal *parent = journal_of(fx, r.pid, 0);
        const struct journal *kid = journal_of(fx, child, 0);
        assert_non_null(parent);
        assert_non_null(kid);
        /* The parent's records, each once, none overwritten. */
        assert_int_equal(parent->end, SHMC_JEND);
        assert_int_equal(parent->skipped, 0);
        assert_int_equal(parent->count[SHMC_J_START], 1);
        assert_int_equal(parent->count[SHMC_J_SHMGET], 1);
        assert_int_equal(rec_of(parent, SHMC_J_SHMGET, 0)->args[1], 4096);
        assert_int_equal(parent->count[SHMC_J_SHMAT], 1);
        assert_int_equal(parent->count[SHMC_J_SHMDT], 1);
        assert_int_equal(rec_of(parent, SHMC_J_SHMDT, 0)->result, 0);
        assert_int_equal(parent->count[SHMC_J_SHMCTL], 1);
        assert_int_equal(parent->count[SHMC_J_EXIT], 1);
        /* The child's own journal: START, what it inherited, its calls. */
        assert_int_equal(kid->ppid, r.pid);
        assert_int_equal(kid->end, SHMC_JEND);
        assert_int_equal(kid->rec[0].type, SHMC_J_START);
        assert_int_equal(kid->count[SHMC_J_INHERIT], 1);
        assert_int_equal(rec_of(kid, SHMC_J_INHERIT, 0)->args[0],
                         rec_of(parent, SHMC_J_SHMAT, 0)->result);
        assert_int_equal(kid->count[SHMC_J_SHMGET], 1);
        assert_int_equal(rec_of(kid, SHMC_J_SHMGET, 0)->args[1], 8192);
        assert_true(rec_of(kid, SHMC_J_SHMGET, 0)->result >= 0);
        assert_int_equal(kid->count[SHMC_J_SHMCTL], 1);
        assert_int_equal(kid->count[SHMC_J_EXIT], 1);
        assert_int_equal(rec_of(kid, SHMC_J_EXIT, 0)->args[0], status[i]);
    }
}

/* posix_spawnp finds the program in PATH (no pid pointer given) and the
 * child is traced; a spawn that fails returns its error and is journaled
 * as failed. */
static void spawnp_and_failed_spawn(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "spawn-more", NULL};
    const struct how h = {NULL, path_to_traced_prog(), NULL, NULL};
    int child;

    run(fx, &bare, &h, argv);
    run_traced(fx, &traced, argv, path_to_traced_prog());
    read_journals(fx);

    assert_exit(traced.status, 0);
    assert_string_equal(strchr(traced.out, '\n'), strchr(bare.out, '\n'));
    assert_non_null(strstr(traced.out, "spawnp 0 status 0\nspawn-fail 2\n"));
    assert_int_equal(sscanf(traced.out, "clean %d", &child), 1);
    const struct journal *parent = journal_of(fx, traced.pid, 0);
    assert_non_null(parent);
    assert_int_equal(parent->count[SHMC_J_SPAWN], 2);
    assert_int_equal(parent->failed[SHMC_J_SPAWN], 1);
    const struct rec *ok = rec_of(parent, SHMC_J_SPAWN, 0);
    const struct rec *failed = rec_of(parent, SHMC_J_SPAWN, 1);
    assert_int_equal(ok->result, child);
    assert_string_equal(ok->payload, "traced_prog");
    assert_int_equal(failed->result, -1);
    assert_int_equal(failed->err, ENOENT);
    assert_non_null(journal_of(fx, child, 0));
}

/* _Exit reports like _exit; the exit status follows SHMCHECK_ERRORS and
 * SHMCHECK_EXITCODE; the EXIT record has the status the program ended
 * with, returned from main or given to exit, and how it ended. */
static void ways_out_and_their_status(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *leave_exit[] = {SHMC_TRACED_PROG, "leave", "exit", NULL};

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "_Exit", NULL},
               NULL);
    read_journals(fx);
    assert_exit(r.status, 23);
    assert_non_null(strstr(r.err, ") at _exit:\n"));
    assert_int_equal(rec_of(&fx->j[0], SHMC_J_EXIT, 0)->args[1],
                     SHMC_JEXIT__EXIT);

    reset(fx);
    run_traced(fx, &r, leave_exit, "SHMCHECK_ERRORS=none");
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.err, "WARNING: leaked segment"));
    run_traced(fx, &r, leave_exit, "SHMCHECK_ERRORS=unmatched_attach");
    assert_exit(r.status, 23);
    assert_non_null(strstr(r.err, "WARNING: leaked segment"));
    assert_non_null(strstr(r.err, "ERROR: unmatched attach"));
    run_traced(fx, &r, leave_exit, "SHMCHECK_EXITCODE=99");
    assert_exit(r.status, 99);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "exec-fail", "execv", NULL},
               NULL);
    assert_exit(r.status, 0);
    read_journals(fx);
    assert_int_equal(fx->nj, 4);
    for (int i = 0; i < fx->nj; i++) {
        const struct rec *end = rec_of(&fx->j[i], SHMC_J_EXIT, 0);
        assert_non_null(end);
        assert_int_equal(end->args[0], 0); /* main's return value too */
        assert_int_equal(end->args[1], SHMC_JEXIT_EXIT);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(fork_child_inherits),           T(exit_and__exit_report),
        T(crash_keeps_journal),           T(spawn_child_is_traced),
        T(vfork_child_is_not_the_parent), T(raw_clone_child_keeps_its_status),
        T(spawnp_and_failed_spawn),       T(ways_out_and_their_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
