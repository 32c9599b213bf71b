/*
 * test_leakcheck_faults.c - the leak check when things go wrong:
 * SHMC_LEAK_CHECK aborts on a finding and only then; the kernel refusing
 * to list segments (the check says it could not check, and aborts);
 * /proc/self/maps unreadable or too big for memory (the segments are
 * still checked, and the report says attachments were not); a long maps
 * file; the children's ring that could not be mapped and a creator that
 * could not be noted (a raw clone): a warning, once, never a removal; a
 * reset out of memory keeps the previous one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

static int status_of(struct captured *fx, int (*fn)(void *), void *arg)
{
    return run_captured(fn, arg, fx->out, sizeof fx->out);
}

static void expect_exit(const struct captured *fx, int status, int code)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        fail_msg("status 0x%x, not exit %d; stderr:\n%s", status, code,
                 fx->out);
}

static void expect_abort(const struct captured *fx, int status)
{
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("status 0x%x, not SIGABRT; stderr:\n%s", status, fx->out);
}

/* Lets this process open no file more (on) or as many as before (off,
 * for the coverage counters written at exit). */
static void few_files(int on)
{
    static struct rlimit before;

    if (on)
        getrlimit(RLIMIT_NOFILE, &before);
    setrlimit(RLIMIT_NOFILE,
              on ? &(struct rlimit){3, before.rlim_max} : &before);
}

/* ---- the children's ring: this must be the process's first fork ---- */

/* The system call itself, past mock.c's wrapper (which takes only the
 * leak check's shmctl). */
long __real_syscall(long n, ...);

/* A child made by a raw clone runs no fork handler: nobody notes it. */
static int unnoted_leak(void *arg)
{
    (void)arg;
    int status;
    long pid = __real_syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);

    if (pid == 0) {
        __real_syscall(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        __real_syscall(SYS_exit_group, 0);
    }
    waitpid((pid_t)pid, &status, 0);
    /* A reset says nothing of it; a check says it, once; never removed
     * nor counted. */
    return shmc_leak_check_reset() != 0 || shmc_leak_check_recoverable() != 0 ||
           shmc_leak_check_recoverable() != 0 || mock_segments_in_use() != 1;
}

static void test_unnoted_children(void **state)
{
    struct captured *fx = *state;
    int id;

    /* The ring cannot be mapped: the child that leaks is not noted. */
    mock_fail_always(MOCK_mmap, ENOMEM);
    expect_exit(fx, status_of(fx, unnoted_leak, NULL), 0);
    mock_reset();
    expect_out(fx, "was made by pid ");
    expect_out(fx, "which has ended and is not known to be a child of this "
                   "process: not checked");
    /* Once, for two checks. */
    assert_null(strstr(strstr(fx->out, "WARNING") + 1, "WARNING"));
    assert_int_equal(mock_segments_in_use(), 1);
    id = shmctl(0, SHM_STAT, &(struct shmid_ds){0});
    assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

/* ---- SHMC_LEAK_CHECK: abort on a finding, only then ---- */

static int check_clean(void *arg)
{
    (void)arg;
    SHMC_LEAK_CHECK();
    return 0;
}

static int check_leak(void *arg)
{
    (void)arg;
    segment_4k();
    SHMC_LEAK_CHECK();
    return 0;
}

static int check_sites(void *arg)
{
    (void)arg;
    segment_4k();
    int n = shmc_leak_check_recoverable();
    segment_4k();
    shmc_leak_check_at("site.c", 7, NULL); /* aborts */
    return n + 100;
}

static int check_no_site(void *arg)
{
    (void)arg;
    mock_fail_always(MOCK_shmctl, EPERM);
    shmc_leak_check_at(NULL, 0, NULL);
    return 0;
}

static void test_abort_only_on_finding(void **state)
{
    struct captured *fx = *state;

    expect_exit(fx, status_of(fx, check_clean, NULL), 0);
    assert_string_equal(fx->out, "");
    expect_abort(fx, status_of(fx, check_leak, NULL));
    expect_out(fx, "leaked segment: shmid ");
    expect_out(fx, "found by the leak check at tests/lib/"
                   "test_leakcheck_faults.c:");
    expect_out(fx, " in check_leak()");
    /* recoverable: no site; a site without a function. */
    expect_abort(fx, status_of(fx, check_sites, NULL));
    expect_out(fx, "0 leaked attachment(s) since the last check; removed");
    expect_out(fx, "found by the leak check at site.c:7 in ?(); removed");
    expect_abort(fx, status_of(fx, check_no_site, NULL));
    expect_out(fx, "the leak check at ?:0 cannot list the segments");
}

/* ---- the kernel refuses to list ---- */

static int refused(void *arg)
{
    mock_fail_always(MOCK_shmctl, EPERM);
    if (arg != NULL)
        SHMC_LEAK_CHECK();
    return shmc_leak_check_recoverable() != -1 || errno != EPERM ||
           shmc_leak_check_reset() != -1 || errno != EPERM;
}

static void test_cannot_list(void **state)
{
    struct captured *fx = *state;

    expect_exit(fx, status_of(fx, refused, NULL), 0);
    assert_string_equal(fx->out, "");
    expect_abort(fx, status_of(fx, refused, fx));
    expect_out(fx, "ERROR: shmcheck: the leak check at tests/lib/"
                   "test_leakcheck_faults.c:");
    expect_out(fx, "cannot list the segments: shmctl(SHM_INFO): "
                   "Operation not permitted");
}

/* ---- /proc/self/maps ---- */

struct maps_case {
    enum mock_call call; /* fails always; MOCK_ANY: none */
    int files;           /* RLIMIT_NOFILE, 0: unchanged */
    int mappings;        /* extra mappings, to make maps long */
};

static int maps_fails(void *arg)
{
    const struct maps_case *c = arg;
    int id = segment_4k();
    char *p = shmat(id, NULL, 0);

    for (int i = 0; i < c->mappings; i++) /* alternate: never merged */
        mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c->files != 0) {
        for (int fd = 3; fd < 64; fd++)
            close(fd);
        few_files(1);
    }
    if (c->call != MOCK_ANY)
        mock_fail_always(c->call, ENOMEM);
    /* The segment is found, the attachment only when maps was read. */
    int n = shmc_leak_check_recoverable(),
        want = c->call == MOCK_ANY && c->files == 0 ? 2 : 1;
    mock_reset();
    if (c->files != 0)
        few_files(0);
    return n != want || (want == 1 && shmdt(p) != 0);
}

static int reset_emfile(void *arg)
{
    (void)arg;
    int id = segment_4k();
    void *p = shmat(id, NULL, 0);

    for (int fd = 3; fd < 64; fd++)
        close(fd);
    few_files(1);
    int r = shmc_leak_check_reset(), e = errno;
    few_files(0);
    return r != -1 || e != EMFILE || shmdt(p) != 0 ||
           shmctl(id, IPC_RMID, NULL) != 0;
}

static void test_maps(void **state)
{
    struct captured *fx = *state;
    const struct maps_case unreadable[] = {
        {MOCK_ANY, 1, 0}, {MOCK_malloc, 0, 0}, {MOCK_realloc, 0, 600}};
    const char *why[] = {"Too many open files", "Cannot allocate memory",
                         "Cannot allocate memory"};

    for (size_t i = 0; i < COUNT(unreadable); i++) {
        expect_exit(fx, status_of(fx, maps_fails, (void *)&unreadable[i]), 0);
        expect_out(fx, "WARNING: shmcheck: /proc/self/maps cannot be read");
        expect_out(fx, why[i]);
        expect_out(fx, "attachments not checked");
    }
    /* A reset that cannot see the attachments keeps nothing. */
    expect_exit(fx, status_of(fx, reset_emfile, NULL), 0);
    assert_string_equal(fx->out, "");
    /* Long, and read whole. */
    const struct maps_case lng = {MOCK_ANY, 0, 600};
    expect_exit(fx, status_of(fx, maps_fails, (void *)&lng), 0);
    expect_out(fx, "1 leaked attachment(s)");
}

/* ---- many findings; nowhere to write; a segment that cannot be read ---- */

#define MANY 31 /* one more than a check shows in full */

static int many(void *arg)
{
    (void)arg;
    int id = segment_4k();
    for (int i = 0; i < MANY; i++)
        segment_4k();
    for (int i = 0; i < MANY; i++)
        shmat(id, NULL, 0);
    return shmc_leak_check_recoverable() != 2 * MANY + 1 ||
           mock_segments_in_use() != 0;
}

static int many_attachments(void *arg)
{
    (void)arg;
    int id = segment_4k();
    for (int i = 0; i < MANY; i++)
        shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    return shmc_leak_check_recoverable() != MANY;
}

static int stderr_closed(void *arg)
{
    (void)arg;
    close(2);
    segment_4k();
    return shmc_leak_check_recoverable() != 1;
}

static int unreadable(void *arg)
{
    (void)arg;
    int id = segment_4k();
    void *p = shmat(id, NULL, 0);

    struct shm_info info;
    shmctl(id, IPC_RMID, NULL);
    int last = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
    /* SHM_INFO, SHM_STAT_ANY of each slot up to the last used; then the
     * attachment's IPC_STAT. */
    mock_fail_after(MOCK_shmctl, 1 + last + 1, EACCES);
    int n = shmc_leak_check_recoverable();
    return n != 1 || !mock_fired() || shmdt(p) == 0;
}

static void test_odd_reports(void **state)
{
    struct captured *fx = *state;
    const char *p;
    int blocks = 0;

    expect_exit(fx, status_of(fx, many, NULL), 0);
    for (p = fx->out; (p = strstr(p, "ERROR: shmcheck: leaked")) != NULL; p++)
        blocks++;
    assert_int_equal(blocks, 30 + 30);
    expect_out(fx, "32 leaked segment(s) (131072 bytes), 31 leaked "
                   "attachment(s)");
    expect_out(fx, "(only 30 of each kind shown in full)");
    expect_exit(fx, status_of(fx, many_attachments, NULL), 0);
    expect_out(fx, "(only 30 of each kind shown in full)");
    expect_exit(fx, status_of(fx, stderr_closed, NULL), 0);
    expect_exit(fx, status_of(fx, unreadable, NULL), 0);
    expect_out(fx, "(IPC_STAT: Permission denied) at 0x");
}

/* ---- a reset out of memory ---- */

static int reset_nomem(void *arg)
{
    (void)arg;
    int kept = segment_4k(), id;

    if (shmc_leak_check_reset() != 0)
        return 1;
    id = segment_4k();
    mock_fail_always(MOCK_realloc, ENOMEM);
    int r = shmc_leak_check_reset(), e = errno;
    mock_reset();
    /* The first reset still holds: kept is kept, id is not. */
    if (r != -1 || e != ENOMEM || shmc_leak_check_recoverable() != 1)
        return 2;
    shmctl(kept, IPC_RMID, NULL);
    return shmctl(id, IPC_RMID, NULL) == 0;
}

static void test_reset_nomem(void **state)
{
    struct captured *fx = *state;
    expect_exit(fx, status_of(fx, reset_nomem, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: it needs the process's first fork. */
        cmocka_unit_test_setup_teardown(test_unnoted_children, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_abort_only_on_finding,
                                        captured_setup, captured_teardown),
        cmocka_unit_test_setup_teardown(test_cannot_list, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_maps, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_reset_nomem, captured_setup,
                                        captured_teardown),
        cmocka_unit_test_setup_teardown(test_odd_reports, captured_setup,
                                        captured_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
