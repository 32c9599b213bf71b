/*
 * test_cov2_analyze.c - corners of the analysis: the warnings a run
 * stopped by signals leaves (analyze.c) when the signal has no name, the
 * after-exit judgement of a segment made by a pid the tree had (replay.c's
 * note_exit, kernel.c) when the journal lost records or a later image of
 * the pid did not exit, and the name given to an untraced program the CLI
 * started (untraced.c's top_name).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <time.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"
#include "signals.h"

/* The run's warnings, one a line. */
static const char *warnings(const struct cli_run *run)
{
    static char out[8192];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < run->nwarnings; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s\n",
                                 run->warnings[i]);
    return out;
}

/* A real-time signal has no abbreviation: the warnings say "SIG?". */
static void test_unnamed_signal_killed(void **state)
{
    struct analysis_fx *fx = *state;
    struct cli_interrupt intr = {.sig = SIGRTMIN + 2, .killed = 1};

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.intr = &intr}), 0);
    assert_contains(warnings(&fx->run), "stopped by a second SIG?: the "
                                        "processes of the tree still running");
}

static void test_unnamed_signal_after_top(void **state)
{
    struct analysis_fx *fx = *state;
    struct cli_interrupt intr = {.sig = SIGRTMIN + 2, .after_top = 1};

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.intr = &intr}), 0);
    assert_contains(warnings(&fx->run),
                    "SIG? came after the program ended: it was forwarded");
}

/* A journal of pid that called exit (its records at time 0, the boot:
 * long before any segment made now), lost records if lost. */
static void exited(const char *dir, const char *name, int pid, uint64_t lost,
                   int exits)
{
    struct jfile j;
    jf_start(&j, pid, 1);
    ((struct shmc_jheader *)j.buf)->lost = lost;
    jf_add(&j, REC(.type = SHMC_J_FTOK, .a = {1}, .result = 7));
    if (exits)
        jf_add(&j, REC(.type = SHMC_J_EXIT, .a = {0, 1}));
    jf_save(&j, dir, name);
}

/* A segment pid 100 made now, that no journal has. */
static const struct cli_kseg *made_now(void)
{
    static struct cli_kseg k = {.key = 0x1234,
                                .shmid = 9,
                                .mode = 0600,
                                .size = 4096,
                                .cpid = 100,
                                .lpid = 100};
    k.ctime = (long)time(NULL);
    return &k;
}

#define TOOK_PID "after the process of the tree with that pid had exited"

/* The control: the process exited long before, so pid 100 was another's
 * when the segment was made; no finding. */
static void test_after_exit_not_the_trees(void **state)
{
    struct analysis_fx *fx = *state;
    exited(fx->dir, "100.0.shmj", 100, 0, 1);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.kernel = made_now(),
                                                         .nkernel = 1}),
                     0);
    assert_contains(warnings(&fx->run),
                    "shmid 9 (key 0x00001234, 4096 "
                    "bytes) was created by pid 100 " TOOK_PID);
    assert_string_equal(fx->text, "");
}

/* Lost records may hide what the process did last: when it ended is not
 * known, and the segment is judged the tree's. */
static void test_after_exit_lost(void **state)
{
    struct analysis_fx *fx = *state;
    exited(fx->dir, "100.0.shmj", 100, 3, 1);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.kernel = made_now(),
                                                         .nkernel = 1}),
                     0);
    assert_null(strstr(warnings(&fx->run), TOOK_PID));
    assert_non_null(strstr(fx->text, "shmid=9"));
}

/* A later image of pid 100 (a process of the tree that took the pid
 * again) did not exit: the earlier exit no longer counts. */
static void test_after_exit_pid_taken_again(void **state)
{
    struct analysis_fx *fx = *state;
    exited(fx->dir, "100.0.shmj", 100, 0, 1);
    exited(fx->dir, "100.1.shmj", 100, 0, 0);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.kernel = made_now(),
                                                         .nkernel = 1}),
                     0);
    assert_null(strstr(warnings(&fx->run), TOOK_PID));
    assert_non_null(strstr(fx->text, "shmid=9"));
}

/* The untraced program the CLI started is named as the kernel names it:
 * the base name of what it was run as, cut to 15 bytes. */
static const char *top_named(struct analysis_fx *fx, char **command)
{
    static const struct cli_reaped reaped[] = {{100, 0}};

    fx->run.command = command; /* borrowed: cli_run_free leaves it */
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){.reaped = reaped,
                                                         .nreaped = 1,
                                                         .top_pid = 100}),
                     0);
    return find_process(&fx->run, 100)->name;
}

static void test_top_name_cut(void **state)
{
    static char *cmd[] = {"/opt/x/a-program-with-a-long-name", "arg", NULL};
    assert_string_equal(top_named(*state, cmd), "a-program-with-");
}

static void test_top_name_no_slash(void **state)
{
    static char *cmd[] = {"prog", NULL};
    assert_string_equal(top_named(*state, cmd), "prog");
}

static void test_top_name_empty(void **state)
{
    static char *cmd[] = {"", NULL};
    assert_null(top_named(*state, cmd));
}

static void test_top_name_no_argv0(void **state)
{
    static char *cmd[] = {NULL};
    assert_null(top_named(*state, cmd));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
        T(test_unnamed_signal_killed),      T(test_unnamed_signal_after_top),
        T(test_after_exit_not_the_trees),   T(test_after_exit_lost),
        T(test_after_exit_pid_taken_again), T(test_top_name_cut),
        T(test_top_name_no_slash),          T(test_top_name_empty),
        T(test_top_name_no_argv0),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
