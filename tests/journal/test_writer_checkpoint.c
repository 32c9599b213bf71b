/*
 * test_writer_checkpoint.c - checkpoints of the writer (writer.c,
 * checkpoint.c): a journal of many attach/detach pairs, written by four
 * threads at once, stays about the checkpoint size and still accounts for
 * every call (the repeat counts add up, nothing lost, no .ckpt left); with
 * checkpoints off (SHMC_TEST_JOURNAL_CHECKPOINT=0) it grows as before; a
 * checkpoint that cannot create its file turns checkpoints off and the
 * journal grows instead.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"

#define THREADS 4
#define PAIRS 20000 /* per thread: about 2.5 MiB of records */

struct writer_arg {
    struct shmc_jwriter *w;
    int tid;
    int failed;
};

/* One attach/detach pair per iteration, as the tracer records them. */
static int pair(struct shmc_jwriter *w, int tid, uint64_t addr)
{
    uint16_t types[2] = {SHMC_J_SHMAT, SHMC_J_SHMDT};

    for (int i = 0; i < 2; i++) {
        struct shmc_jrec *r =
            shmc_jwriter_begin(w, shmc_jrec_size(1, 0), types[i]);
        if (r == NULL)
            return -1;
        uint64_t frame = 0x1000u + (unsigned)i;
        r->tid = tid;
        r->result = i == 0 ? (int64_t)addr : 0;
        r->args[0] = i == 0 ? 7 : (int64_t)addr;
        r->args[1] = i == 0 ? 0 : 7;
        r->args[2] = i == 0 ? 0 : 1;
        r->nframes = 1;
        memcpy(r + 1, &frame, 8);
        shmc_jwriter_commit(w, r);
    }
    return 0;
}

static void *writer(void *p)
{
    struct writer_arg *a = p;

    for (int i = 0; i < PAIRS && !a->failed; i++)
        a->failed = pair(a->w, a->tid, 0x10000u * (unsigned)(a->tid + 1)) != 0;
    return NULL;
}

/* Calls of each type the journal in fx->buf stands for. */
static void count(const struct fx *fx, uint64_t calls[SHMC_J_TYPE_MAX])
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;

    memset(calls, 0, SHMC_J_TYPE_MAX * sizeof *calls);
    assert_int_equal(shmc_jreader_init(&rd, fx->buf, fx->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        calls[r->type] += 1u + shmc_jrec_repeat(r);
    assert_int_equal(rd.skipped, 0);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Four threads, pairs on their own address each. */
static void run_threads(struct fx *fx, const char *ckpt)
{
    pthread_t th[THREADS];
    struct writer_arg args[THREADS];

    setenv(SHMC_JCKPT_ENV, ckpt, 1);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    unsetenv(SHMC_JCKPT_ENV);
    for (int t = 0; t < THREADS; t++) {
        args[t] = (struct writer_arg){&fx->w, t + 1, 0};
        assert_int_equal(pthread_create(&th[t], NULL, writer, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_false(args[t].failed);
    }
    assert_int_equal(lost(&fx->w), 0);
    shmc_jwriter_close(&fx->w);
    load_file(fx, fx->w.path);
}

static void test_threads_checkpoint(void **state)
{
    struct fx *fx = *state;
    uint64_t calls[SHMC_J_TYPE_MAX];

    run_threads(fx, "65536");
    assert_true(fx->len <= 65536);
    count(fx, calls);
    assert_int_equal(calls[SHMC_J_SHMAT], THREADS * PAIRS);
    assert_int_equal(calls[SHMC_J_SHMDT], THREADS * PAIRS);
    assert_int_equal(entries(fx->dir), 1); /* no .ckpt left behind */
}

static void test_checkpoints_off(void **state)
{
    struct fx *fx = *state;
    uint64_t calls[SHMC_J_TYPE_MAX];

    run_threads(fx, "0");
    assert_int_equal(fx->len, FIRST + 2u * THREADS * PAIRS * 80u);
    count(fx, calls);
    assert_int_equal(calls[SHMC_J_SHMAT], THREADS * PAIRS);
}

/* A directory this process cannot write into any more (as one that
 * dropped root, whose journal the broker made): no checkpoint, growth. */
static void test_no_checkpoint_file_grows(void **state)
{
    struct fx *fx = *state;
    uint64_t calls[SHMC_J_TYPE_MAX];
    char ckpt[PATH_MAX + 8];

    setenv(SHMC_JCKPT_ENV, "8192", 1);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    unsetenv(SHMC_JCKPT_ENV);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", fx->w.path);
    assert_int_equal(mkdir(ckpt, 0700), 0); /* O_CREAT|O_EXCL fails */
    for (int i = 0; i < 2000; i++)
        assert_int_equal(pair(&fx->w, 1, 0x10000), 0);
    assert_int_equal(fx->w.ckpt_at, 0);
    shmc_jwriter_close(&fx->w);
    assert_int_equal(rmdir(ckpt), 0);
    load_file(fx, fx->w.path);
    assert_int_equal(fx->len, FIRST + 4000u * 80u);
    count(fx, calls);
    assert_int_equal(calls[SHMC_J_SHMDT], 2000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_threads_checkpoint),
        T(test_checkpoints_off),
        T(test_no_checkpoint_file_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
