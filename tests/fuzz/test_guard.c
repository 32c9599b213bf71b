/*
 * test_guard.c - the fuzz targets' guard (fuzz/guard/guard.h): a target
 * that dies without cleaning up (SIGKILL) leaves none of the segments it
 * noted, made with any mode, nor those a process it noted made; a
 * segment it did not make (another process's, this test's) stays; a
 * target that ends cleanly leaves the others alone. The target runs as
 * nobody when the test runs as root: as an unprivileged fuzzing runner
 * would.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard/guard.h"

enum { NSEG = 3 };

/* The target: nobody (as root), a guard, three segments (one by a child
 * it notes), their ids on fd, then killed before any cleanup. */
static _Noreturn void target(int fd, int crash)
{
    int ids[NSEG];
    pid_t child;
    int p[2];

    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        _exit(10);
    if (guard_start() != 0 || pipe(p) != 0)
        _exit(11);
    ids[0] = shmget(IPC_PRIVATE, 4096, 0600);
    ids[1] = shmget(IPC_PRIVATE, 4096, 0); /* a mode nobody may read */
    guard_note_id(ids[0]);
    guard_note_id(ids[1]);
    if ((child = fork()) == 0) { /* a worker: noted by pid, not by id */
        int id = shmget(IPC_PRIVATE, 4096, 0600);
        _exit(write(p[1], &id, sizeof id) == sizeof id ? 0 : 12);
    }
    guard_note_pid(child);
    if (read(p[0], &ids[2], sizeof ids[2]) != sizeof ids[2] ||
        waitpid(child, NULL, 0) != child)
        _exit(13);
    if (write(fd, ids, sizeof ids) != sizeof ids)
        _exit(14);
    if (crash)
        raise(SIGKILL);
    _exit(0);
}

/* Runs the target, then waits for it and for its guard (reparented to
 * us, a subreaper); the ids it made in ids. Returns its wait status. */
static int run_target(int crash, int ids[NSEG])
{
    int p[2], status = -1, st;
    pid_t pid, any;

    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        close(p[0]);
        target(p[1], crash);
    }
    close(p[1]);
    assert_int_equal(read(p[0], ids, NSEG * sizeof *ids),
                     (ssize_t)(NSEG * sizeof *ids));
    close(p[0]);
    while ((any = wait(&st)) > 0 || errno == EINTR)
        if (any == pid)
            status = st;
    return status;
}

static void test_crash_leaves_nothing_it_made(void **state)
{
    int ids[NSEG], mine = shmget(IPC_PRIVATE, 4096, 0600);
    struct shmid_ds ds;

    (void)state;
    assert_true(mine >= 0);
    int status = run_target(1, ids);

    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (int i = 0; i < NSEG; i++) {
        assert_true(ids[i] >= 0);
        errno = 0;
        assert_int_equal(shmctl(ids[i], IPC_STAT, &ds), -1);
        assert_true(errno == EINVAL || errno == EIDRM);
    }
    assert_int_equal(shmctl(mine, IPC_STAT, &ds), 0); /* not the target's */
    assert_int_equal(shmctl(mine, IPC_RMID, NULL), 0);
}

/* A target that ends cleanly has removed its own: here it did not, on
 * purpose, and the guard still removes exactly those. */
static void test_clean_end(void **state)
{
    int ids[NSEG], mine = shmget(IPC_PRIVATE, 4096, 0600);
    struct shmid_ds ds;

    (void)state;
    assert_true(mine >= 0);
    int status = run_target(0, ids);

    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (int i = 0; i < NSEG; i++)
        assert_int_equal(shmctl(ids[i], IPC_STAT, &ds), -1);
    assert_int_equal(shmctl(mine, IPC_STAT, &ds), 0);
    assert_int_equal(shmctl(mine, IPC_RMID, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_leaves_nothing_it_made),
        cmocka_unit_test(test_clean_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
