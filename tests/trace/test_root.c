/*
 * test_root.c - whose exit status the tracer changes when errors were
 * found (src/trace/finish.c, root.c): only the root of the traced tree,
 * the process that first loaded it (also after it execs), and only when
 * it would have exited 0. A child the program forked keeps its status,
 * whether it exits, _exits or execs first; an environment entry that
 * names another process, or this pid with another start time, does not
 * make a process the root, nor does a parent that has the tracer loaded
 * (popen's child). Plain preload, default settings: no CLI.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "journal/procstat.h"

#define PRELOAD "LD_PRELOAD=" SHMC_TRACE_SO

/* Runs argv with the tracer preloaded and nothing else set. */
static void run_preloaded(struct fx *fx, struct run *r, char *const argv[],
                          void (*child)(const void *), const void *arg)
{
    const struct how h = {NULL, PRELOAD, child, arg};
    run(fx, r, &h, argv);
}

/* A child that leaves a segment and exits 0 is seen to exit 0 by its
 * parent (the tracer once made it 23 in every process), and the parent,
 * which removed the segment, exits 0; the child's report still says so.
 * Also a child that popen started, which libc spawns behind the tracer's
 * back. */
static void forked_child_keeps_its_status(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exit", "_exit", "exec"};

    for (size_t i = 0; i < NELEM(hows); i++) {
        char *argv[] = {SHMC_TRACED_PROG, "child-leaks", (char *)hows[i], NULL};
        run_preloaded(fx, &r, argv, NULL, NULL);
        assert_string_equal(r.out, "child status 0\n");
        assert_exit(r.status, 0);
        assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    }
    /* popen starts its shell without the interposed functions, so without
     * the root's entry: the tracer in it sees a traced parent. */
    run_preloaded(fx, &r, (char *[]){SHMC_TRACED_PROG, "popen-leaks", NULL},
                  NULL, NULL);
    assert_string_equal(r.out, "child status 0\n");
    assert_exit(r.status, 0);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

/* The root says errors were found with 23 instead of 0, also after an
 * exec (the same process); a status other than 0 is kept. */
static void root_changes_only_success(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_preloaded(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL},
                  NULL, NULL);
    assert_exit(r.status, 23);
    run_preloaded(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "_exit", NULL},
                  NULL, NULL);
    assert_exit(r.status, 23);
    run_preloaded(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "exit1", NULL},
                  NULL, NULL);
    assert_exit(r.status, 1);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    run_preloaded(fx, &r, (char *[]){SHMC_TRACED_PROG, "exec-leaks", NULL},
                  NULL, NULL);
    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

enum claim { SELF, SELF_LATER, PARENT, MALFORMED };

/* In the child before exec: an entry naming the root as the claim says. */
static void claim_root(const void *arg)
{
    enum claim c = *(const enum claim *)arg;
    unsigned long long start = 0;
    int pid = c == PARENT ? (int)getppid() : (int)getpid();
    char value[64];

    if (shmc_proc_start(pid, &start) != 0)
        _exit(120);
    snprintf(value, sizeof value, "%d:%llu", pid,
             start + (c == SELF_LATER ? 1 : 0));
    setenv("SHMCHECK__ROOT", c == MALFORMED ? "1:x" : value, 1);
}

/* The entry a traced exec passes on: the process it names (pid and start
 * time) is the root; a pid reused later, another process or a malformed
 * entry is not. */
static void root_entry_names_one_process(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const enum claim claims[] = {SELF, SELF_LATER, PARENT, MALFORMED};
    const int want[] = {23, 0, 0, 0};
    char *argv[] = {SHMC_TRACED_PROG, "leak-to", "-", NULL};

    for (size_t i = 0; i < NELEM(claims); i++) {
        run_preloaded(fx, &r, argv, claim_root, &claims[i]);
        assert_exit(r.status, want[i]);
        assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(forked_child_keeps_its_status),
        T(root_changes_only_success),
        T(root_entry_names_one_process),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
