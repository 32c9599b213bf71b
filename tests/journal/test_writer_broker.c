/*
 * test_writer_broker.c - the writer's broker fallbacks (src/journal/
 * writer.c) against a fake broker (broker_server.h): a descriptor the
 * broker sends that cannot be mapped read-write fails open; a journal
 * removed from under the writer is not asked of the broker (only a
 * refusal is); a growth whose reopen is refused with EPERM goes through
 * the broker and loses nothing; a refused fchmod fails open and leaves no
 * file.
 *
 * The refusals come from a seccomp filter installed in a child
 * (refuse_syscall, fixtures.h), as a sandbox would refuse (skipped where
 * no filter can be installed).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker_server.h"
#include "fixtures.h"

#define NO_FILTER 77 /* a child's exit status: no seccomp filter here */

static int child_status(pid_t pid)
{
    int how = reap(pid);

    if (how == NO_FILTER)
        skip();
    return how;
}

/* The broker's descriptor is write-only: it grows, it cannot be mapped
 * read-write; open fails (EACCES) with nothing left behind. */
static void test_broker_descriptor_not_mappable(void **state)
{
    struct both *b = *state;
    char dir[PATH_MAX], file[PATH_MAX];
    struct stat st;

    /* Our own create is refused (EPERM: the directory is not the one
     * pinned, as for a process that lost its credentials): the broker is
     * asked. */
    const struct shmc_jdir_pin other = {1, 1};
    snprintf(dir, sizeof dir, "%s", b->fx->dir);
    snprintf(file, sizeof file, "%s/given", b->fx->dir);
    close(b->fb->fds[0]);
    b->fb->fds[0] = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(b->fb->fds[0] >= 0);
    b->fb->reply.image = 6;
    fake_broker_run(b->fb);
    int rc = shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, dir, &other, PID,
                                   PPID, 0, 0, 0);
    int err = errno;
    fake_broker_wait(b->fb);
    assert_int_equal(rc, -1);
    assert_int_equal(err, EACCES);
    assert_int_equal(b->fb->got.op, SHMC_BROKER_CREATE);
    assert_int_equal(b->fb->got.pid, PID);
    assert_string_equal(b->fx->w.path, "");
    assert_null(shmc_jwriter_begin(&b->fx->w, 64, SHMC_J_SHMDT));
    /* It was grown before the mapping failed. */
    assert_int_equal(fstat(b->fb->fds[0], &st), 0);
    assert_true(st.st_size > 0);
}

/* The journal is gone (ENOENT): the broker, which could only find it
 * gone too, is not asked; the growth is lost with that errno. */
static void test_gone_not_asked(void **state)
{
    struct both *b = *state;
    const struct shmc_jheader *h;

    assert_int_equal(shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir,
                                           NULL, PID, PPID, 0, 0, 0),
                     0);
    uint32_t n = fill_chunk(b->fx, 1);
    assert_true(n > 0);
    assert_int_equal(unlink(b->fx->w.path), 0);
    assert_int_equal(put(&b->fx->w, 1, n, 0, 1), -1);
    h = (const void *)b->fx->w.base;
    assert_int_equal(h->lost, 1);
    assert_int_equal(h->lost_reason, SHMC_JLOST_FILE);
    assert_int_equal(h->lost_errno, ENOENT);
    assert_false(fake_broker_pending(b->fb));
}

/* Child: its reopens refused with EPERM, it writes past its first chunk
 * after the parent has its file ready for the broker. */
static void grow_through_broker(struct both *b, int go[2], int ready[2])
{
    char c;

    if (shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir, NULL, PID,
                              PPID, 0, 0, 0) != 0)
        child_exit(2);
    if (refuse_syscall(SYS_openat, 2, O_RDWR | O_NOFOLLOW | O_CLOEXEC, EPERM) !=
        0)
        child_exit(NO_FILTER);
    if (open(b->fx->w.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC) != -1 ||
        errno != EPERM)
        child_exit(3);
    if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
        child_exit(4);
    uint32_t n = fill_chunk(b->fx, 1);
    if (put_many(&b->fx->w, 1, n, 10, 0) != 0)
        child_exit(5);
    shmc_jwriter_close(&b->fx->w);
    child_exit(lost(&b->fx->w) == 0 ? 0 : 6);
}

static void test_reopen_refused_goes_through_broker(void **state)
{
    struct both *b = *state;
    int go[2], ready[2], asked = 0;
    char path[PATH_MAX], c;
    enum shmc_jstatus status;
    size_t skipped;

    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0)
        grow_through_broker(b, go, ready);
    close(go[0]);
    close(ready[1]);
    path_of(b->fx, PID, 0, path);
    if (read(ready[0], &c, 1) == 1) {
        /* The broker's answer: the file, as the real one opens it; asked
         * at the growth and again by close, which trims the file. */
        close(b->fb->fds[0]);
        b->fb->fds[0] = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        assert_true(b->fb->fds[0] >= 0);
        b->fb->requests = 2;
        fake_broker_run(b->fb);
        asked = write(go[1], "g", 1) == 1;
    }
    close(go[1]);
    close(ready[0]);
    int how = child_status(pid);
    if (asked)
        fake_broker_wait(b->fb);
    assert_int_equal(how, 0);
    assert_int_equal(b->fb->got.op, SHMC_BROKER_REOPEN);
    assert_int_equal(b->fb->got.pid, PID);
    assert_int_equal(b->fb->got.image, 0);
    load_file(b->fx, path);
    assert_true(b->fx->len > 16384);     /* it grew */
    assert_true(b->fx->len < 2 * 16384); /* and close trimmed it */
    size_t n = read_seq(b->fx->buf, b->fx->len, 1, 0, 0, &status, &skipped);
    assert_true(n > 10);
    assert_int_equal(status, SHMC_JEND);
    assert_int_equal(skipped, 0);
}

/* Child: fchmod 0600 refused; open fails with that errno, no file. */
static void chmod_refused(struct both *b)
{
    if (refuse_syscall(SYS_fchmod, 1, 0600, EPERM) != 0)
        child_exit(NO_FILTER);
    if (shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir, NULL, PID,
                              PPID, 0, 0, 0) != -1)
        child_exit(2);
    child_exit(errno == EPERM && b->fx->w.path[0] == '\0' ? 0 : 3);
}

static void test_fchmod_refused(void **state)
{
    struct both *b = *state;
    char path[PATH_MAX];
    struct stat st;
    pid_t pid = fork();

    if (pid == 0)
        chmod_refused(b);
    assert_int_equal(child_status(pid), 0);
    path_of(b->fx, PID, 0, path);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_false(fake_broker_pending(b->fb)); /* the broker not asked */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, both_setup, both_teardown)
    const struct CMUnitTest tests[] = {
        T(test_broker_descriptor_not_mappable),
        T(test_gone_not_asked),
        T(test_reopen_refused_goes_through_broker),
        T(test_fchmod_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
