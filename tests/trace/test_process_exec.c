/*
 * test_process_exec.c - the tracer across exec (src/trace/process.c): every
 * exec function runs the new image traced in a journal of its own and ends
 * the old image's attachments; an exec that fails returns as without the
 * tracer and tracing goes on; execl and execle collect their arguments as
 * glibc does; the environment an exec passes on keeps the tracer and the
 * settings (src/trace/env.c). What the traced program prints bare and
 * traced must be the same.
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

static void exec_ends_attachments(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "exec", NULL};
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

/* execl/execle collect their variadic arguments in the tracer: argv and
 * the environment must arrive as given (execle once crashed here). */
static void execle_passes_argv_and_env(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "execle", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);

    assert_exit(bare.status, 0);
    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "mark execle\n");
    assert_string_equal(traced.out, bare.out);
}

/* Every exec function runs the new image traced, in a journal of its own
 * (same pid, next image); the old image's journal names the exec, and
 * its report ends the attachment there. */
static void exec_family_traces_the_new_image(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *kinds[] = {"execv",   "execve", "execvp",
                           "execvpe", "execlp", "fexecve"};
    const char *paths[] = {SHMC_TRACED_PROG, SHMC_TRACED_PROG, "traced_prog",
                           "traced_prog",    "traced_prog",    ""};
    int pid;

    for (size_t i = 0; i < NELEM(kinds); i++) {
        char *argv[] = {SHMC_TRACED_PROG, "exec-via", (char *)kinds[i], NULL};
        reset(fx);
        run_traced(fx, &r, argv, path_to_traced_prog());
        read_journals(fx);

        assert_exit(r.status, 0);
        assert_int_equal(sscanf(r.out, "clean %d", &pid), 1);
        assert_int_equal(pid, r.pid);
        assert_non_null(strstr(r.err, "still attached at exec"));
        assert_int_equal(fx->nj, 2);
        const struct journal *old = journal_of(fx, pid, 0);
        const struct journal *img = journal_of(fx, pid, 1);
        assert_non_null(old);
        assert_non_null(img);
        assert_int_equal(old->count[SHMC_J_EXEC], 1);
        assert_int_equal(old->count[SHMC_J_EXEC_FAIL], 0);
        assert_int_equal(old->count[SHMC_J_EXIT], 0);
        assert_string_equal(rec_of(old, SHMC_J_EXEC, 0)->payload, paths[i]);
        assert_int_equal(img->count[SHMC_J_SHMGET], 1);
        assert_int_equal(img->count[SHMC_J_EXIT], 1);
    }
}

/* An exec that fails returns its result and errno as without the tracer;
 * the journal says it failed, and what the program does next is traced
 * in the same journal. */
static void failed_exec_returns_and_tracing_goes_on(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    const char *kinds[] = {"execve", "execv",  "execvp", "execvpe",
                           "execl",  "execlp", "execle", "fexecve"};
    char first[64];
    int r, err;

    for (size_t i = 0; i < NELEM(kinds); i++) {
        char *argv[] = {SHMC_TRACED_PROG, "exec-fail", (char *)kinds[i], NULL};
        reset(fx);
        run_bare(fx, &bare, argv);
        run_traced(fx, &traced, argv, NULL);
        read_journals(fx);

        assert_exit(bare.status, 0);
        assert_exit(traced.status, 0);
        assert_int_equal(sscanf(traced.out, "%63s %d %d", first, &r, &err), 3);
        assert_string_equal(first, kinds[i]);
        assert_int_equal(r, -1);
        assert_int_equal(strcspn(traced.out, "\n"), strcspn(bare.out, "\n"));
        assert_memory_equal(bare.out, traced.out, strcspn(bare.out, "\n"));
        assert_int_equal(fx->nj, 1);
        const struct journal *j = &fx->j[0];
        const struct rec *fail = rec_of(j, SHMC_J_EXEC_FAIL, 0);
        assert_int_equal(j->count[SHMC_J_EXEC], 1);
        assert_non_null(fail);
        assert_int_equal(fail->err, err);
        assert_int_equal(fail->result, -1);
        assert_true(rec_index(j, rec_of(j, SHMC_J_SHMGET, 0)) >
                    rec_index(j, fail));
        assert_int_equal(j->count[SHMC_J_EXIT], 1);
    }
}

/* execle(path, NULL, NULL, envp): glibc takes the NULL after arg0 as the
 * end of the list and envp after it; the tracer must read it the same
 * (it once took the NULL for envp). */
static void execle_without_arguments(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "exec-noargs", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);

    assert_exit(bare.status, 0);
    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "no args, mark noargs\n");
    assert_string_equal(traced.out, bare.out);
}

/* The line of out that starts with prefix, without it ("" if none). */
static const char *line_after(const char *out, const char *prefix, char *buf,
                              size_t len)
{
    const char *p = strstr(out, prefix);
    size_t n;

    buf[0] = '\0';
    if (p == NULL)
        return buf;
    p += strlen(prefix);
    n = strcspn(p, "\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return buf;
}

/* template with {T} replaced by the tracer's path, {S} by what traced_prog
 * sent, {D} by the log directory. */
static void expand(char *out, size_t len, const char *template,
                   const char *sent, const char *dir)
{
    size_t n = 0;

    for (const char *p = template; *p != '\0' && n + 1 < len; p++) {
        const char *with = strncmp(p, "{T}", 3) == 0   ? SHMC_TRACE_SO
                           : strncmp(p, "{S}", 3) == 0 ? sent
                           : strncmp(p, "{D}", 3) == 0 ? dir
                                                       : NULL;
        if (with == NULL) {
            out[n++] = *p;
            continue;
        }
        n += (size_t)snprintf(out + n, len - n, "%s", with);
        p += 2;
    }
    out[n < len ? n : len - 1] = '\0';
}

struct env_case {
    const char *how;
    const char *got_preload; /* expand()'s template */
    int traced;              /* the new image has a journal */
    const char *rest;        /* the SHMCHECK_* lines and the count */
};

/* What an exec passes on: the tracer is put first in LD_PRELOAD unless it
 * is there already (a whole list item), and the SHMCHECK_* settings the
 * process started with, and the entry naming the root of the traced tree
 * (here the process itself), are added unless the new environment has them;
 * an environment too big or odd to copy is passed as it is. */
static void exec_environment_keeps_the_tracer(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char want[24000], sent[12000], got[12000];
    const char *kept = "got SHMCHECK__ROOT=me\ngot SHMCHECK_LOG_DIR={D}\n"
                       "got SHMCHECK_EXITCODE=7\ngot SHMCHECK_STACKS=off\n"
                       "count 5\n";
    const struct env_case cases[] = {
        {"other", "{T}:{S}", 1, kept},
        {"listed", "{S}", 1, kept},
        {"doubled", "{T}:{S}", 1, kept},
        {"suffix", "{S}", 1, kept},
        {"first", "{S}", 1, kept},
        {"first-space", "{S}", 1, kept},
        {"long", "{S}", 0, "count 1\n"},
        {"many", "(none)", 0, "count 1100\n"},
        {"keep", "{T}", 1,
         "got SHMCHECK_EXITCODE=9\ngot SHMCHECK__ROOT=me\n"
         "got SHMCHECK_LOG_DIR={D}\ngot SHMCHECK_STACKS=off\ncount 5\n"},
        {"null", "(none)", 0, "count 0\n"},
    };

    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct env_case *c = &cases[i];
        char *argv[] = {SHMC_TRACED_PROG, "exec-env", (char *)c->how, NULL};
        reset(fx);
        run_traced(fx, &r, argv, "SHMCHECK_EXITCODE=7 SHMCHECK_STACKS=off");
        read_journals(fx);
        line_after(r.out, "sent LD_PRELOAD=", sent, sizeof sent);
        line_after(r.out, "got LD_PRELOAD=", got, sizeof got);

        const char *rest = strstr(r.out, "got LD_PRELOAD=");
        assert_exit(r.status, 0);
        assert_non_null(rest);
        expand(want, sizeof want, c->got_preload, sent, fx->dir);
        assert_string_equal(got, want);
        expand(want, sizeof want, c->rest, sent, fx->dir);
        assert_string_equal(rest + strcspn(rest, "\n") + 1, want);
        assert_int_equal(journal_of(fx, r.pid, 1) != NULL, c->traced);
    }
}

/* In the child before exec: a setting bigger than the room for them. */
static void set_big_setting(const void *arg)
{
    static char pad[4200 + 1];

    (void)arg;
    memset(pad, 'x', sizeof pad - 1);
    setenv("SHMCHECK_PAD", pad, 1);
}

/* The settings kept across exec have a fixed room (4 KiB): one that does
 * not fit is left out whole, the others still pass; the root's entry has
 * a room of its own. */
static void exec_keeps_the_settings_that_fit(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "exec-env", "other", NULL};
    const struct how h = {fx->dir, "SHMCHECK_STACKS=off", set_big_setting,
                          NULL};

    run(fx, &r, &h, argv);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "got SHMCHECK_STACKS=off\n"));
    assert_null(strstr(r.out, "got SHMCHECK_PAD="));
    assert_non_null(strstr(r.out, "got SHMCHECK__ROOT=me\n"));
    assert_non_null(
        strstr(r.out, "count 4\n")); /* preload, root, dir, stacks */
    assert_non_null(journal_of(fx, r.pid, 1));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(exec_ends_attachments),
        T(execle_passes_argv_and_env),
        T(exec_family_traces_the_new_image),
        T(failed_exec_returns_and_tracing_goes_on),
        T(execle_without_arguments),
        T(exec_environment_keeps_the_tracer),
        T(exec_keeps_the_settings_that_fit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
