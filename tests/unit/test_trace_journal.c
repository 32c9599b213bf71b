/*
 * test_trace_journal.c - the tracer's journal: what shmc_jwriter_* writes,
 * shmc_jreader_* reads back the same, in order, across chunk growth, from
 * 8 threads at once and after a SIGKILL; the file is 0600, leaves no fd
 * open, follows no symlink and survives a program closing all its fds; a
 * fork child's abandon leaves the parent's journal alone; and the reader
 * returns the documented status, never reading out of bounds, on damaged
 * headers and records, on every prefix of a journal and on random bytes.
 *
 * Children never call cmocka (a failed assert in a child would run the rest
 * of the suite there): they report through their exit status.
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
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "journal/reader.h"
#include "journal/writer.h"

#define PID 4242 /* a made-up pid: the directory is private */
#define PPID 4241
#define FIRST 64u /* where records start: sizeof(struct shmc_jheader) */
#define NTHREADS 8
#define PER_THREAD 20000u
#define MAXFD 1024

struct fx {
    char dir[64];
    struct shmc_jwriter w;
    unsigned char *buf; /* a file loaded by load(), freed in teardown */
    size_t len;
};

static int setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    strcpy(fx.dir, "/tmp/shmc-journal-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d = opendir(fx->dir);

    shmc_jwriter_close(&fx->w);
    free(fx->buf);
    fx->buf = NULL;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return rmdir(fx->dir);
}

/* ---- records: everything in one derives from (tid, seq) ---- */

/* Sizes of record seq: small ones, or big ones (up to SHMC_JMAX_RECORD)
 * that make a journal grow fast. */
static void shape(uint32_t seq, int big, unsigned *nframes, unsigned *payload)
{
    if (!big) {
        *nframes = seq % 3;
        *payload = seq % 17;
        return;
    }
    *nframes = seq % (SHMC_JMAX_FRAMES + 1);
    *payload = (seq * 997u) %
               (SHMC_JMAX_RECORD - SHMC_JREC_HEADER - 8u * *nframes + 1);
}

static uint16_t type_of(uint32_t seq)
{
    return (uint16_t)(SHMC_J_START + seq % (SHMC_J_TYPE_MAX - SHMC_J_START));
}

static uint64_t frame_of(int tid, uint32_t seq, unsigned i)
{
    return ((uint64_t)tid << 48) ^ ((uint64_t)seq << 8) ^ i;
}

static unsigned char byte_of(int tid, uint32_t seq, unsigned i)
{
    return (unsigned char)(tid * 31 + seq + i);
}

/* Writes record seq of tid (no cmocka: threads and children call it).
 * Returns 0, or -1 when begin gave no record. */
static int put(struct shmc_jwriter *w, int tid, uint32_t seq, int big,
               int commit)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    struct shmc_jrec *r =
        shmc_jwriter_begin(w, shmc_jrec_size(nframes, payload), type_of(seq));
    if (r == NULL)
        return -1;
    r->time_ns = 1000u + seq;
    r->tid = tid;
    r->err = (int32_t)(seq % 7);
    r->result = (int64_t)seq * 3 - 1;
    r->args[0] = tid;
    r->args[1] = seq;
    r->args[2] = big;
    r->args[3] = -(int64_t)seq;
    r->nframes = (uint16_t)nframes;
    r->payload = (uint16_t)payload;
    uint64_t *frames = (uint64_t *)(void *)(r + 1);
    for (unsigned i = 0; i < nframes; i++)
        frames[i] = frame_of(tid, seq, i);
    unsigned char *bytes = (unsigned char *)(frames + nframes);
    for (unsigned i = 0; i < payload; i++)
        bytes[i] = byte_of(tid, seq, i);
    if (commit)
        shmc_jwriter_commit(r);
    return 0;
}

static int put_many(struct shmc_jwriter *w, int tid, uint32_t first,
                    uint32_t count, int big)
{
    for (uint32_t seq = first; seq < first + count; seq++)
        if (put(w, tid, seq, big, 1) != 0)
            return -1;
    return 0;
}

/* Whether r is exactly what put(tid, seq, big) wrote. */
static int matches(const struct shmc_jrec *r, int tid, uint32_t seq, int big)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    if (r->size != shmc_jrec_size(nframes, payload) ||
        r->type != type_of(seq) || r->commit != SHMC_JCOMMIT ||
        r->time_ns != 1000u + seq || r->tid != tid ||
        r->err != (int32_t)(seq % 7) || r->result != (int64_t)seq * 3 - 1 ||
        r->args[0] != tid || r->args[1] != seq || r->args[2] != big ||
        r->args[3] != -(int64_t)seq || r->nframes != nframes ||
        r->payload != payload)
        return 0;
    for (unsigned i = 0; i < nframes; i++)
        if (shmc_jrec_frames(r)[i] != frame_of(tid, seq, i))
            return 0;
    for (unsigned i = 0; i < payload; i++)
        if ((unsigned char)shmc_jrec_payload(r)[i] != byte_of(tid, seq, i))
            return 0;
    return 1;
}

/* Reads the journal in (buf, len): returns how many records in a row are
 * tid's seq first, first+1, ...; *status is the reader's status after
 * them (SHMC_JOK if a record did not match), *skipped its skip count. */
static size_t read_seq(const void *buf, size_t len, int tid, uint32_t first,
                       int big, enum shmc_jstatus *status, size_t *skipped)
{
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    size_t n = 0;

    *status = shmc_jreader_init(&r, buf, len);
    if (*status != SHMC_JOK)
        return 0;
    while ((*status = shmc_jreader_next(&r, &rec)) == SHMC_JOK) {
        if (!matches(rec, tid, first + (uint32_t)n, big))
            break;
        n++;
    }
    *skipped = r.skipped;
    return n;
}

static uint32_t size_of(uint32_t seq, int big)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    return shmc_jrec_size(nframes, payload);
}

/* Bytes of put_many(first 0, count, big) after the header. */
static size_t bytes_of(uint32_t count, int big)
{
    size_t total = 0;

    for (uint32_t seq = 0; seq < count; seq++)
        total += size_of(seq, big);
    return total;
}

/* ---- files, fds and children ---- */

static void path_of(const struct fx *fx, int pid, unsigned n, char *out)
{
    snprintf(out, PATH_MAX, "%s/%d.%u.shmj", fx->dir, pid, n);
}

/* Loads a whole file into fx->buf (malloc: 8-aligned, exactly sized). */
static void load(struct fx *fx, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    free(fx->buf);
    fx->len = (size_t)st.st_size;
    fx->buf = malloc(fx->len ? fx->len : 1);
    assert_non_null(fx->buf);
    for (size_t got = 0; got < fx->len;) {
        ssize_t n = read(fd, fx->buf + got, fx->len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fd);
}

/* Marks the process's open fds below MAXFD, from /proc/self/fd. */
static void open_fds(unsigned char set[MAXFD])
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    assert_non_null(d);
    memset(set, 0, MAXFD);
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd != dirfd(d) && fd < MAXFD)
            set[fd] = 1;
    }
    closedir(d);
}

/* Waits for child; returns its exit status, or 128 + signal. */
static int reap(pid_t child)
{
    int status;

    assert_true(child > 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static size_t lost(struct shmc_jwriter *w)
{
    return atomic_load(&w->lost);
}

/* How a child ends: _exit, after writing its coverage counts (gcov writes
 * them at exit(), which a child must not call here). */
static _Noreturn void child_exit(int code)
{
    SHMC_COVERAGE_FLUSH();
    _exit(code);
}

/* ---- the writer ---- */

/* Records of every type, frames and payload sizes come back as written;
 * the header says who wrote them; the file ends where they do. The same
 * pid again (as after an exec) gets the next image number. */
static void test_round_trip(void **state)
{
    struct fx *fx = *state;
    char path0[PATH_MAX], path1[PATH_MAX];
    struct shmc_jwriter second;
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    enum shmc_jstatus st;
    size_t skipped;

    path_of(fx, PID, 0, path0);
    path_of(fx, PID, 1, path1);

    int rc0 =
        shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, SHMC_JF_STACKS, 111, 222);
    int wrote = put_many(&fx->w, 7, 0, 100, 1);
    shmc_jwriter_close(&fx->w);
    int rc1 = shmc_jwriter_open(&second, fx->dir, PID, PPID, 0, 1, 2);
    shmc_jwriter_close(&second);

    assert_int_equal(rc0, 0);
    assert_int_equal(wrote, 0);
    assert_string_equal(fx->w.path, path0);
    assert_null(fx->w.base);
    assert_int_equal(lost(&fx->w), 0);
    load(fx, path0);
    assert_int_equal(fx->len, FIRST + bytes_of(100, 1));
    assert_memory_equal(fx->buf, SHMC_JMAGIC, 8);
    assert_int_equal(shmc_jreader_init(&r, fx->buf, fx->len), SHMC_JOK);
    assert_int_equal(r.header.version, SHMC_JVERSION);
    assert_int_equal(r.header.header_size, FIRST);
    assert_int_equal(r.header.pid, PID);
    assert_int_equal(r.header.ppid, PPID);
    assert_int_equal(r.header.image, 0);
    assert_int_equal(r.header.flags, SHMC_JF_STACKS);
    assert_int_equal(r.header.start_ns, 111);
    assert_int_equal(r.header.start_real_ns, 222);
    assert_int_equal(read_seq(fx->buf, fx->len, 7, 0, 1, &st, &skipped), 100);
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(skipped, 0);

    assert_int_equal(rc1, 0);
    assert_string_equal(second.path, path1);
    load(fx, path1);
    assert_int_equal(fx->len, FIRST);
    assert_int_equal(shmc_jreader_init(&r, fx->buf, fx->len), SHMC_JOK);
    assert_int_equal(r.header.image, 1);
    assert_int_equal(r.header.flags, 0);
    assert_int_equal(r.header.start_ns, 1);
    assert_int_equal(shmc_jreader_next(&r, &rec), SHMC_JEND);
}

/* Mode 0600 whatever the umask, no fd left after open, begin (with
 * growth) and close. */
static void test_file_mode_and_fds(void **state)
{
    struct fx *fx = *state;
    static const mode_t masks[] = {022, 0277};
    unsigned char before[MAXFD], after_open[MAXFD], after_write[MAXFD],
        after_close[MAXFD];
    struct stat st;

    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        mode_t old = umask(masks[i]);
        open_fds(before);
        int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
        open_fds(after_open);
        int wrote = put_many(&fx->w, 1, 0, 2000, 1);
        open_fds(after_write);
        int st_rc = stat(fx->w.path, &st);
        shmc_jwriter_close(&fx->w);
        open_fds(after_close);
        umask(old);

        assert_int_equal(rc, 0);
        assert_int_equal(wrote, 0);
        assert_true(atomic_load(&fx->w.mapped) > SHMC_JCHUNK);
        assert_int_equal(st_rc, 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_uid, geteuid());
        assert_memory_equal(before, after_open, MAXFD);
        assert_memory_equal(before, after_write, MAXFD);
        assert_memory_equal(before, after_close, MAXFD);
    }
}

/* Links planted at <pid>.0 (to a file) and <pid>.1 (dangling): open skips
 * both names and writes through neither. */
static void test_open_refuses_symlinks(void **state)
{
    struct fx *fx = *state;
    char target[PATH_MAX], victim[PATH_MAX], link0[PATH_MAX], link1[PATH_MAX],
        want[PATH_MAX];
    struct stat st;

    snprintf(target, sizeof target, "%s/target", fx->dir);
    snprintf(victim, sizeof victim, "%s/victim", fx->dir);
    path_of(fx, PID, 0, link0);
    path_of(fx, PID, 1, link1);
    path_of(fx, PID, 2, want);
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "precious", 8), 8);
    close(fd);
    assert_int_equal(symlink(target, link0), 0);
    assert_int_equal(symlink(victim, link1), 0);

    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    int wrote = put_many(&fx->w, 1, 0, 10, 0);
    shmc_jwriter_close(&fx->w);

    assert_int_equal(rc, 0);
    assert_int_equal(wrote, 0);
    assert_string_equal(fx->w.path, want);
    load(fx, target);
    assert_int_equal(fx->len, 8);
    assert_memory_equal(fx->buf, "precious", 8);
    int victim_rc = lstat(victim, &st);
    int victim_errno = errno;
    assert_int_equal(victim_rc, -1);
    assert_int_equal(victim_errno, ENOENT);
    assert_int_equal(lstat(link0, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(link1, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
}

/* More than 3 MiB of records of every size, across four chunks. */
static void test_growth(void **state)
{
    struct fx *fx = *state;
    const uint32_t count = 1800;
    enum shmc_jstatus st;
    size_t skipped;

    assert_true(bytes_of(count, 1) > 3 * SHMC_JCHUNK);

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    int wrote = put_many(&fx->w, 3, 0, count, 1);
    size_t mapped = atomic_load(&fx->w.mapped);
    shmc_jwriter_close(&fx->w);
    load(fx, fx->w.path);

    assert_int_equal(wrote, 0);
    assert_int_equal(lost(&fx->w), 0);
    assert_int_equal(mapped, 4 * SHMC_JCHUNK);
    assert_int_equal(fx->len, FIRST + bytes_of(count, 1));
    assert_int_equal(read_seq(fx->buf, fx->len, 3, 0, 1, &st, &skipped), count);
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(skipped, 0);
}

/* Fills fx->w's first chunk with small records of tid, seq 0.., up to
 * where the next one would need growth; returns how many. */
static uint32_t fill_chunk(struct fx *fx, int tid)
{
    uint32_t n = 0;

    while (atomic_load(&fx->w.off) + size_of(n, 0) <= SHMC_JCHUNK &&
           put(&fx->w, tid, n, 0, 1) == 0)
        n++;
    return n;
}

/* A symlink to the journal itself, swapped in for it, stops growth
 * (O_NOFOLLOW: the file it points to has the right size); once a record is
 * lost the journal stays frozen even when the file is back, and what was
 * written before reads back whole. */
static void test_growth_failure_freezes(void **state)
{
    struct fx *fx = *state;
    char moved[PATH_MAX + 8];
    enum shmc_jstatus st;
    size_t skipped;
    struct stat sb;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    snprintf(moved, sizeof moved, "%s.moved", fx->w.path);
    uint32_t fit = fill_chunk(fx, 5);

    assert_int_equal(rename(fx->w.path, moved), 0);
    assert_int_equal(symlink(moved, fx->w.path), 0);
    int first = put_many(&fx->w, 5, fit, 20, 0);
    int moved_size = stat(moved, &sb) == 0 ? (int)sb.st_size : -1;
    assert_int_equal(unlink(fx->w.path), 0);
    assert_int_equal(rename(moved, fx->w.path), 0);
    int again = put_many(&fx->w, 5, fit, 20000, 0);
    size_t lost_before_close = lost(&fx->w);
    shmc_jwriter_close(&fx->w);
    load(fx, fx->w.path);

    assert_int_equal(first, -1);
    assert_int_equal(moved_size, SHMC_JCHUNK);
    assert_int_equal(again, -1);
    assert_int_equal(lost_before_close, 2);
    assert_int_equal(fx->len, SHMC_JCHUNK);
    assert_int_equal(read_seq(fx->buf, fx->len, 5, 0, 0, &st, &skipped), fit);
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(skipped, 0);
}

/* Another regular file put at the journal's path (its size tells it
 * apart): neither growth nor close writes to it. */
static void test_replaced_file_left_alone(void **state)
{
    struct fx *fx = *state;
    char moved[PATH_MAX + 8];

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    snprintf(moved, sizeof moved, "%s.moved", fx->w.path);
    uint32_t fit = fill_chunk(fx, 5);
    assert_int_equal(rename(fx->w.path, moved), 0);
    int fd = open(fx->w.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "foreign", 7), 7);
    close(fd);

    int grew = put(&fx->w, 5, fit, 0, 1);
    shmc_jwriter_close(&fx->w);
    load(fx, fx->w.path);

    assert_int_equal(grew, -1);
    assert_int_equal(lost(&fx->w), 1);
    assert_int_equal(fx->len, 7);
    assert_memory_equal(fx->buf, "foreign", 7);
    load(fx, moved);
    assert_int_equal(fx->len, SHMC_JCHUNK);
}

static volatile sig_atomic_t xfsz_raised;

static void on_xfsz(int sig)
{
    (void)sig;
    xfsz_raised++;
}

/* The file size limit (RLIMIT_FSIZE) is respected before the kernel
 * would raise SIGXFSZ (whose default action kills the program we trace):
 * open then leaves no file, fd or errno change behind but EFBIG; a
 * failed growth counts the record lost and keeps errno. */
static void test_file_size_limit(void **state)
{
    struct fx *fx = *state;
    unsigned char before[MAXFD], after[MAXFD];
    struct rlimit old, small;
    char path[PATH_MAX];
    void (*old_handler)(int) = signal(SIGXFSZ, on_xfsz);

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    path_of(fx, PID, 0, path);
    open_fds(before);

    small.rlim_cur = SHMC_JCHUNK / 2;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    int open_errno = errno;
    int exists = access(path, F_OK) == 0;
    small.rlim_cur = SHMC_JCHUNK + SHMC_JCHUNK / 2;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int reopened = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    uint32_t fit = fill_chunk(fx, 8);
    errno = EDOM;
    int grew = put(&fx->w, 8, fit, 0, 1);
    int grow_errno = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    shmc_jwriter_close(&fx->w);
    open_fds(after);

    assert_int_equal(xfsz_raised, 0);
    assert_int_equal(rc, -1);
    assert_int_equal(open_errno, EFBIG);
    assert_false(exists);
    assert_int_equal(reopened, 0);
    assert_string_equal(fx->w.path, path);
    assert_int_equal(grew, -1);
    assert_int_equal(grow_errno, EDOM);
    assert_int_equal(lost(&fx->w), 1);
    assert_memory_equal(before, after, MAXFD);
}

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
    load(fx, fx->w.path);

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
    load(fx, path);

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
    load(fx, path);

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
    load(fx, mine);
    assert_int_equal(fx->len, FIRST + bytes_of(20, 0));
    assert_int_equal(read_seq(fx->buf, fx->len, 1, 0, 0, &st, &skipped), 20);
    assert_int_equal(st, SHMC_JEND);
    load(fx, theirs);
    struct shmc_jreader r;
    assert_int_equal(shmc_jreader_init(&r, fx->buf, fx->len), SHMC_JOK);
    assert_int_equal(r.header.pid, child);
    assert_int_equal(r.header.ppid, getpid());
    assert_int_equal(read_seq(fx->buf, fx->len, 2, 0, 0, &st, &skipped), 15000);
    assert_int_equal(st, SHMC_JEND);
}

/* A FIFO put at the journal's path (open O_RDWR would not block on it):
 * growth refuses it and leaves it a FIFO. */
static void test_fifo_at_path_left_alone(void **state)
{
    struct fx *fx = *state;
    char moved[PATH_MAX + 8];
    struct stat st;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    snprintf(moved, sizeof moved, "%s.moved", fx->w.path);
    uint32_t fit = fill_chunk(fx, 6);
    assert_int_equal(rename(fx->w.path, moved), 0);
    assert_int_equal(mkfifo(fx->w.path, 0600), 0);

    int grew = put(&fx->w, 6, fit, 0, 1);
    shmc_jwriter_close(&fx->w);

    assert_int_equal(grew, -1);
    assert_int_equal(lost(&fx->w), 1);
    assert_int_equal(lstat(fx->w.path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    load(fx, moved);
    assert_int_equal(fx->len, SHMC_JCHUNK);
}

/* Reservations go on after the journal froze, each one dropped and
 * counted, until they pass the end of the reserved region, where begin
 * refuses them without trying to grow; what was written reads back. */
static void test_full_region_drops_records(void **state)
{
    struct fx *fx = *state;
    char moved[PATH_MAX + 8];
    enum shmc_jstatus st;
    size_t skipped, calls = 0, returned = 0;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    snprintf(moved, sizeof moved, "%s.moved", fx->w.path);
    uint32_t fit = fill_chunk(fx, 7);
    assert_int_equal(rename(fx->w.path, moved), 0); /* growth fails */
    while (atomic_load(&fx->w.off) <= SHMC_JREGION) {
        returned +=
            shmc_jwriter_begin(&fx->w, SHMC_JMAX_RECORD, SHMC_J_EXIT) != NULL;
        calls++;
    }
    assert_int_equal(rename(moved, fx->w.path), 0);
    size_t dropped = lost(&fx->w);
    shmc_jwriter_close(&fx->w);
    load(fx, fx->w.path);

    assert_int_equal(returned, 0);
    assert_true(calls > (SHMC_JREGION - SHMC_JCHUNK) / SHMC_JMAX_RECORD);
    assert_int_equal(dropped, calls);
    assert_int_equal(fx->len, SHMC_JCHUNK);
    assert_int_equal(read_seq(fx->buf, fx->len, 7, 0, 0, &st, &skipped), fit);
    assert_int_equal(st, SHMC_JEND);
}

/* The address space in use, in bytes (/proc/self/statm). */
static size_t vm_size(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = read(fd, buf, sizeof buf - 1);

    close(fd);
    assert_true(n > 0);
    buf[n] = '\0';
    return (size_t)strtoul(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

/* Without address space for the reserved region, open fails with ENOMEM
 * and leaves no file or fd behind. */
static void test_open_without_address_space(void **state)
{
    struct fx *fx = *state;
    unsigned char before[MAXFD], after[MAXFD];
    char path[PATH_MAX];
    struct rlimit old, capped;

    path_of(fx, PID, 0, path);
    open_fds(before);
    assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
    capped = old;
    capped.rlim_cur = vm_size() + SHMC_JREGION / 2;
    assert_int_equal(setrlimit(RLIMIT_AS, &capped), 0);
    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    int err = errno;
    assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);
    open_fds(after);

    assert_int_equal(rc, -1);
    assert_int_equal(err, ENOMEM);
    assert_null(fx->w.base);
    assert_int_equal(access(path, F_OK), -1);
    assert_memory_equal(before, after, MAXFD);
}

#if defined(__x86_64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef THIS_AUDIT_ARCH
/* From here on, a shared MAP_FIXED mapping of a file at an offset other
 * than 0 (what growth maps, and nothing else here) fails with ENOMEM, as
 * it would without mappings left (vm.max_map_count). */
static int fail_growth_mappings(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, args[3])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MAP_SHARED | MAP_FIXED, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, args[5])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOMEM),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Child: growth whose mapping fails. Exits 0 when the record was dropped
 * and counted, the file shrank back to its mapped size, the range stayed
 * reserved (nothing else can be mapped there) and the journal closes
 * readable. */
static void unmappable_child(struct fx *fx)
{
    struct stat st;

    if (shmc_jwriter_open(&fx->w, fx->dir, getpid(), getppid(), 0, 0, 0) != 0)
        child_exit(10);
    uint32_t fit = fill_chunk(fx, 8);
    if (fail_growth_mappings() != 0)
        child_exit(11);
    if (put(&fx->w, 8, fit, 0, 1) != -1 || lost(&fx->w) != 1)
        child_exit(12);
    if (stat(fx->w.path, &st) != 0 || (size_t)st.st_size != SHMC_JCHUNK)
        child_exit(13);
    void *p = mmap(fx->w.base + SHMC_JCHUNK, 4096, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED || errno != EEXIST)
        child_exit(14);
    shmc_jwriter_close(&fx->w);
    child_exit(0);
}

static void test_growth_mapping_fails(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX];
    enum shmc_jstatus st;
    size_t skipped;

    pid_t child = fork();
    if (child == 0)
        unmappable_child(fx);
    int how = reap(child);
    if (how == 11)
        skip(); /* no seccomp filters here */
    path_of(fx, child, 0, path);
    load(fx, path);

    assert_int_equal(how, 0);
    assert_int_equal(fx->len, SHMC_JCHUNK);
    assert_true(read_seq(fx->buf, fx->len, 8, 0, 0, &st, &skipped) > 0);
    assert_int_equal(st, SHMC_JEND);
}
#else
static void test_growth_mapping_fails(void **state)
{
    (void)state;
    skip();
}
#endif

/* What open and begin refuse, and that refusing leaves nothing behind. */
static void test_writer_refusals(void **state)
{
    struct fx *fx = *state;
    static const uint32_t bad_sizes[] = {0,
                                         8,
                                         SHMC_JREC_HEADER - 8,
                                         SHMC_JREC_HEADER + 4,
                                         4097,
                                         SHMC_JMAX_RECORD + 8,
                                         UINT32_MAX};
    static char long_dir[PATH_MAX];
    unsigned char before[MAXFD], after[MAXFD];
    char missing[PATH_MAX];
    struct shmc_jrec *r;

    memset(long_dir, 'a', sizeof long_dir - 1);
    long_dir[0] = '/';
    snprintf(missing, sizeof missing, "%s/missing", fx->dir);
    open_fds(before);

    errno = 0;
    assert_int_equal(shmc_jwriter_open(&fx->w, NULL, PID, PPID, 0, 0, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(shmc_jwriter_open(&fx->w, "", PID, PPID, 0, 0, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, 0, PPID, 0, 0, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(shmc_jwriter_open(&fx->w, missing, PID, PPID, 0, 0, 0),
                     -1);
    assert_int_equal(errno, ENOENT);
    assert_null(fx->w.base);
    assert_null(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, SHMC_J_EXIT));
    assert_int_equal(shmc_jwriter_open(&fx->w, long_dir, PID, PPID, 0, 0, 0),
                     -1);
    assert_int_equal(errno, ENAMETOOLONG);
    open_fds(after);
    assert_memory_equal(before, after, MAXFD);

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++)
        assert_null(shmc_jwriter_begin(&fx->w, bad_sizes[i], SHMC_J_EXIT));
    assert_null(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, 0));
    assert_null(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, SHMC_J_TYPE_MAX));
    assert_int_equal(lost(&fx->w), 0);
    assert_int_equal(atomic_load(&fx->w.off), FIRST);
    r = shmc_jwriter_begin(&fx->w, SHMC_JMAX_RECORD, SHMC_J_EXIT);
    assert_non_null(r);
    assert_int_equal(r->size, SHMC_JMAX_RECORD);
    assert_int_equal(r->type, SHMC_J_EXIT);
    assert_int_equal(r->commit, 0);
    shmc_jwriter_commit(r);
    assert_int_equal(r->commit, SHMC_JCOMMIT);
    shmc_jwriter_close(&fx->w);
    shmc_jwriter_close(&fx->w);
    shmc_jwriter_abandon(&fx->w);
    assert_null(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, SHMC_J_EXIT));
    load(fx, fx->w.path);
    assert_int_equal(fx->len, FIRST + SHMC_JMAX_RECORD);
}

/* 1000 images of one pid exist: open gives up with EEXIST. */
static void test_open_runs_out_of_images(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX];

    for (unsigned n = 0; n < 1000; n++) {
        path_of(fx, PID, n, path);
        assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
    }

    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    int saved = errno;

    assert_int_equal(rc, -1);
    assert_int_equal(saved, EEXIST);
    assert_null(fx->w.base);
    path_of(fx, PID, 1000, path);
    assert_int_equal(access(path, F_OK), -1);
}

/* ---- the reader ---- */

/* A journal built by hand: header, then records appended by add(). */
struct mem {
    uint64_t words[1024];
    size_t len;
};

static void mem_init(struct mem *m)
{
    struct shmc_jheader h;

    memset(m, 0, sizeof *m);
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHMC_JMAGIC, 8);
    h.version = SHMC_JVERSION;
    h.header_size = sizeof h;
    h.pid = PID;
    memcpy(m->words, &h, sizeof h);
    m->len = sizeof h;
}

static struct shmc_jrec *add(struct mem *m, uint32_t size, uint16_t type,
                             uint16_t commit, uint16_t nframes,
                             uint16_t payload)
{
    struct shmc_jrec *r = (void *)((unsigned char *)m->words + m->len);

    r->size = size;
    r->type = type;
    r->commit = commit;
    r->nframes = nframes;
    r->payload = payload;
    m->len += size >= 8 ? (size + 7u) & ~7u : 8;
    return r;
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static unsigned char *exact(struct fx *fx, const void *data, size_t len)
{
    free(fx->buf);
    fx->buf = malloc(len ? len : 1);
    assert_non_null(fx->buf);
    memcpy(fx->buf, data, len);
    fx->len = len;
    return fx->buf;
}

static void test_reader_bad_headers(void **state)
{
    struct fx *fx = *state;
    struct mem m;
    struct shmc_jreader r, untouched;
    struct shmc_jheader *h = (void *)m.words;
    static const uint32_t bad_hsize[] = {0, 56, 60, 68, 72, UINT32_MAX};

    mem_init(&m);
    memset(&r, 0xa5, sizeof r);
    memset(&untouched, 0xa5, sizeof untouched);

    assert_int_equal(shmc_jreader_init(&r, NULL, 64), SHMC_JBAD_HEADER);
    assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 0), 0),
                     SHMC_JBAD_HEADER);
    assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 63), 63),
                     SHMC_JBAD_HEADER);
    unsigned char odd[80];
    memcpy(odd + ((uintptr_t)odd % 8 ? 0 : 1), m.words, 64);
    assert_int_equal(
        shmc_jreader_init(&r, odd + ((uintptr_t)odd % 8 ? 0 : 1), 64),
        SHMC_JBAD_HEADER);
    h->magic[7] = 'X';
    assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 64), 64),
                     SHMC_JBAD_HEADER);
    h->magic[7] = 'L';
    for (uint32_t v = 0; v < 4; v += 2) {
        h->version = v;
        assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 64), 64),
                         SHMC_JBAD_HEADER);
    }
    h->version = SHMC_JVERSION;
    for (size_t i = 0; i < sizeof bad_hsize / sizeof bad_hsize[0]; i++) {
        h->header_size = bad_hsize[i];
        assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 64), 64),
                         SHMC_JBAD_HEADER);
    }
    assert_memory_equal(&r, &untouched, sizeof r);

    /* A longer header (a later minor layout) is stepped over. */
    h->header_size = 72;
    assert_int_equal(shmc_jreader_init(&r, exact(fx, m.words, 72), 72),
                     SHMC_JOK);
    assert_int_equal(r.off, 72);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.header.pid, PID);
}

struct damage {
    const char *what;
    uint32_t size;
    uint16_t type, commit, nframes, payload;
    size_t cut; /* the data ends this far into the record (0: after) */
    enum shmc_jstatus want;
    size_t skipped; /* SHMC_JOK: 0, this record is returned; 1, the next */
};

#define C SHMC_JCOMMIT
#define H SHMC_JREC_HEADER
static const struct damage damages[] = {
    {"size 0: the end", 0, 3, C, 0, 0, 0, SHMC_JEND, 0},
    {"size not 8k", H + 4, 3, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"size under header", H - 8, 3, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"size over max", SHMC_JMAX_RECORD + 8, 3, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"size past end", 256, 3, C, 0, 0, 200, SHMC_JTRUNCATED, 0},
    {"3 bytes left", 256, 3, C, 0, 0, 3, SHMC_JEND, 0},
    {"4 bytes left", 256, 3, C, 0, 0, 4, SHMC_JTRUNCATED, 0},
    {"too many frames", H + 8 * 33, 3, C, 33, 0, 0, SHMC_JTRUNCATED, 0},
    {"frames past size", H + 8, 3, C, 2, 0, 0, SHMC_JTRUNCATED, 0},
    {"payload past size", H + 8, 3, C, 0, 9, 0, SHMC_JTRUNCATED, 0},
    {"frames+payload past", H + 8, 3, C, 1, 1, 0, SHMC_JTRUNCATED, 0},
    {"type 0", H, 0, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"type max", H, SHMC_J_TYPE_MAX, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"type 0xffff", H, 0xffff, C, 0, 0, 0, SHMC_JTRUNCATED, 0},
    {"uncommitted garbage", H, 0xffff, 0, 999, 999, 0, SHMC_JOK, 1},
    {"commit off by one", H, 3, C + 1, 0, 0, 0, SHMC_JOK, 1},
    {"smallest", H, SHMC_J_START, C, 0, 0, 0, SHMC_JOK, 0},
    {"largest", SHMC_JMAX_RECORD, SHMC_J_TYPE_MAX - 1, C, 32,
     SHMC_JMAX_RECORD - H - 8 * 32, 0, SHMC_JOK, 0},
};
#undef C
#undef H

/* Header, a good record, the damaged one, a good one: the first comes
 * back, then the case's status, with off left at the damage. */
static void test_reader_damaged_records(void **state)
{
    struct fx *fx = *state;
    const struct shmc_jrec *rec, *last;
    struct shmc_jreader r;
    struct mem m;

    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        const struct damage *d = &damages[i];
        mem_init(&m);
        add(&m, SHMC_JREC_HEADER, SHMC_J_SHMGET, SHMC_JCOMMIT, 0, 0);
        size_t at = m.len;
        add(&m, d->size, d->type, d->commit, d->nframes, d->payload);
        if (d->size < SHMC_JREC_HEADER || d->size % 8 != 0)
            m.len = at + SHMC_JREC_HEADER;
        last = add(&m, SHMC_JREC_HEADER + 8, SHMC_J_SHMDT, SHMC_JCOMMIT, 1, 0);
        size_t len = d->cut ? at + d->cut : m.len;
        const unsigned char *buf = exact(fx, m.words, len);

        assert_int_equal(shmc_jreader_init(&r, buf, len), SHMC_JOK);
        assert_int_equal(shmc_jreader_next(&r, &rec), SHMC_JOK);
        assert_ptr_equal(rec, buf + FIRST);
        rec = NULL;
        enum shmc_jstatus got = shmc_jreader_next(&r, &rec);

        if (got != d->want || r.skipped != d->skipped)
            fail_msg("%s: status %d skipped %zu", d->what, got, r.skipped);
        if (d->want == SHMC_JTRUNCATED) {
            assert_null(rec);
            assert_int_equal(r.off, at);
            assert_int_equal(shmc_jreader_next(&r, &rec), SHMC_JTRUNCATED);
        }
        if (d->want == SHMC_JOK) {
            size_t want =
                d->skipped
                    ? (size_t)((unsigned char *)last - (unsigned char *)m.words)
                    : at;
            assert_ptr_equal(rec, buf + want);
        }
    }
}

/* Every prefix of a real journal (with an uncommitted record in it): only
 * whole records come back, and the status says how it was cut. */
static void test_reader_every_prefix(void **state)
{
    struct fx *fx = *state;
    size_t ends[64], nrec = 0;
    int committed[64];
    const struct shmc_jrec *rec;
    struct shmc_jreader r;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    for (uint32_t seq = 0; seq < 40; seq++) {
        committed[nrec] = seq != 17;
        assert_int_equal(put(&fx->w, 6, seq, 0, committed[nrec]), 0);
        ends[nrec++] = atomic_load(&fx->w.off);
    }
    shmc_jwriter_close(&fx->w);
    load(fx, fx->w.path);
    unsigned char *whole = fx->buf;
    size_t len = fx->len;
    fx->buf = NULL;

    for (size_t p = 0; p <= len; p++) {
        const unsigned char *buf = exact(fx, whole, p);
        size_t got = 0, want = 0, skips = 0, boundary = FIRST;
        for (size_t i = 0; i < nrec && ends[i] <= p; i++) {
            want += committed[i];
            skips += !committed[i];
            boundary = ends[i];
        }
        if (p < FIRST) {
            assert_int_equal(shmc_jreader_init(&r, buf, p), SHMC_JBAD_HEADER);
            continue;
        }
        assert_int_equal(shmc_jreader_init(&r, buf, p), SHMC_JOK);
        enum shmc_jstatus st;
        while ((st = shmc_jreader_next(&r, &rec)) == SHMC_JOK) {
            assert_true((const unsigned char *)rec + rec->size <= buf + p);
            got++;
        }
        assert_int_equal(got, want);
        assert_int_equal(r.skipped, skips);
        assert_int_equal(st, p - boundary < 4 ? SHMC_JEND : SHMC_JTRUNCATED);
    }
    free(whole);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fills m with a random journal-like buffer of len bytes: usually a valid
 * header (sometimes one flipped bit), records of plausible sizes with
 * random fields, random bytes behind them or, half the time, zeros. */
static void random_journal(struct mem *m, size_t len, uint64_t *seed)
{
    unsigned char *bytes = (unsigned char *)m->words;

    mem_init(m);
    for (size_t i = FIRST; i < sizeof m->words; i++)
        bytes[i] = (unsigned char)xorshift(seed);
    if (xorshift(seed) % 8 == 0)
        bytes[xorshift(seed) % FIRST] ^= (unsigned char)(1u << (*seed % 8));
    while (m->len + SHMC_JREC_HEADER < len && xorshift(seed) % 16 != 0) {
        uint64_t x = xorshift(seed);
        uint32_t size = x % 4 != 0 ? SHMC_JREC_HEADER + 8 * (x % 24)
                                   : (uint32_t)(xorshift(seed) % 512);
        if (m->len + size > sizeof m->words)
            break;
        add(m, size, (uint16_t)((x >> 8) % 16),
            (x >> 12) % 4 != 0 ? SHMC_JCOMMIT : 0, (uint16_t)((x >> 16) % 40),
            (uint16_t)((x >> 24) % 256));
    }
    if (xorshift(seed) % 2 == 0)
        memset(bytes + m->len, 0, sizeof m->words - m->len);
}

/* 20,000 random buffers (fixed seed): no crash, no read outside the
 * buffer (ASan), every record returned lies inside it and is valid. */
static void test_reader_random_bytes(void **state)
{
    struct fx *fx = *state;
    uint64_t seed = 0x5eed5eed5eedULL;
    size_t seen[SHMC_JBAD_HEADER + 1] = {0};
    unsigned long sum = 0;
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    struct mem m;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len = xorshift(&seed) % 1024;
        random_journal(&m, len, &seed);
        const unsigned char *buf = exact(fx, m.words, len);
        enum shmc_jstatus st = shmc_jreader_init(&r, buf, len);
        while (st == SHMC_JOK &&
               (st = shmc_jreader_next(&r, &rec)) == SHMC_JOK) {
            size_t at = (size_t)((const unsigned char *)rec - buf);
            assert_true(at % 8 == 0 && at + rec->size <= len);
            assert_true(rec->nframes <= SHMC_JMAX_FRAMES);
            assert_true(SHMC_JREC_HEADER + 8u * rec->nframes + rec->payload <=
                        rec->size);
            assert_true(rec->type > 0 && rec->type < SHMC_J_TYPE_MAX);
            for (unsigned i = 0; i < rec->payload; i++)
                sum += (unsigned char)shmc_jrec_payload(rec)[i];
            seen[SHMC_JOK]++;
        }
        seen[st]++;
    }

    /* Every outcome, many times: the generator reached every path. */
    for (int s = SHMC_JOK; s <= SHMC_JBAD_HEADER; s++)
        if (seen[s] < 100)
            fail_msg("status %d seen %zu times", s, seen[s]);
    assert_true(sum > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_mode_and_fds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_symlinks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_failure_freezes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replaced_file_left_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_at_path_left_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_region_drops_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_without_address_space, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_growth_mapping_fails, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_closes_fds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_abandon_in_fork_child, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_runs_out_of_images, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_bad_headers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_damaged_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_every_prefix, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_random_bytes, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
