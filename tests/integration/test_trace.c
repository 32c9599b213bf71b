/*
 * test_trace.c - the LD_PRELOAD tracer on real processes: tprog's
 * subcommands (tests/trace/tprog.c) and real programs nobody here wrote,
 * run with the tracer preloaded; their reports, exit statuses and
 * journals are checked.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "trace_harness.h"

static void threads_exact_counts(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "threads", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.err, ""); /* nothing to report */
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 80000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 80000);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMAT], 0);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
}

static void fork_child_inherits(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "fork", NULL};
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

static void exec_ends_attachments(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "exec", NULL};
    int pid;

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);
    assert_int_equal(sscanf(r.out, "clean %d", &pid), 1);

    assert_exit(r.status, 0); /* an unmatched attach is a warning */
    assert_non_null(strstr(r.err, "still attached at exec"));
    assert_int_equal(fx->nj, 2); /* the old image and the new one */
    assert_int_equal(fx->j[0].pid, pid);
    assert_int_equal(fx->j[1].pid, pid);
    assert_int_equal(fx->j[0].image + fx->j[1].image, 1);
    const struct journal *old = fx->j[0].image == 0 ? &fx->j[0] : &fx->j[1];
    const struct journal *img = fx->j[0].image == 0 ? &fx->j[1] : &fx->j[0];
    assert_int_equal(old->count[SHMC_J_EXEC], 1);
    assert_int_equal(old->count[SHMC_J_EXEC_FAIL], 0);
    assert_int_equal(img->count[SHMC_J_SHMGET], 1); /* traced again */
    assert_int_equal(img->count[SHMC_J_EXIT], 1);
}

static void exit_and__exit_report(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *hows[] = {"exit", "_exit"};

    for (int i = 0; i < 2; i++) {
        char *argv[] = {SHMC_TPROG, "leave", (char *)hows[i], NULL};
        run_traced(fx, &r, argv, NULL);
        assert_exit(r.status, 23);
        assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
        assert_int_equal(count_lines(r.err, "WARNING: unmatched attach"), 1);
        assert_non_null(strstr(r.err, "SUMMARY: shmcheck: 1 leaked"));
    }
    run_traced(fx, &r, (char *[]){SHMC_TPROG, "leave", "exit", NULL},
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
        char *argv[] = {SHMC_TPROG, "leave", (char *)hows[i], NULL};
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

static void scale_segments_and_attachments(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "scale", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.err, "");
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 20000);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMCTL], 2000);
}

static void journal_survives_closed_fds(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "closefds", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 23); /* the leak, though stderr was closed */
    assert_int_equal(fx->nj, 1);
    assert_true(fx->j[0].file_size > (1u << 20)); /* grew after the close */
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
}

/* The tracer changes nothing the program sees: results, errno, fds. */
static void program_sees_no_difference(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    const char *cmds[] = {"results", "fds"};

    for (int i = 0; i < 2; i++) {
        char *argv[] = {SHMC_TPROG, (char *)cmds[i], NULL};
        run_bare(fx, &bare, argv);
        run_traced(fx, &traced, argv, "SHMCHECK_EXITCODE=0");
        assert_exit(bare.status, 0);
        assert_exit(traced.status, 0);
        assert_string_equal(bare.out, traced.out);
    }
    read_journals(fx);
    for (int i = 0; i < fx->nj; i++)
        assert_int_equal(fx->j[i].mode, 0600);
}

static void malformed_setting_warns_once(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "clean", NULL};

    run_traced(fx, &r, argv, "SHMCHECK_STACK_DEPTH=abc SHMCHECK_BOGUS=1");

    assert_exit(r.status, 0);
    assert_int_equal(count_lines(r.err, "SHMCHECK_STACK_DEPTH='abc'"), 1);
    assert_int_equal(count_lines(r.err, "SHMCHECK_BOGUS"), 1);
    assert_non_null(strstr(r.out, "clean "));
}

/* util-linux ipcmk leaves its segment on purpose. */
static void ipcmk_leak_is_reported(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {"/usr/bin/ipcmk", "-M", "4096", NULL};

    if (access(argv[0], X_OK) != 0)
        skip();
    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_non_null(strstr(r.err, "4096 bytes"));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 1);
}

/* A child spawned with an environment that dropped LD_PRELOAD is traced
 * all the same, and the parent's journal names it. */
static void spawn_child_is_traced(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "spawn", NULL};
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

/* execl/execle collect their variadic arguments in the tracer: argv and
 * the environment must arrive as given (execle once crashed here). */
static void execle_passes_argv_and_env(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "execle", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);

    assert_exit(bare.status, 0);
    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "mark execle\n");
    assert_string_equal(traced.out, bare.out);
}

/* Like the sanitizers' reports: grouped by call site, capped. */
static void report_groups_and_caps(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TPROG, "many", NULL};

    run_traced(fx, &r, argv, NULL);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 30);
    assert_non_null(strstr(r.err, "... and 10 more leaked segments"));
    assert_int_equal(count_lines(r.err, "WARNING: unmatched attach: 40 "), 1);
    assert_non_null(strstr(r.err, "SUMMARY: shmcheck: 40 leaked segment(s) "
                                  "(163840 bytes), 40 unmatched"));
}

/* The tracer makes no System V call of its own: a program that makes none
 * shows none under strace, journal and all. */
static void tracer_makes_no_ipc_of_its_own(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char log[256];

    if (access("/usr/bin/strace", X_OK) != 0)
        skip();
    snprintf(log, sizeof log, "%s/strace.txt", fx->dir);
    char *argv[] = {
        "/usr/bin/strace", "-f", "-qq", "-e", "trace=ipc", "-o", log,
        "/bin/true",       NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);
    int fd = open(log, O_RDONLY);
    assert_true(fd >= 0);
    slurp(fd, r.out);
    unlink(log);

    assert_exit(r.status, 0);
    assert_true(fx->nj >= 1); /* true was traced */
    assert_null(strstr(r.out, "shm"));
}

/* Concatenates the reports of every process (SHMCHECK_REPORT=logdir). */
static void read_reports(const struct fx *fx, char *out, size_t len)
{
    struct dirent **names;
    char path[512];
    size_t used = 0;
    int n = scandir(fx->dir, &names, NULL, alphasort);

    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        int fd;
        ssize_t got;
        snprintf(path, sizeof path, "%s/%s", fx->dir, name);
        if (strstr(name, ".report") && (fd = open(path, O_RDONLY)) >= 0) {
            while (used + 1 < len &&
                   (got = read(fd, out + used, len - 1 - used)) > 0)
                used += (size_t)got;
            out[used] = '\0';
            close(fd);
        }
        free(names[i]);
    }
    free(names);
}

/* AFL++ creates its coverage segments, shares them with the forked
 * target, and removes them: nothing leaks; the target's attachment, which
 * the kernel drops at its exit, is an unmatched attach only. */
static void afl_showmap_leaks_nothing(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char reports[OUT_MAX];
    char src[256], bin[256], map[256], cc[1024];

    if (access("/usr/bin/afl-showmap", X_OK) != 0 ||
        access("/usr/bin/afl-cc", X_OK) != 0)
        skip();
    snprintf(src, sizeof src, "%s/target.c", fx->dir);
    snprintf(bin, sizeof bin, "%s/target", fx->dir);
    snprintf(map, sizeof map, "%s/map", fx->dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("#include <stdio.h>\nint main(void) { return getchar() == 'a'; }\n",
          f);
    fclose(f);
    snprintf(cc, sizeof cc, "AFL_QUIET=1 afl-cc -o %s %s 2>/dev/null", bin,
             src);
    assert_int_equal(system(cc), 0);
    char *argv[] = {"/usr/bin/afl-showmap", "-q", "-o", map, "--", bin, NULL};

    run_traced(fx, &r, argv, "SHMCHECK_REPORT=logdir");
    read_reports(fx, reports, sizeof reports);
    read_journals(fx);

    assert_true(WIFEXITED(r.status)); /* afl-showmap's own status kept */
    assert_null(strstr(reports, "leaked segment:"));
    assert_non_null(strstr(reports, "unmatched attach"));
    assert_true(fx->nj >= 3); /* afl-showmap, forkserver, target */
    unsigned created = 0, removed = 0;
    for (int i = 0; i < fx->nj; i++) {
        created += fx->j[i].count[SHMC_J_SHMGET];
        removed += fx->j[i].count[SHMC_J_SHMCTL];
    }
    assert_true(created >= 1);
    assert_true(removed >= created);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(threads_exact_counts),         T(fork_child_inherits),
        T(exec_ends_attachments),        T(exit_and__exit_report),
        T(crash_keeps_journal),          T(scale_segments_and_attachments),
        T(journal_survives_closed_fds),  T(program_sees_no_difference),
        T(malformed_setting_warns_once), T(ipcmk_leak_is_reported),
        T(afl_showmap_leaks_nothing),    T(tracer_makes_no_ipc_of_its_own),
        T(report_groups_and_caps),       T(spawn_child_is_traced),
        T(execle_passes_argv_and_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
