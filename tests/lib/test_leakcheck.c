/*
 * test_leakcheck.c - the leak check's findings: a leaked segment, a
 * leaked attachment, both, a segment left by a forked child and by its
 * child, each reported and cleaned up; nothing for a clean input (in one
 * system call), a segment marked for removal while attached, here or in
 * another process, a segment another process made, or one a reset kept.
 * Each check runs in a forked child whose stderr the test reads
 * (run_captured), so that the report can be asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h" /* SHMC_COVERAGE_FLUSH */
#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

static int gone(int shmid)
{
    struct shmid_ds ds;
    return shmctl(shmid, IPC_STAT, &ds) != 0 && errno == EINVAL;
}

/* Runs fn in a child; it must exit 0 (its own checks held). */
static void expect_ok(struct captured *fx, int (*fn)(void *), void *arg)
{
    int status = run_captured(fn, arg, fx->out, sizeof fx->out);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child status 0x%x, stderr:\n%s", status, fx->out);
}

/* ---- clean ---- */

static int clean_input(void *arg)
{
    (void)arg;
    int id = segment_4k();
    void *p = shmat(id, NULL, 0);
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    mock_reset();
    errno = 4321;
    int n = shmc_leak_check_recoverable();
    /* One SHM_INFO: the namespace is empty, nothing else to look at. */
    return n != 0 || errno != 4321 || mock_calls(MOCK_shmctl) != 1;
}

static void test_clean_input(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, clean_input, NULL);
    assert_string_equal(fx->out, "");
}

/* ---- leaks found and cleaned ---- */

static int leaked_segment(void *arg)
{
    (void)arg;
    int id = segment_4k();
    return shmc_leak_check_recoverable() != 1 || !gone(id) ||
           shmc_leak_check_recoverable() != 0;
}

static void test_leaked_segment(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, leaked_segment, NULL);
    expect_out(fx, "ERROR: shmcheck: leaked segment: shmid ");
    expect_out(fx, "4096 bytes, created by this process and never removed");
    expect_out(fx, "(no stack: preload libshmcheck-trace.so");
    expect_out(fx, "SUMMARY: shmcheck: 1 leaked segment(s) (4096 bytes), "
                   "0 leaked attachment(s)");
}

static int leaked_attachment(void *arg)
{
    (void)arg;
    int id = segment_4k();
    void *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    /* Only the attachment: the segment is marked for removal. */
    return p == (void *)-1 || shmc_leak_check_recoverable() != 1 || !gone(id) ||
           mock_segments_in_use() != 0;
}

static void test_leaked_attachment(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, leaked_attachment, NULL);
    expect_out(fx, "ERROR: shmcheck: leaked attachment: shmid ");
    expect_out(fx, "attached by this process and never detached (shmdt)");
    assert_null(strstr(fx->out, "leaked segment:"));
}

/* Attached twice, and a second mapping of the first attachment's tail
 * split off by mprotect: two attachments, one segment. */
static int leaked_both(void *arg)
{
    (void)arg;
    int id = shmget(IPC_PRIVATE, 3 * 4096, IPC_CREAT | 0600);
    char *p = shmat(id, NULL, 0), *q = shmat(id, NULL, SHM_RDONLY);
    if (p == (void *)-1 || q == (void *)-1 ||
        mprotect(p + 4096, 4096, PROT_READ) != 0)
        return 2;
    return shmc_leak_check_recoverable() != 3 || !gone(id);
}

static void test_leaked_both(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, leaked_both, NULL);
    expect_out(fx, "1 leaked segment(s) (12288 bytes), 2 leaked "
                   "attachment(s)");
}

static int child_leak(void *arg)
{
    int depth = *(int *)arg, id = -1, fds[2];
    pid_t pid;

    if (pipe(fds) != 0 || (pid = fork()) < 0)
        return 2;
    if (pid == 0) {
        /* depth 2: the leak is made by our child's child. */
        if (depth == 2 && fork() != 0) {
            int status;
            wait(&status);
            _exit(0);
        }
        id = segment_4k();
        write(fds[1], &id, sizeof id);
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &id, sizeof id) != sizeof id)
        return 3;
    waitpid(pid, NULL, 0);
    return shmc_leak_check_recoverable() != 1 || !gone(id);
}

static void test_child_leak(void **state)
{
    struct captured *fx = *state;
    for (int depth = 1; depth <= 2; depth++) {
        expect_ok(fx, child_leak, &depth);
        expect_out(fx, "created by a child of this process");
        expect_out(fx, "    made by pid ");
    }
}

/* ---- not leaks ---- */

/* What a forked child inherits was attached before it started: not its
 * leak. What it attaches itself is. fault: what goes wrong as the child
 * starts, when it cannot tell what it inherited (then it reports the
 * inherited attachment too). */
static int inherited(void *arg)
{
    int fault = *(int *)arg, id = segment_4k(), status;
    void *p = shmat(id, NULL, 0);
    struct rlimit before;
    pid_t pid;

    getrlimit(RLIMIT_NOFILE, &before);
    if (fault == 1)
        mock_fail_after(MOCK_shmctl, 0, EPERM);
    if (fault == 2)
        mock_fail_always(MOCK_realloc, ENOMEM);
    if (fault == 3)
        setrlimit(RLIMIT_NOFILE, &(struct rlimit){0, before.rlim_max});
    if ((pid = fork()) == 0) {
        mock_reset();
        setrlimit(RLIMIT_NOFILE, &before);
        int n = shmc_leak_check_recoverable();
        shmat(id, NULL, 0);
        int m = shmc_leak_check_recoverable();
        SHMC_COVERAGE_FLUSH(); /* _exit writes no coverage counters */
        _exit(n != (fault != 0) || m != 1);
    }
    mock_reset();
    setrlimit(RLIMIT_NOFILE, &before);
    waitpid(pid, &status, 0);
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static void test_inherited(void **state)
{
    struct captured *fx = *state;
    for (int fault = 0; fault <= 3; fault++)
        expect_ok(fx, inherited, &fault);
}

static int marked_while_attached(void *arg)
{
    (void)arg;
    int id = segment_4k(), go[2], ready[2];
    void *p = shmat(id, NULL, 0);
    pid_t pid;
    char c = 0;

    shmctl(id, IPC_RMID, NULL);
    shmdt(p); /* gone now */
    if (shmc_leak_check_recoverable() != 0)
        return 1;
    /* Marked, and still attached by another process. */
    id = segment_4k();
    if (pipe(go) != 0 || pipe(ready) != 0 || (pid = fork()) < 0)
        return 2;
    if (pid == 0) {
        shmat(id, NULL, 0);
        write(ready[1], &c, 1);
        read(go[0], &c, 1);
        _exit(0);
    }
    close(ready[1]); /* a child that died gives EOF, not a hang */
    close(go[0]);
    if (read(ready[0], &c, 1) != 1)
        return 3;
    shmctl(id, IPC_RMID, NULL);
    int n = shmc_leak_check_recoverable(), there = !gone(id);
    write(go[1], &c, 1);
    waitpid(pid, NULL, 0);
    return n != 0 || !there || !gone(id);
}

static void test_marked_while_attached(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, marked_while_attached, NULL);
    assert_string_equal(fx->out, "");
}

static int others_segment(void *arg)
{
    int id = *(int *)arg;
    return shmc_leak_check_recoverable() != 0 || gone(id);
}

static void test_others_segment(void **state)
{
    struct captured *fx = *state;
    /* Made by the test process, the child's parent: not the child's. */
    int id = segment_4k();
    expect_ok(fx, others_segment, &id);
    assert_string_equal(fx->out, "");
    assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

static int kept_by_reset(void *arg)
{
    (void)arg;
    int kept = segment_4k(), id;
    void *p = shmat(kept, NULL, 0);

    errno = 4321;
    if (shmc_leak_check_reset() != 0 || errno != 4321 ||
        shmc_leak_check_recoverable() != 0)
        return 1;
    id = segment_4k();
    if (shmc_leak_check_recoverable() != 1 || !gone(id) || gone(kept))
        return 2;
    /* A second reset replaces the first: kept stays kept, and with its
     * attachment gone nothing is left to keep but the segment. */
    shmdt(p);
    if (shmc_leak_check_reset() != 0 || shmc_leak_check_recoverable() != 0)
        return 3;
    shmctl(kept, IPC_RMID, NULL);
    return 0;
}

/* Many kept (the sets grow), and a check that finds the kept attachment
 * where it was reads /proc/self/maps no more (no allocation). */
static int kept_quietly(void *arg)
{
    (void)arg;
    int ids[70];
    void *p;

    for (int i = 0; i < 70; i++)
        ids[i] = segment_4k();
    p = shmat(ids[0], NULL, 0);
    if (shmc_leak_check_reset() != 0 || shmc_leak_check_recoverable() != 0)
        return 1;
    mock_reset();
    if (shmc_leak_check_recoverable() != 0 || mock_calls(MOCK_malloc) != 0)
        return 2;
    /* Attached once more: the counts changed, maps is read again. */
    void *q = shmat(ids[1], NULL, 0);
    mock_reset();
    if (shmc_leak_check_recoverable() != 1 || mock_calls(MOCK_malloc) != 1)
        return 3;
    (void)q;
    shmdt(p);
    for (int i = 0; i < 70; i++)
        shmctl(ids[i], IPC_RMID, NULL);
    return 0;
}

static void test_kept_quietly(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, kept_quietly, NULL);
}

static void test_kept_by_reset(void **state)
{
    struct captured *fx = *state;
    expect_ok(fx, kept_by_reset, NULL);
    expect_out(fx, "1 leaked segment(s) (4096 bytes), 0 leaked");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean_input, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_leaked_segment, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_leaked_attachment, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_leaked_both, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_child_leak, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_inherited, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_marked_while_attached,
                                        captured_setup, captured_teardown),
        cmocka_unit_test_setup_teardown(test_others_segment, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_kept_by_reset, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_kept_quietly, captured_setup,
                                        captured_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
