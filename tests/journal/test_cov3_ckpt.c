/*
 * test_cov3_ckpt.c - checkpoints (src/journal/checkpoint.c) where
 * test_writer_checkpoint.c does not go. A child killed at each step of a
 * checkpoint (the SHMC_JCKPT_KILL_ENV seam) leaves a journal that holds
 * every call that returned; a stale .ckpt is replaced; and a checkpoint
 * that fails (its file refused, no memory for the fold, the new file refused a
 * mapping, the rename refused) leaves no .ckpt, turns checkpoints off and loses
 * nothing that growth can hold.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixtures.h"

#define PAIRS 2000 /* 320 KB of records: a checkpoint at 8192 folds often */

/* One record of an attach/detach pair, of stack frame. */
static int one(struct shmc_jwriter *w, uint16_t type, int64_t a0,
               uint64_t frame)
{
    struct shmc_jrec *r = shmc_jwriter_begin(w, shmc_jrec_size(1, 0), type);

    if (r == NULL)
        return -1;
    r->tid = 1;
    r->result = type == SHMC_J_SHMAT ? 0x10000 : 0;
    r->args[0] = a0;
    r->args[1] = 7;
    r->args[2] = 1;
    r->nframes = 1;
    memcpy(r + 1, &frame, 8);
    shmc_jwriter_commit(w, r);
    return 0;
}

static int pair(struct shmc_jwriter *w)
{
    if (one(w, SHMC_J_SHMAT, 7, 0x1000) != 0)
        return -1;
    return one(w, SHMC_J_SHMDT, 0x10000, 0x1001);
}

static char loaded[PATH_MAX]; /* the path load_only found */

/* The directory's one journal loaded into fx; entries other than it
 * (a .ckpt) counted in *others and removed. */
static void load_only(struct fx *fx, int *others)
{
    DIR *d = opendir(fx->dir);
    char path[PATH_MAX], jpath[PATH_MAX] = "";

    assert_non_null(d);
    *others = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
        if (strstr(e->d_name, ".ckpt") != NULL) {
            *others += 1;
            assert_int_equal(unlink(path), 0);
        } else {
            assert_string_equal(jpath, "");
            memcpy(jpath, path, sizeof path);
        }
    }
    closedir(d);
    assert_string_not_equal(jpath, "");
    free(fx->buf);
    fx->buf = NULL;
    load_file(fx, jpath);
    memcpy(loaded, jpath, sizeof loaded);
}

/* Calls of type the loaded journal stands for (none skipped). */
static uint64_t calls(const struct fx *fx, uint16_t type)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    uint64_t n = 0;

    assert_int_equal(shmc_jreader_init(&rd, fx->buf, fx->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        n += r->type == type ? 1u + shmc_jrec_repeat(r) : 0;
    assert_int_equal(rd.skipped, 0);
    return n;
}

/* A child that writes pairs with checkpoints at 8192, killed at step;
 * *done gets the pairs whose calls returned. */
static int killed_at(struct fx *fx, const char *step, uint32_t *done)
{
    int p[2];
    pid_t child;

    assert_int_equal(pipe(p), 0);
    if ((child = fork()) == 0) {
        close(p[0]);
        setenv(SHMC_JCKPT_ENV, "8192", 1);
        setenv(SHMC_JCKPT_KILL_ENV, step, 1);
        if (shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0) != 0)
            child_exit(1);
        for (int i = 0; i < PAIRS; i++)
            if (pair(&fx->w) != 0 || write(p[1], "x", 1) != 1)
                child_exit(2);
        shmc_jwriter_close(&fx->w);
        child_exit(0);
    }
    close(p[1]);
    *done = 0;
    for (char c; read(p[0], &c, 1) == 1;)
        *done += 1;
    close(p[0]);
    return reap(child);
}

static void test_killed_at_each_step(void **state)
{
    struct fx *fx = *state;
    const char *steps[] = {"1", "2", "3", "4", "5"};
    uint32_t done;
    int others;

    for (size_t i = 0; i < NELEM(steps); i++) {
        assert_int_equal(killed_at(fx, steps[i], &done), 128 + SIGKILL);
        assert_true(done < PAIRS);
        load_only(fx, &others);
        /* Before the rename the .ckpt is left beside the journal. */
        assert_int_equal(others, i < 3 ? 1 : 0);
        assert_int_equal(calls(fx, SHMC_J_SHMDT), done);
        uint64_t at = calls(fx, SHMC_J_SHMAT);
        assert_true(at == done || at == done + 1u);
        assert_int_equal(unlink(loaded), 0);
    }
    /* A step that does not exist, or a number too big to be one: nothing
     * killed. */
    const char *none[] = {"7", "100"};
    for (size_t i = 0; i < NELEM(none); i++) {
        assert_int_equal(killed_at(fx, none[i], &done), 0);
        assert_int_equal(done, PAIRS);
        load_only(fx, &others);
        assert_int_equal(others, 0);
        assert_true(fx->len <= 8192);
        assert_int_equal(calls(fx, SHMC_J_SHMDT), PAIRS);
        assert_int_equal(unlink(loaded), 0);
    }
}

/* The journal's name replaced by another file: the checkpoint, which
 * would write into what the name holds, fails (ESTALE) and checkpoints are
 * off; growth fails for the same reason and records are lost, counted. */
static void test_journal_replaced(void **state)
{
    struct fx *fx = *state;
    char other[PATH_MAX + 8];
    int fd, failed = 0;

    setenv(SHMC_JCKPT_ENV, "8192", 1);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    unsetenv(SHMC_JCKPT_ENV);
    assert_int_equal(pair(&fx->w), 0);
    snprintf(other, sizeof other, "%s.other", fx->w.path);
    assert_true((fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
    close(fd);
    assert_int_equal(rename(other, fx->w.path), 0);
    for (int i = 0; i < PAIRS; i++)
        failed += pair(&fx->w) != 0;
    assert_true(failed > 0);
    assert_int_equal(fx->w.ckpt_at, 0);
    assert_true(lost(&fx->w) > 0);
    shmc_jwriter_close(&fx->w);
}

/* Records that do not fold (each its own stack): the checkpoint size
 * doubles after the first checkpoint until it is the cap. */
static void test_checkpoint_size_doubles_to_cap(void **state)
{
    struct fx *fx = *state;
    int others;

    setenv(SHMC_JCKPT_ENV, "8192", 1);
    setenv(SHMC_JCAP_ENV, "32768", 1);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    unsetenv(SHMC_JCKPT_ENV);
    unsetenv(SHMC_JCAP_ENV);
    for (unsigned i = 0; i < 250; i++)
        assert_int_equal(one(&fx->w, SHMC_J_SHMAT, -1, 0x1000u + i), 0);
    assert_int_equal(fx->w.ckpt_at, 32768);
    assert_int_equal(lost(&fx->w), 0);
    shmc_jwriter_close(&fx->w);
    load_only(fx, &others);
    assert_int_equal(others, 0);
    assert_int_equal(calls(fx, SHMC_J_SHMAT), 250);
}

/* A .ckpt left by a checkpoint killed before its rename is replaced. */
static void test_stale_ckpt_replaced(void **state)
{
    struct fx *fx = *state;
    char ckpt[PATH_MAX + 8];
    int fd, others;

    setenv(SHMC_JCKPT_ENV, "8192", 1);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    unsetenv(SHMC_JCKPT_ENV);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", fx->w.path);
    assert_true((fd = open(ckpt, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
    assert_int_equal(write(fd, "stale", 5), 5);
    close(fd);
    for (int i = 0; i < PAIRS; i++)
        assert_int_equal(pair(&fx->w), 0);
    assert_int_equal(fx->w.ckpt_at, 8192); /* checkpoints still on */
    assert_int_equal(lost(&fx->w), 0);
    shmc_jwriter_close(&fx->w);
    load_only(fx, &others);
    assert_int_equal(others, 0);
    assert_true(fx->len <= 8192);
    assert_int_equal(calls(fx, SHMC_J_SHMDT), PAIRS);
}

enum refusal { CREATE, FOLD_MEMORY, MAP_NEW, RENAME };

/* In a child: checkpoints at 8192, the refusal installed once the writer
 * is open, PAIRS pairs written; exits 0 when the checkpoints failed
 * (ckpt_at 0) and every pair was written, nothing lost. */
_Noreturn static void fail_child(struct fx *fx, enum refusal how)
{
    setenv(SHMC_JCKPT_ENV, "8192", 1);
    for (int fd = 3; fd < MAXFD; fd++)
        close(fd); /* so that the checkpoint's descriptors are known */
    if (shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0) != 0)
        child_exit(1);
    /* The checkpoint opens the directory (dfd, the lowest free number),
     * the journal again, closes that dfd, opens it again, then the .ckpt
     * (cfd, two above). */
    int low = dup(0);
    close(low);
    if (fcntl(low + 1, F_GETFD) != -1 || fcntl(low + 2, F_GETFD) != -1)
        child_exit(3);
    int rc = 0;
    if (how == CREATE) /* a directory it may not write into, no broker */
        rc = refuse_syscall(SYS_openat, 2,
                            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            EACCES);
    else if (how == FOLD_MEMORY) /* the fold's table of groups */
        rc = refuse_syscall(SYS_mmap, 1, 64 * 48, ENOMEM);
    else if (how == MAP_NEW)
        rc = refuse_syscall(SYS_mmap, 4, (uint32_t)low + 2, ENODEV);
    else if (how == RENAME)
        rc = refuse_syscall(SYS_renameat, 0, (uint32_t)low, EXDEV) |
             refuse_syscall(SYS_renameat2, 0, (uint32_t)low, EXDEV);
    if (rc != 0)
        child_exit(NO_NAMESPACE);
    int written = 0;
    for (int i = 0; i < PAIRS; i++)
        written += pair(&fx->w) == 0;
    int ok = fx->w.ckpt_at == 0 && written == PAIRS && lost(&fx->w) == 0;
    shmc_jwriter_close(&fx->w);
    child_exit(ok ? 0 : 2);
}

static void fails(struct fx *fx, enum refusal how)
{
    pid_t child = fork();
    int others, rc;

    if (child == 0)
        fail_child(fx, how);
    rc = reap(child);
    if (rc == NO_NAMESPACE)
        skip();
    assert_int_equal(rc, 0);
    load_only(fx, &others);
    assert_int_equal(others, 0); /* the failed checkpoint's .ckpt removed */
    assert_int_equal(calls(fx, SHMC_J_SHMDT), PAIRS);
    assert_int_equal(unlink(loaded), 0);
}

static void test_create_refused(void **state)
{
    fails(*state, CREATE);
}

static void test_fold_out_of_memory(void **state)
{
    fails(*state, FOLD_MEMORY);
}

static void test_new_file_not_mapped(void **state)
{
    fails(*state, MAP_NEW);
}

static void test_rename_refused(void **state)
{
    fails(*state, RENAME);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_killed_at_each_step), T(test_stale_ckpt_replaced),
        T(test_journal_replaced),    T(test_checkpoint_size_doubles_to_cap),
        T(test_create_refused),      T(test_fold_out_of_memory),
        T(test_new_file_not_mapped), T(test_rename_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
