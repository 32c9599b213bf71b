/*
 * test_writer_processes.c - the journal writer (src/journal/writer.c) in
 * real threads and processes: 8 threads writing at once, each one's
 * records all there and in its order; a child killed by SIGKILL mid-record
 * leaves every committed record readable; a program closing all its fds
 * does not break the journal; a fork child's abandon leaves the parent's
 * journal alone.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixtures.h"

#define NTHREADS 8
#define PER_THREAD 20000u

struct worker {
    pthread_t thread;
    struct shmc_jwriter *w;
    int id;
    unsigned failed;
};

static void *write_records(void *arg)
{
    struct worker *k = arg;

    for (uint32_t seq = 0; seq < PER_THREAD; seq++)
        if (put(k->w, k->id, seq, 0, 1) != 0)
            k->failed++;
    return NULL;
}

/* 8 threads x 20,000 records: all there, each thread's in its order. */
static void test_threads(void **state)
{
    struct fx *fx = *state;
    struct worker k[NTHREADS];
    uint32_t next[NTHREADS] = {0};
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    size_t total = 0, bad = 0;
    enum shmc_jstatus st;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);

    for (int i = 0; i < NTHREADS; i++) {
        k[i] = (struct worker){.w = &fx->w, .id = i};
        assert_int_equal(
            pthread_create(&k[i].thread, NULL, write_records, &k[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(k[i].thread, NULL), 0);
    shmc_jwriter_close(&fx->w);
    load_file(fx, fx->w.path);

    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(k[i].failed, 0);
    assert_int_equal(lost(&fx->w), 0);
    assert_int_equal(shmc_jreader_init(&r, fx->buf, fx->len), SHMC_JOK);
    while ((st = shmc_jreader_next(&r, &rec)) == SHMC_JOK) {
        int id = rec->tid;
        if (id < 0 || id >= NTHREADS || !matches(rec, id, next[id], 0))
            bad++;
        else
            next[id]++;
        total++;
    }
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(bad, 0);
    assert_int_equal(total, NTHREADS * PER_THREAD);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(next[i], PER_THREAD);
    assert_int_equal(fx->len, FIRST + NTHREADS * bytes_of(PER_THREAD, 0));
}

/* Child: `count` committed records (past a chunk), one begun and not
 * committed, then SIGKILL. Exits 10+ when something failed first. */
static void crash_child(const char *dir, uint32_t count)
{
    struct shmc_jwriter w;

    if (shmc_jwriter_open(&w, dir, getpid(), getppid(), 0, 0, 0) != 0)
        _exit(10);
    if (put_many(&w, 9, 0, count, 0) != 0)
        _exit(11);
    if (put(&w, 9, count, 0, 0) != 0)
        _exit(12);
    raise(SIGKILL);
    _exit(13);
}

static void test_crash_safety(void **state)
{
    struct fx *fx = *state;
    const uint32_t count = 15000;
    char path[PATH_MAX];
    enum shmc_jstatus st;
    size_t skipped;

    assert_true(bytes_of(count, 0) > SHMC_JCHUNK);

    pid_t child = fork();
    if (child == 0)
        crash_child(fx->dir, count);
    int how = reap(child);
    path_of(fx, child, 0, path);
    load_file(fx, path);

    assert_int_equal(how, 128 + SIGKILL);
    assert_int_equal(fx->len, 2 * SHMC_JCHUNK); /* never closed */
    assert_int_equal(read_seq(fx->buf, fx->len, 9, 0, 0, &st, &skipped), count);
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(skipped, 1);
}

/* Child: writes, closes every fd >= 3 as daemons do, writes past the next
 * chunk boundary. Exits 0 when nothing was lost. */
static void closer_child(const char *dir, uint32_t before, uint32_t after)
{
    struct shmc_jwriter w;

    if (shmc_jwriter_open(&w, dir, getpid(), getppid(), 0, 0, 0) != 0)
        child_exit(10);
    if (put_many(&w, 4, 0, before, 0) != 0)
        child_exit(11);
    for (int fd = 3; fd < MAXFD; fd++)
        close(fd);
    if (put_many(&w, 4, before, after, 0) != 0 ||
        atomic_load(&w.mapped) <= SHMC_JCHUNK)
        child_exit(12);
    shmc_jwriter_close(&w);
    child_exit(atomic_load(&w.lost) == 0 ? 0 : 13);
}

static void test_program_closes_fds(void **state)
{
    struct fx *fx = *state;
    const uint32_t before = 100, after = 15000;
    char path[PATH_MAX];
    enum shmc_jstatus st;
    size_t skipped;

    pid_t child = fork();
    if (child == 0)
        closer_child(fx->dir, before, after);
    int how = reap(child);
    path_of(fx, child, 0, path);
    load_file(fx, path);

    assert_int_equal(how, 0);
    assert_int_equal(fx->len, FIRST + bytes_of(before + after, 0));
    assert_int_equal(read_seq(fx->buf, fx->len, 4, 0, 0, &st, &skipped),
                     before + after);
    assert_int_equal(st, SHMC_JEND);
}

/* Child: abandons the parent's writer (whose grow mutex the parent held
 * at fork), opens its own, writes past a chunk. */
static void abandon_child(struct shmc_jwriter *w, const char *dir)
{
    unsigned char *old = w->base, page;

    shmc_jwriter_abandon(w);
    /* mincore fails with ENOMEM on an unmapped range. */
    if (w->base != NULL || mincore(old, 1, &page) == 0 || errno != ENOMEM)
        child_exit(10);
    if (shmc_jwriter_begin(w, SHMC_JREC_HEADER, SHMC_J_FORK) != NULL)
        child_exit(11);
    if (shmc_jwriter_open(w, dir, getpid(), getppid(), 0, 0, 0) != 0)
        child_exit(12);
    if (put_many(w, 2, 0, 15000, 0) != 0)
        child_exit(13);
    shmc_jwriter_close(w);
    child_exit(0);
}

static void test_abandon_in_fork_child(void **state)
{
    struct fx *fx = *state;
    char mine[PATH_MAX], theirs[PATH_MAX];
    enum shmc_jstatus st;
    size_t skipped;

    assert_int_equal(
        shmc_jwriter_open(&fx->w, fx->dir, getpid(), getppid(), 0, 0, 0), 0);
    assert_int_equal(put_many(&fx->w, 1, 0, 10, 0), 0);
    strcpy(mine, fx->w.path);

    assert_int_equal(pthread_mutex_lock(&fx->w.grow), 0);
    pid_t child = fork();
    if (child == 0)
        abandon_child(&fx->w, fx->dir);
    assert_int_equal(pthread_mutex_unlock(&fx->w.grow), 0);
    int how = reap(child);
    int wrote = put_many(&fx->w, 1, 10, 10, 0);
    shmc_jwriter_close(&fx->w);
    path_of(fx, child, 0, theirs);

    assert_int_equal(how, 0);
    assert_int_equal(wrote, 0);
    load_file(fx, mine);
    assert_int_equal(fx->len, FIRST + bytes_of(20, 0));
    assert_int_equal(read_seq(fx->buf, fx->len, 1, 0, 0, &st, &skipped), 20);
    assert_int_equal(st, SHMC_JEND);
    load_file(fx, theirs);
    struct shmc_jreader r;
    assert_int_equal(shmc_jreader_init(&r, fx->buf, fx->len), SHMC_JOK);
    assert_int_equal(r.header.pid, child);
    assert_int_equal(r.header.ppid, getpid());
    assert_int_equal(read_seq(fx->buf, fx->len, 2, 0, 0, &st, &skipped), 15000);
    assert_int_equal(st, SHMC_JEND);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_threads),
        T(test_crash_safety),
        T(test_program_closes_fds),
        T(test_abandon_in_fork_child),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
