/*
 * test_cov3_ckpt_broker.c - checkpoints of a process that cannot create
 * the .ckpt itself (src/journal/checkpoint.c), against the fake broker
 * (broker_server.h): its O_CREAT|O_EXCL refused with EACCES or EPERM, as
 * for a process that dropped root, it asks the broker for the file. A broker
 * that hangs up at that request, or at the rename's, fails the checkpoint:
 * checkpoints are turned off, the journal grows, nothing is lost. A
 * checkpoint can also go through the broker from start to end, and one
 * that can write into the directory never asks it.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fixtures.h"

#include "broker_server.h"

#define PAIRS 2000
#define CREATE_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

static int pair(struct shmc_jwriter *w)
{
    for (int i = 0; i < 2; i++) {
        struct shmc_jrec *r = shmc_jwriter_begin(
            w, shmc_jrec_size(1, 0), i == 0 ? SHMC_J_SHMAT : SHMC_J_SHMDT);
        uint64_t frame = 0x1000u + (unsigned)i;
        if (r == NULL)
            return -1;
        r->result = i == 0 ? 0x10000 : 0;
        r->args[0] = i == 0 ? 7 : 0x10000;
        r->nframes = 1;
        memcpy(r + 1, &frame, 8);
        shmc_jwriter_commit(w, r);
    }
    return 0;
}

/* Child: checkpoints at 8192, the .ckpt's creation refused; once told to,
 * PAIRS pairs; 0 when the checkpoint failed and nothing was lost. */
_Noreturn static void child(struct both *b, int go[2], int err)
{
    char c;

    close(go[1]);
    setenv(SHMC_JCKPT_ENV, "8192", 1);
    if (shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir, NULL, PID,
                              PPID, 0, 0, 0) != 0)
        child_exit(2);
    if (refuse_syscall(SYS_openat, 2, CREATE_FLAGS, err) != 0)
        child_exit(NO_NAMESPACE);
    if (read(go[0], &c, 1) != 1)
        child_exit(3);
    for (int i = 0; i < PAIRS; i++)
        if (pair(&b->fx->w) != 0)
            child_exit(4);
    int ok = b->fx->w.ckpt_at == 0 && lost(&b->fx->w) == 0;
    shmc_jwriter_close(&b->fx->w);
    child_exit(ok ? 0 : 5);
}

/* Runs the child; the broker answers its first request as set up, hangs
 * up at the second one when `second`. Returns the child's status. */
static int run(struct both *b, int second, int err)
{
    int go[2];
    pid_t pid;

    assert_int_equal(pipe(go), 0);
    if ((pid = fork()) == 0)
        child(b, go, err);
    close(go[0]);
    fake_broker_run(b->fb);
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    if (second) {
        fake_broker_wait(b->fb);
        assert_int_equal(b->fb->got.op, SHMC_BROKER_CKPT);
        b->fb->how = FAKE_HANG_UP;
        fake_broker_run(b->fb);
    }
    int how = reap(pid);
    if (how != 0) /* wake the server if the child never asked */
        shutdown(b->fb->listen_fd, SHUT_RDWR);
    fake_broker_wait(b->fb);
    if (how == NO_NAMESPACE)
        skip();
    return how;
}

/* The journal: every pair there, no .ckpt beside it. */
static void check(struct both *b)
{
    char path[PATH_MAX], ckpt[PATH_MAX + 8];
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    uint64_t n = 0;

    path_of(b->fx, PID, 0, path);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", path);
    assert_int_equal(access(ckpt, F_OK), -1);
    load_file(b->fx, path);
    assert_int_equal(shmc_jreader_init(&rd, b->fx->buf, b->fx->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        n += r->type == SHMC_J_SHMDT ? 1u + shmc_jrec_repeat(r) : 0;
    assert_int_equal(n, PAIRS);
    assert_int_equal(rd.skipped, 0);
}

static void test_broker_hangs_up_at_create(void **state)
{
    struct both *b = *state;

    b->fb->how = FAKE_HANG_UP;
    assert_int_equal(run(b, 0, EPERM), 0);
    assert_int_equal(b->fb->got.op, SHMC_BROKER_CKPT);
    assert_int_equal(b->fb->got.pid, PID);
    assert_false(fake_broker_pending(b->fb)); /* asked once only */
    check(b);
}

/* The broker makes the file (an empty one of its own), then hangs up at
 * the rename: the old journal is mapped again and kept. */
static void test_broker_hangs_up_at_rename(void **state)
{
    struct both *b = *state;

    assert_int_equal(run(b, 1, EACCES), 0);
    assert_int_equal(b->fb->got.op, SHMC_BROKER_CKPT_DONE);
    check(b);
}

/* Child: the directory itself refused (EPERM), as for a process that
 * dropped root and cannot search it any more; 110 pairs, enough for one
 * checkpoint, all through the broker. */
_Noreturn static void no_dir_child(struct both *b, int ready[2], int go[2])
{
    char c;

    close(ready[0]);
    close(go[1]);
    setenv(SHMC_JCKPT_ENV, "8192", 1);
    if (shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir, NULL, PID,
                              PPID, 0, 0, 0) != 0)
        child_exit(2);
    if (refuse_syscall(SYS_openat, 2,
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                       EPERM) != 0)
        child_exit(NO_NAMESPACE);
    if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
        child_exit(3);
    for (int i = 0; i < 110; i++)
        if (pair(&b->fx->w) != 0)
            child_exit(4);
    int ok = b->fx->w.ckpt_at == 8192 && lost(&b->fx->w) == 0;
    shmc_jwriter_close(&b->fx->w);
    child_exit(ok ? 0 : 5);
}

/* Answers one request with fd; what was asked. */
static int answer(struct fake_broker *fb, int fd)
{
    fb->fds[0] = fd;
    fake_broker_run(fb);
    fake_broker_wait(fb);
    return fb->got.op;
}

/* The checkpoint goes through the broker from start to end: the journal
 * reopened, the .ckpt made, the rename asked; the writer goes on in the
 * broker's file, which holds every call, folded. */
static void test_checkpoint_through_broker(void **state)
{
    struct both *b = *state;
    int ready[2], go[2], tmp = b->fb->fds[0], jfd, how;
    char path[PATH_MAX], c;
    struct stat st;

    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    if (pid == 0)
        no_dir_child(b, ready, go);
    close(ready[1]);
    close(go[0]);
    if (read(ready[0], &c, 1) != 1) {
        how = reap(pid);
        if (how == NO_NAMESPACE)
            skip();
        fail_msg("child %d", how);
    }
    path_of(b->fx, PID, 0, path);
    assert_true((jfd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) >= 0);
    assert_int_equal(write(go[1], "g", 1), 1);
    assert_int_equal(answer(b->fb, jfd), SHMC_BROKER_REOPEN);
    assert_int_equal(answer(b->fb, tmp), SHMC_BROKER_CKPT);
    assert_int_equal(answer(b->fb, jfd), SHMC_BROKER_CKPT_DONE);
    assert_int_equal(answer(b->fb, tmp), SHMC_BROKER_REOPEN); /* close */
    b->fb->fds[0] = tmp;
    close(jfd);
    close(go[1]);
    close(ready[0]);
    assert_int_equal(reap(pid), 0);

    assert_int_equal(fstat(tmp, &st), 0);
    free(b->fx->buf);
    assert_non_null(b->fx->buf = calloc(1, (size_t)st.st_size + 8));
    b->fx->len = (size_t)st.st_size;
    assert_int_equal(pread(tmp, b->fx->buf, b->fx->len, 0), st.st_size);
    assert_true(b->fx->len < 16384); /* folded, and trimmed by close */
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    uint64_t n[2] = {0, 0};
    assert_int_equal(shmc_jreader_init(&rd, b->fx->buf, b->fx->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        n[r->type == SHMC_J_SHMDT] += 1u + shmc_jrec_repeat(r);
    assert_int_equal(n[0], 110);
    assert_int_equal(n[1], 110);
}

/* A process with a broker that can write into the directory: a stale
 * .ckpt (EEXIST) is replaced there, the broker never asked. */
static void test_stale_ckpt_with_broker(void **state)
{
    struct both *b = *state;
    char ckpt[PATH_MAX + 8];
    int fd;

    setenv(SHMC_JCKPT_ENV, "8192", 1);
    assert_int_equal(shmc_jwriter_open_via(&b->fx->w, &b->fb->addr, b->fx->dir,
                                           NULL, PID, PPID, 0, 0, 0),
                     0);
    unsetenv(SHMC_JCKPT_ENV);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", b->fx->w.path);
    assert_true((fd = open(ckpt, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
    close(fd);
    for (int i = 0; i < PAIRS; i++)
        assert_int_equal(pair(&b->fx->w), 0);
    assert_int_equal(b->fx->w.ckpt_at, 8192);
    assert_int_equal(lost(&b->fx->w), 0);
    shmc_jwriter_close(&b->fx->w);
    assert_false(fake_broker_pending(b->fb));
    check(b);
    assert_true(b->fx->len <= 8192);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, both_setup, both_teardown)
    const struct CMUnitTest tests[] = {
        T(test_broker_hangs_up_at_create),
        T(test_broker_hangs_up_at_rename),
        T(test_checkpoint_through_broker),
        T(test_stale_ckpt_with_broker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
