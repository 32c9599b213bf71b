/*
 * testutil.c - the helpers declared in testutil.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "testutil.h"

#define CALL_NAME_ROW(name) #name,
static const char *const call_names[] = {MOCK_CALLS(CALL_NAME_ROW) "any"};
#undef CALL_NAME_ROW

static const char *call_name(enum mock_call call)
{
    return (size_t)call < COUNT(call_names) ? call_names[call] : "?";
}

const void *sentinel_of(size_t n)
{
    static unsigned char sentinel[256];

    if (n > sizeof sentinel)
        fail_msg("sentinel_of(%zu): at most %zu bytes", n, sizeof sentinel);
    memset(sentinel, SENTINEL_BYTE, sizeof sentinel);
    return sentinel;
}

const char *ename(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

/* --- injected faults --------------------------------------------------- */

void assert_fault(const struct fault *f, enum shmc_err got, int saved)
{
    if (got != f->want || saved != f->err)
        fail_msg("injected %s: got %s errno %s, want %s errno %s",
                 ename(f->err), shmc_errname(got), ename(saved),
                 shmc_errname(f->want), ename(f->err));
}

void inject_faults(enum mock_call call, int nth, const struct fault *faults,
                   size_t n, fault_op *op, fault_check *check, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        mock_reset();
        mock_fail_after(call, nth, faults[i].err);

        enum shmc_err err = op(arg);
        int saved = errno;

        if (!mock_fired())
            fail_msg("injected %s after %d %s call(s): it never fired",
                     ename(faults[i].err), nth, call_name(call));
        if (mock_fired_on() != call)
            fail_msg("injected %s: fired on %s, want %s", ename(faults[i].err),
                     call_name(mock_fired_on()), call_name(call));
        assert_fault(&faults[i], err, saved);
        if (check != NULL)
            check(arg);
    }
}

int fault_loop(fault_op *op, fault_check *failed, void *arg,
               enum mock_call fired_on[FAULT_LOOP_MAX])
{
    int n;

    for (n = 0; n < FAULT_LOOP_MAX; n++) {
        int in_use = mock_segments_in_use();
        mock_reset();
        mock_fail_after(MOCK_ANY, n, ENOMEM);

        enum shmc_err err = op(arg);
        int saved = errno;

        if (err == SHMC_OK) {
            if (mock_fired())
                fail_msg("run %d succeeded although its fault fired on %s", n,
                         call_name(mock_fired_on()));
            break;
        }
        if (!mock_fired())
            fail_msg("run %d failed with %s without its fault firing", n,
                     shmc_errname(err));
        fired_on[n] = mock_fired_on();
        mock_reset();
        if (err != SHMC_E_NO_MEMORY || saved != ENOMEM)
            fail_msg("run %d, ENOMEM on %s: got %s errno %s, want "
                     "SHMC_E_NO_MEMORY errno ENOMEM",
                     n, call_name(fired_on[n]), shmc_errname(err),
                     ename(saved));
        if (mock_segments_in_use() != in_use)
            fail_msg("run %d, ENOMEM on %s: %d segments, %d before", n,
                     call_name(fired_on[n]), mock_segments_in_use(), in_use);
        if (failed != NULL)
            failed(arg);
    }
    mock_reset(); /* the last run left its fault armed */
    if (n == 0 || n == FAULT_LOOP_MAX)
        fail_msg("%d failed runs: want 1 .. %d", n, FAULT_LOOP_MAX - 1);
    return n;
}

/* --- segments ---------------------------------------------------------- */

struct shmc_seginfo stat_of(const struct shmc_segment *seg)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(seg, &info), SHMC_OK);
    return info;
}

unsigned long nattch(const struct shmc_segment *seg)
{
    return stat_of(seg).nattch;
}

void assert_gone(const struct shmc_segment *seg, int in_use)
{
    struct shmc_seginfo info;
    assert_err(shmc_segment_stat(seg, &info), SHMC_E_REMOVED);
    assert_int_equal(mock_segments_in_use(), in_use);
}

void remove_key(key_t key)
{
    int id = shmget(key, 0, 0);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
}

/* --- fixtures ---------------------------------------------------------- */

int fixture_begin(void **state, void *fx, size_t size, int *in_use)
{
    memset(fx, 0, size);
    mock_reset();
    *in_use = mock_segments_in_use();
    *state = fx;
    return 0;
}

int fixture_end(int in_use)
{
    return mock_segments_in_use() == in_use ? 0 : -1;
}

int fixture_segment(struct shmc_segment *seg, size_t size,
                    struct shmc_attachment *att)
{
    if (shmc_segment_create(IPC_PRIVATE, size, 0600, seg) != SHMC_OK ||
        (att != NULL && shmc_attach(seg, NULL, 0, att) != SHMC_OK))
        return -1;
    mock_reset();
    return 0;
}

void fixture_segment_cleanup(const struct shmc_segment *seg,
                             struct shmc_attachment *att, size_t n)
{
    mock_reset();
    for (size_t i = 0; i < n; i++)
        shmc_detach_cleanup(&att[i]);
    (void)shmc_segment_remove(seg);
}

int reset_setup(void **state)
{
    (void)state;
    mock_reset();
    return 0;
}

/* --- validator answers ------------------------------------------------- */

void expect_err(const char *what, enum shmc_err got, enum shmc_err want)
{
    if (got != want)
        fail_msg("%s: got %s, want %s", what, shmc_errname(got),
                 shmc_errname(want));
}

void expect_code(const char *what, enum shmc_err got, int errno_after,
                 enum shmc_err want)
{
    expect_err(what, got, want);
    if (errno_after != ERRNO_SENTINEL)
        fail_msg("%s: errno changed to %d", what, errno_after);
    if (mock_calls(MOCK_ANY) != 0)
        fail_msg("%s: %d system call(s)", what, mock_calls(MOCK_ANY));
}

void run_int_cases(const char *name, int_validator *validate,
                   const struct int_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char what[48];
        snprintf(what, sizeof what, "%s %d", name, c[i].value);
        errno = ERRNO_SENTINEL;

        enum shmc_err got = validate(c[i].value);

        expect_code(what, got, errno, c[i].want);
    }
}

/* --- forked children --------------------------------------------------- */

void child_start(struct child *c, child_fn *fn, void *arg, void *report,
                 size_t size)
{
    int rep[2], go[2];
    assert_int_equal(pipe(rep), 0);
    assert_int_equal(pipe(go), 0);

    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        close(rep[0]);
        close(go[1]);
        if (read(go[0], &byte, 1) != 1)
            _exit(2);
        fn(arg, report);
        _exit(write(rep[1], report, size) == (ssize_t)size ? 0 : 3);
    }
    assert_true(pid > 0);
    close(rep[1]);
    close(go[0]);
    *c = (struct child){pid, rep[0], go[1]};
}

void child_go(struct child *c)
{
    assert_int_equal(write(c->go, "g", 1), 1);
}

void child_finish(struct child *c, void *report, size_t size)
{
    ssize_t got = read(c->from, report, size);
    int status;

    close(c->go);
    close(c->from);
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    c->pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP)
        skip();
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(got, size);
}

void child_reap(struct child *c)
{
    if (c->pid > 0) {
        close(c->go);
        close(c->from);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
    }
}

static void flush_and_abort(int sig)
{
    SHMC_COVERAGE_FLUSH();
    signal(sig, SIG_DFL);
    raise(sig);
}

int run_captured(int (*fn)(void *arg), void *arg, char *out, size_t len)
{
    int fds[2], status = -1;
    size_t have = 0;
    ssize_t n = 1;
    pid_t pid;

    if (pipe(fds) != 0 || (pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        signal(SIGABRT, flush_and_abort);
        int code = fn(arg);
        SHMC_COVERAGE_FLUSH();
        _exit(code);
    }
    close(fds[1]);
    while (n > 0) { /* all of it: a child blocked on a full pipe never ends */
        char rest[256];
        if (have + 1 < len)
            n = read(fds[0], out + have, len - 1 - have);
        else
            n = read(fds[0], rest, sizeof rest);
        if (n > 0 && have + 1 < len)
            have += (size_t)n;
    }
    out[have] = '\0';
    close(fds[0]);
    waitpid(pid, &status, 0);
    return status;
}

int captured_setup(void **state)
{
    static struct captured c;
    return fixture_begin(state, &c, sizeof c, &c.in_use);
}

int captured_teardown(void **state)
{
    const struct captured *c = *state;
    return fixture_end(c->in_use);
}

int segment_4k(void)
{
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}

void expect_out(const struct captured *c, const char *want)
{
    if (strstr(c->out, want) == NULL)
        fail_msg("no \"%s\" in:\n%s", want, c->out);
}
