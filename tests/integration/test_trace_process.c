/*
 * test_trace_process.c - the tracer across a process's life: every exec
 * function (and the exec that fails and returns), the environment an exec
 * passes on, vfork and raw clone children, posix_spawn, the ways out and
 * their exit status, calls made before the tracer's constructor and after
 * its final report, atfork handlers, dlopen, and the destructors of
 * libraries that run after the tracer's. tprog (tests/trace/tprog.c) is
 * the traced program; what it prints bare and traced must be the same.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "trace_harness.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "PATH=<tprog's directory>:..." so that tprog is found by name. */
static const char *path_to_tprog(void)
{
    static char path[PATH_MAX + 32];
    const char *slash = strrchr(SHMC_TPROG, '/');

    snprintf(path, sizeof path, "PATH=%.*s:/usr/bin:/bin",
             (int)(slash - SHMC_TPROG), SHMC_TPROG);
    return path;
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
    const char *paths[] = {SHMC_TPROG, SHMC_TPROG, "tprog",
                           "tprog",    "tprog",    ""};
    int pid;

    for (size_t i = 0; i < NELEM(kinds); i++) {
        char *argv[] = {SHMC_TPROG, "exec-via", (char *)kinds[i], NULL};
        reset(fx);
        run_traced(fx, &r, argv, path_to_tprog());
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
        char *argv[] = {SHMC_TPROG, "exec-fail", (char *)kinds[i], NULL};
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
    char *argv[] = {SHMC_TPROG, "exec-noargs", NULL};

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

/* template with {T} replaced by the tracer's path, {S} by what tprog
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
 * process started with are added unless the new environment has them;
 * an environment too big or odd to copy is passed as it is. */
static void exec_environment_keeps_the_tracer(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char want[24000], sent[12000], got[12000];
    const char *kept = "got SHMCHECK_LOG_DIR={D}\ngot SHMCHECK_EXITCODE=7\n"
                       "got SHMCHECK_STACKS=off\ncount 4\n";
    const struct env_case cases[] = {
        {"other", "{T}:{S}", 1, kept},
        {"listed", "{S}", 1, kept},
        {"doubled", "{T}:{S}", 1, kept},
        {"suffix", "{S}", 1, kept},
        {"long", "{S}", 0, "count 1\n"},
        {"many", "(none)", 0, "count 1100\n"},
        {"keep", "{T}", 1,
         "got SHMCHECK_EXITCODE=9\ngot SHMCHECK_LOG_DIR={D}\n"
         "got SHMCHECK_STACKS=off\ncount 4\n"},
        {"null", "(none)", 0, "count 0\n"},
    };

    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct env_case *c = &cases[i];
        char *argv[] = {SHMC_TPROG, "exec-env", (char *)c->how, NULL};
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
        char *argv[] = {SHMC_TPROG, "vfork", (char *)hows[i], NULL};
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
static void raw_clone_child_keeps_its_status(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "rawfork", "exit", NULL}, NULL);
    assert_exit(r.status, 0);
    assert_string_equal(r.out, "rawfork exit status 5\n");
    run_traced(fx, &r, (char *[]){SHMC_TPROG, "rawfork", "_exit", NULL}, NULL);
    assert_exit(r.status, 0);
    assert_string_equal(r.out, "rawfork _exit status 6\n");
    read_journals(fx);
    assert_int_equal(fx->nj, 2);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[1].count[SHMC_J_EXIT], 1);
}

/* posix_spawnp finds the program in PATH (no pid pointer given) and the
 * child is traced; a spawn that fails returns its error and is journaled
 * as failed. */
static void spawnp_and_failed_spawn(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "spawn-more", NULL};
    const struct how h = {NULL, path_to_tprog(), NULL, NULL};
    int child;

    run(fx, &bare, &h, argv);
    run_traced(fx, &traced, argv, path_to_tprog());
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
    assert_string_equal(ok->payload, "tprog");
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
    char *leave_exit[] = {SHMC_TPROG, "leave", "exit", NULL};

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "leave", "_Exit", NULL}, NULL);
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
    run_traced(fx, &r, (char *[]){SHMC_TPROG, "exec-fail", "execv", NULL},
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

/* A call made before any constructor ran (from .preinit_array, before
 * libc set environ) starts the tracer from inside its interposer, with
 * the settings the process started with: it is journaled and reported,
 * and errno is as without the tracer. */
static void call_before_the_constructor_starts_the_tracer(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "early", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "early 1 1234 1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    assert_int_equal(count_lines(traced.err, "WARNING: unmatched attach"), 1);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].rec[0].type, SHMC_J_START);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 1);
}

/* The program's atfork handlers: those registered after the tracer's are
 * traced (a child that detaches in one has nothing left attached; the
 * tracer once missed that shmdt and reported the attachment); those
 * registered before run while the tracer holds its lock and pass their
 * calls through, without a deadlock. */
static void atfork_handlers_are_traced_when_they_can_be(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *early[] = {SHMC_TPROG, "early-atfork", NULL};
    int child;

    run_traced(fx, &traced, (char *[]){SHMC_TPROG, "atfork", NULL}, NULL);
    read_journals(fx);
    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, "atfork child 0\n");
    assert_null(strstr(traced.err, "inherited"));
    assert_int_equal(fx->nj, 2);
    child = fx->j[0].pid == traced.pid ? fx->j[1].pid : fx->j[0].pid;
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_INHERIT], 1);
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_SHMDT], 1);
    assert_int_equal(journal_of(fx, child, 0)->failed[SHMC_J_SHMDT], 0);

    reset(fx);
    run_bare(fx, &bare, early);
    run_traced(fx, &traced, early, NULL);
    read_journals(fx);
    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "early 1 1234 1\natfork 0 0 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_int_equal(fx->nj, 2);
    const struct journal *parent = journal_of(fx, traced.pid, 0);
    assert_non_null(parent);
    assert_int_equal(parent->count[SHMC_J_SHMGET], 1); /* before main */
    assert_int_equal(parent->count[SHMC_J_FORK], 1);
    child = fx->j[0].pid == traced.pid ? fx->j[1].pid : fx->j[0].pid;
    assert_int_equal(journal_of(fx, child, 0)->count[SHMC_J_SHMGET], 0);
}

/* Calls made after the final report (a stdio stream flushed by exit
 * after every exit handler) go straight to libc: same results and errno,
 * nothing journaled, and the _exit there keeps its status. */
static void calls_after_the_report_pass_through(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "late", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 4);
    assert_exit(traced.status, 4);
    assert_string_equal(bare.out, "main done\nlate 0 1 1 7 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_string_equal(traced.err, "");
    assert_int_equal(fx->nj, 1); /* the late child has no journal */
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_FTOK], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_FORK], 0);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
}

/* A library loaded at run time is journaled as a module (the CLI needs
 * it to symbolize), once; dlopen's results are unchanged. */
static void dlopen_journals_the_new_module(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "dlopen", NULL};
    int libm = 0, exe = 0;

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "dlopen 1 1 0 named\n");
    assert_string_equal(traced.out, bare.out);
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_MODULE, n) != NULL; n++) {
        const char *path = rec_of(&fx->j[0], SHMC_J_MODULE, n)->payload;
        libm += strstr(path, "/libm.so.6") != NULL;
        exe += strcmp(path, SHMC_TPROG) == 0;
    }
    assert_int_equal(libm, 1);
    assert_int_equal(exe, 1);
}

static const char dtor_lib[] =
    "#include <stdio.h>\n"
    "#include <sys/shm.h>\n"
    "#include <unistd.h>\n"
    "/* Removes the segments this process created, as a library's\n"
    " * destructor may (a C++ global that owns one). */\n"
    "__attribute__((destructor)) static void cleanup(void)\n"
    "{\n"
    "    FILE *f = fopen(\"/proc/sysvipc/shm\", \"re\");\n"
    "    char line[512];\n"
    "    int key, id, cpid, n = 0;\n"
    "    while (f && fgets(line, sizeof line, f))\n"
    "        if (sscanf(line, \"%d %d %*o %*u %d\", &key, &id, &cpid) == 3\n"
    "            && cpid == getpid())\n"
    "            n += shmctl(id, IPC_RMID, NULL) == 0;\n"
    "    if (f)\n"
    "        fclose(f);\n"
    "    fprintf(stderr, \"dtor removed %d\\n\", n);\n"
    "}\n";

/* A library finalised after the tracer (here preloaded after it; also
 * every library the program links) may remove segments in its
 * destructor: the report comes after it, and the tracer does not cut the
 * exit short before it (it once did, leaving the segment behind). */
static void report_comes_after_library_destructors(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char src[128], lib[128], cc[512], preload[PATH_MAX + 160];
    FILE *f;

    snprintf(src, sizeof src, "%s/dtor.c", fx->dir);
    snprintf(lib, sizeof lib, "%s/libdtor.so", fx->dir);
    f = fopen(src, "w");
    assert_non_null(f);
    fputs(dtor_lib, f);
    fclose(f);
    snprintf(cc, sizeof cc, "cc -shared -fPIC -o %s %s 2>/dev/null", lib, src);
    if (system(cc) != 0)
        skip();
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s:%s", SHMC_TRACE_SO, lib);

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "leave", "exit", NULL}, preload);
    read_journals(fx);

    assert_exit(r.status, 0); /* an unmatched attach is a warning */
    assert_non_null(strstr(r.err, "dtor removed 1\n"));
    assert_null(strstr(r.err, "leaked segment:"));
    assert_non_null(strstr(r.err, "WARNING: unmatched attach"));
    assert_false(segment_left_by(r.pid));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMCTL], 1); /* traced too */
}

/* The tracer's start changes no errno: main starts with 0 even when the
 * journal cannot be created (warned about once). */
static void errno_at_main_is_zero(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "errno", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, "SHMCHECK_LOG_DIR=/nonexistent/shmc-logs");

    assert_string_equal(bare.out, "errno 0\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 0);
    assert_int_equal(count_lines(traced.err, "cannot create a journal"), 1);
}

/* Without a journal (SHMCHECK_LOG_DIR empty) the tracer still reports
 * each process, and changes nothing the program sees. */
static void tracing_without_a_journal(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *results[] = {SHMC_TPROG, "results", NULL};
    char *exec_fail[] = {SHMC_TPROG, "exec-fail", "execv", NULL};

    run_bare(fx, &bare, results);
    run_traced(fx, &traced, results, "SHMCHECK_LOG_DIR= SHMCHECK_EXITCODE=0");
    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, bare.out);
    assert_non_null(strstr(traced.err, "ERROR: invalid detach"));
    assert_non_null(strstr(traced.err, "WARNING: failed call: shmat"));

    run_bare(fx, &bare, exec_fail);
    run_traced(fx, &traced, exec_fail, "SHMCHECK_LOG_DIR=");
    assert_exit(traced.status, 0);
    assert_int_equal(strcspn(traced.out, "\n"), strcspn(bare.out, "\n"));
    assert_memory_equal(traced.out, bare.out, strcspn(bare.out, "\n"));

    run_traced(fx, &traced, (char *[]){SHMC_TPROG, "fork", NULL},
               "SHMCHECK_LOG_DIR=");
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    assert_non_null(strstr(traced.err, "(inherited through fork)"));

    read_journals(fx);
    assert_int_equal(fx->nj, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(exec_family_traces_the_new_image),
        T(failed_exec_returns_and_tracing_goes_on),
        T(execle_without_arguments),
        T(exec_environment_keeps_the_tracer),
        T(vfork_child_is_not_the_parent),
        T(raw_clone_child_keeps_its_status),
        T(spawnp_and_failed_spawn),
        T(ways_out_and_their_status),
        T(call_before_the_constructor_starts_the_tracer),
        T(atfork_handlers_are_traced_when_they_can_be),
        T(calls_after_the_report_pass_through),
        T(dlopen_journals_the_new_module),
        T(report_comes_after_library_destructors),
        T(errno_at_main_is_zero),
        T(tracing_without_a_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
