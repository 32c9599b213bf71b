/*
 * test_symbolize_faults.c - the symbolizer child misbehaving and the
 * ways it is found: replies the CLI cannot parse (no line, no column,
 * line numbers out of range) give what can be read and no more; a reply
 * of several frames (inlining) is read to its end; one longer than the
 * buffer is cut; one that ends early, or a child that dies, fail that
 * frame and all later ones; a module path too long for a query is not
 * asked about; a child that ignores the end of its
 * input is killed; a read interrupted by a signal is retried; frames
 * without a module are never asked; the default programs are looked up in
 * $PATH in order, and when none starts, or no descriptor is left for the
 * channel, the message says which and why.
 *
 * The children are shell scripts that answer from a file, like
 * test_symbolize_queries.c's.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "findings.h"
#include "symbolize.h"

struct fixture {
    char dir[64], prog[96], reply[128];
    struct cli_symbolizer *s;
    struct cli_run run;
};

/* Answers each query with $0.reply, then a blank line unless $0.noblank
 * exists; with $0.fifo, first waits for three lines on it. Shell builtins
 * only: test_default_programs runs it with a PATH of its own. */
static const char script[] =
    "#!/bin/sh\n"
    "while IFS= read -r q; do\n"
    "    if [ -p \"$0.fifo\" ]; then\n"
    "        for i in 1 2 3; do IFS= read -r x; done <\"$0.fifo\"\n"
    "    fi\n"
    "    while IFS= read -r r; do printf '%s\\n' \"$r\"; done <\"$0.reply\"\n"
    "    [ -e \"$0.noblank\" ] && exit 0\n"
    "    echo\n"
    "done\n";

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    mk_dir(fx->dir, sizeof fx->dir);
    snprintf(fx->prog, sizeof fx->prog, "%s/sym", fx->dir);
    snprintf(fx->reply, sizeof fx->reply, "%s/sym.reply", fx->dir);
    put_file(fx->prog, script, 0700);
    unsetenv("SHMCHECK_SYMBOLIZER");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    cli_symbolizer_stop(fx->s);
    cli_run_free(&fx->run);
    unsetenv("SHMCHECK_SYMBOLIZER");
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

/* Starts the script answering reply (without the blank line). */
static struct cli_symbolizer *start(struct fixture *fx, const char *reply)
{
    char err[256] = "";

    put_file(fx->reply, reply, 0600);
    fx->s = cli_symbolizer_start(fx->prog, err, sizeof err);
    if (fx->s == NULL)
        fail_msg("%s", err);
    return fx->s;
}

static struct cli_frame frame(const char *module, uint64_t offset)
{
    struct cli_frame f = {.pc = offset, .module = module, .offset = offset};
    return f;
}

/* --- replies -------------------------------------------------------------- */

static void test_unparsable_locations(void **state)
{
    struct fixture *fx = *state;
    const char *const replies[] = {"fn\nno colon at all\n", "fn\nfile.c:12\n",
                                   "fn\nx.c:abc:1\n", "fn\nx.c:99999999999:1\n",
                                   "??\n??:0:0\n"};
    const char *const files[] = {NULL, NULL, "x.c", "x.c", NULL};

    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        struct cli_frame f = frame("/lib/a.so", 0x10);
        start(fx, replies[i]);
        int rc = cli_symbolize_frame(fx->s, &fx->run, &f);
        cli_symbolizer_stop(fx->s);
        fx->s = NULL;

        assert_int_equal(rc, 0);
        if (i < 4)
            assert_string_equal(f.function, "fn");
        else
            assert_null(f.function);
        if (files[i] == NULL)
            assert_null(f.file);
        else
            assert_string_equal(f.file, files[i]);
        assert_int_equal(f.line, 0);
    }
}

/* Inlined frames: the outermost... is the first; the rest is skipped to
 * the blank line, so the next query reads its own reply. */
static void test_inlined_reply(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = frame("/lib/a.so", 0x10), g = frame("/lib/b.so", 1);
    start(fx, "inner\ninner.h:3:1\nouter\nouter.c:9:2\n");

    int rc_f = cli_symbolize_frame(fx->s, &fx->run, &f);
    int rc_g = cli_symbolize_frame(fx->s, &fx->run, &g);

    assert_int_equal(rc_f, 0);
    assert_int_equal(rc_g, 0);
    assert_string_equal(f.function, "inner");
    assert_string_equal(f.file, "inner.h");
    assert_int_equal(f.line, 3);
    assert_string_equal(g.function, "inner");
}

/* A function name longer than the reply buffer is cut, not overflowed. */
static void test_long_reply(void **state)
{
    struct fixture *fx = *state;
    struct cli_frame f = frame("/lib/a.so", 0x10);
    static char reply[20000];
    memset(reply, 'n', 10000);
    strcpy(reply + 10000, "\nlong.c:5:1\n");
    start(fx, reply);

    int rc = cli_symbolize_frame(fx->s, &fx->run, &f);

    assert_int_equal(rc, 0);
    assert_int_equal(strlen(f.function), 8191);
    assert_int_equal(strspn(f.function, "n"), 8191);
    assert_string_equal(f.file, "long.c");
    assert_int_equal(f.line, 5);
}

/* The reply stops before its blank line, or after its function: the
 * channel is out of step. */
static void test_reply_cut_short(void **state)
{
    struct fixture *fx = *state;
    const char *const replies[] = {"fn\nf.c:1:1\n", "fn\n"};
    char path[128];
    snprintf(path, sizeof path, "%s/sym.noblank", fx->dir);
    put_file(path, "", 0600);

    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        struct cli_frame f = frame("/lib/a.so", 0x10), g = f;
        start(fx, replies[i]);
        int rc_f = cli_symbolize_frame(fx->s, &fx->run, &f);
        int rc_g = cli_symbolize_frame(fx->s, &fx->run, &g);
        cli_symbolizer_stop(fx->s);
        fx->s = NULL;

        assert_int_equal(rc_f, -1);
        assert_int_equal(rc_g, -1);
        assert_null(f.function);
        assert_null(g.function);
    }
}

/* A module path longer than a query can hold is not asked about. */
static void test_module_too_long(void **state)
{
    struct fixture *fx = *state;
    static char module[8192];
    memset(module, 'm', sizeof module - 1);
    module[0] = '/';
    struct cli_frame f = frame(module, 0x10), g = frame("/lib/a.so", 0x10);
    start(fx, "fn\nf.c:1:1\n");

    int rc_f = cli_symbolize_frame(fx->s, &fx->run, &f);
    int rc_g = cli_symbolize_frame(fx->s, &fx->run, &g);

    assert_int_equal(rc_f, 0);
    assert_null(f.function);
    assert_int_equal(rc_g, 0); /* the channel is still in step */
    assert_string_equal(g.function, "fn");
}

/* Stacks with frames that have no module: those are not asked, and the
 * others are asked once each. */
static void test_stacks_without_modules(void **state)
{
    struct fixture *fx = *state;
    struct cli_finding *f = calloc(2, sizeof *f);
    assert_non_null(f);
    f[0].stack.n = 3;
    f[0].stack.f[0] = frame(NULL, 1);
    f[0].stack.f[1] = frame("/lib/a.so", 0x10);
    f[0].stack.f[2] = frame(NULL, 2);
    f[1].stack.n = 2;
    f[1].stack.f[0] = frame("/lib/a.so", 0x10);
    f[1].stack.f[1] = frame(NULL, 1);
    fx->run.findings = f;
    fx->run.nfindings = 2;
    start(fx, "fn\nf.c:4:1\n");

    cli_symbolize_stacks(fx->s, &fx->run);

    assert_null(f[0].stack.f[0].function);
    assert_string_equal(f[0].stack.f[1].function, "fn");
    assert_null(f[0].stack.f[2].function);
    assert_ptr_equal(f[1].stack.f[0].function, f[0].stack.f[1].function);
    assert_null(f[1].stack.f[1].function);
}

/* --- the child ------------------------------------------------------------ */

static int fifo_fd = -1;

static void tick(int sig)
{
    (void)sig;
    if (write(fifo_fd, "go\n", 3) != 3)
        abort();
}

/* The reply only comes after three timer signals, each of which interrupts
 * the read that waits for it. */
static void test_interrupted_read(void **state)
{
    struct fixture *fx = *state;
    char fifo[128];
    struct cli_frame f = frame("/lib/a.so", 0x10);
    struct sigaction sa = {.sa_handler = tick}, old;
    struct itimerval every = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}};
    snprintf(fifo, sizeof fifo, "%s/sym.fifo", fx->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
    assert_true(fifo_fd >= 0);
    start(fx, "fn\nf.c:6:1\n");
    sigemptyset(&sa.sa_mask); /* no SA_RESTART: read returns EINTR */
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);

    int rc = cli_symbolize_frame(fx->s, &fx->run, &f);

    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    close(fifo_fd);
    assert_int_equal(rc, 0);
    assert_string_equal(f.function, "fn");
    assert_int_equal(f.line, 6);
}

/* A child that never reads, never exits: stop kills it (after 2 s). */
static void test_stuck_child_is_killed(void **state)
{
    struct fixture *fx = *state;
    char prog[128], pidfifo[128], text[32] = "";
    struct timespec t0, t1;
    snprintf(prog, sizeof prog, "%s/stuck", fx->dir);
    snprintf(pidfifo, sizeof pidfifo, "%s/stuck.pid", fx->dir);
    assert_int_equal(mkfifo(pidfifo, 0600), 0);
    put_file(prog,
             "#!/bin/sh\n"
             "echo $$ >\"$0.pid\"\n"
             "exec sleep 600 <&-\n",
             0700);
    fx->s = cli_symbolizer_start(prog, NULL, 0);
    assert_non_null(fx->s);
    FILE *p = fopen(pidfifo, "r"); /* until the child has started */
    assert_non_null(p);
    assert_non_null(fgets(text, sizeof text, p));
    fclose(p);
    pid_t pid = (pid_t)atoi(text);
    assert_true(pid > 0);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    cli_symbolizer_stop(fx->s);
    fx->s = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);

    assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
    assert_int_equal(errno, ESRCH);
    assert_true(t1.tv_sec - t0.tv_sec >= 1);
}

/* --- starting ------------------------------------------------------------- */

/* No path, no $SHMCHECK_SYMBOLIZER (or an empty one): llvm-symbolizer-14,
 * then llvm-symbolizer, from $PATH. */
static void test_default_programs(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "", path[128], *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    struct cli_frame f = frame("/lib/a.so", 0x10);
    setenv("SHMCHECK_SYMBOLIZER", "", 1);
    setenv("PATH", fx->dir, 1);

    struct cli_symbolizer *none = cli_symbolizer_start(NULL, err, sizeof err);
    snprintf(path, sizeof path, "%s/llvm-symbolizer", fx->dir);
    assert_int_equal(link(fx->prog, path), 0);
    snprintf(path, sizeof path, "%s/llvm-symbolizer.reply", fx->dir);
    put_file(path, "second\ns.c:2:1\n", 0600);
    fx->s = cli_symbolizer_start(NULL, NULL, 0);
    int rc = fx->s ? cli_symbolize_frame(fx->s, &fx->run, &f) : -2;

    if (saved != NULL)
        setenv("PATH", saved, 1);
    free(saved);
    assert_null(none);
    assert_string_equal(err, "cannot start llvm-symbolizer-14 or "
                             "llvm-symbolizer: No such file or directory");
    assert_int_equal(rc, 0);
    assert_string_equal(f.function, "second");
}

/* No descriptor left for the channel. */
static void test_no_descriptors(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "", want[256];
    struct rlimit old, lim;
    int lowest = dup(0);
    assert_true(lowest >= 0);
    close(lowest);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)lowest + 1; /* one descriptor, not two */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);

    struct cli_symbolizer *s = cli_symbolizer_start(fx->prog, err, sizeof err);

    setrlimit(RLIMIT_NOFILE, &old);
    snprintf(want, sizeof want, "cannot start %s: %s", fx->prog,
             strerror(EMFILE));
    assert_null(s);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unparsable_locations, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inlined_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stacks_without_modules, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_child_is_killed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_default_programs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_descriptors, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
