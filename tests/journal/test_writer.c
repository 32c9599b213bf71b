/*
 * test_writer.c - shmc_jwriter_* (src/journal/writer.c): what it writes
 * reads back the same with shmc_jreader_*; the same pid again gets the
 * next image number; the file is 0600 whatever the umask, leaves no fd
 * open and follows no symlink; the file size limit and a lack of address
 * space are met without a signal or anything left behind; what open and
 * begin refuse; and more than 1000 images of one pid. Growth:
 * test_writer_growth.c; threads and processes: test_writer_processes.c.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"

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
    load_file(fx, path0);
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
    load_file(fx, path1);
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
    load_file(fx, target);
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

static volatile sig_atomic_t xfsz_raised;

static void on_xfsz(int sig)
{
    (void)sig;
    xfsz_raised++;
}

/* The file size limit (RLIMIT_FSIZE) is respected before the kernel
 * would raise SIGXFSZ (whose default action kills the program we trace):
 * below a chunk, open makes the file as large as the limit allows (a
 * power of two); a failed growth counts the record lost, in the header
 * too (SHMC_JLOST_FSIZE, EFBIG), keeps errno and leaves no fd behind. */
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

    small.rlim_cur = SHMC_JFIRST_SIZE / 2;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    size_t half = atomic_load(&fx->w.mapped);
    shmc_jwriter_close(&fx->w);
    int exists = access(path, F_OK) == 0;
    small.rlim_cur = SHMC_JFIRST_SIZE + SHMC_JFIRST_SIZE / 2;
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

    load_file(fx, fx->w.path);
    const struct shmc_jheader *h = (const void *)fx->buf;

    assert_int_equal(xfsz_raised, 0);
    assert_int_equal(rc, 0);
    assert_int_equal(half, SHMC_JFIRST_SIZE / 2);
    assert_true(exists);
    assert_int_equal(reopened, 0);
    path_of(fx, PID, 1, path);
    assert_string_equal(fx->w.path, path);
    assert_int_equal(grew, -1);
    assert_int_equal(grow_errno, EDOM);
    assert_int_equal(lost(&fx->w), 1);
    assert_int_equal(h->lost, 1);
    assert_int_equal(h->lost_reason, SHMC_JLOST_FSIZE);
    assert_int_equal(h->lost_errno, EFBIG);
    assert_memory_equal(before, after, MAXFD);
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
    shmc_jwriter_commit(&fx->w, r);
    assert_int_equal(r->commit, SHMC_JCOMMIT);
    shmc_jwriter_close(&fx->w);
    shmc_jwriter_close(&fx->w);
    shmc_jwriter_abandon(&fx->w);
    assert_null(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, SHMC_J_EXIT));
    load_file(fx, fx->w.path);
    assert_int_equal(fx->len, FIRST + SHMC_JMAX_RECORD);
}

/* Images have no cap: with 1000 images of one pid, open takes the
 * 1001st. */
static void test_open_runs_out_of_images(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX];

    for (unsigned n = 0; n < 1000; n++) {
        path_of(fx, PID, n, path);
        assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
    }

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    path_of(fx, PID, 1000, path);
    assert_string_equal(fx->w.path, path);
    shmc_jwriter_close(&fx->w);
    load_file(fx, path);
    struct shmc_jheader h;
    memcpy(&h, fx->buf, sizeof h);
    assert_int_equal(h.image, 1000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_round_trip),
        T(test_file_mode_and_fds),
        T(test_open_refuses_symlinks),
        T(test_file_size_limit),
        T(test_open_without_address_space),
        T(test_writer_refusals),
        T(test_open_runs_out_of_images),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
