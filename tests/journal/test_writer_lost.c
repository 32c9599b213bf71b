/*
 * test_writer_lost.c - a journal that cannot hold every record
 * (src/journal/writer.c) never hurts its process and says what it lost:
 * the cap (the SHMC_TEST_JOURNAL_CAP hook), a full tmpfs (at open, while
 * growing, and with no byte left), a read-only directory, a journal
 * removed with its directory, a reopened journal that cannot be examined
 * (fstat refused by a seccomp filter), a disk quota reached while growing
 * (fallocate refused so). Each time the records before the loss
 * read back whole and the header holds the count, the reason and the errno. The
 * tmpfs cases run in a child in a private mount namespace (skipped where none
 * can be made); children report through their exit status.
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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixtures.h"

/* Child exit status when no private mount namespace can be had. */
/* And when no seccomp filter can be installed. */
#define NO_FILTER 78

/* Writes small records of tid until one is dropped; how many went in. */
static uint32_t fill_until_lost(struct shmc_jwriter *w, int tid)
{
    uint32_t n = 0;

    while (put(w, tid, n, 0, 1) == 0)
        n++;
    return n;
}

/* The header of the file fx loaded. */
static const struct shmc_jheader *header(const struct fx *fx)
{
    assert_true(fx->len >= sizeof(struct shmc_jheader));
    return (const void *)fx->buf;
}

/* The cap hook: the file never grows past it; the record that would
 * cross it and every later one are dropped and counted as SHMC_JLOST_CAP;
 * what went in reads back. */
static void test_cap_reached(void **state)
{
    struct fx *fx = *state;
    enum shmc_jstatus st;
    size_t skipped;

    setenv(SHMC_JCAP_ENV, "10000", 1); /* a page multiple below: 8192 */
    int rc = shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0);
    unsetenv(SHMC_JCAP_ENV);
    assert_int_equal(rc, 0);
    assert_int_equal(fx->w.cap, 8192);
    uint32_t wrote = fill_until_lost(&fx->w, 3);
    assert_int_equal(put(&fx->w, 3, wrote + 1, 0, 1), -1);
    shmc_jwriter_close(&fx->w);
    load_file(fx, fx->w.path);

    assert_true(wrote > 0);
    assert_true(fx->len <= 8192);
    assert_int_equal(lost(&fx->w), 2);
    assert_int_equal(header(fx)->lost, 2);
    assert_int_equal(header(fx)->lost_reason, SHMC_JLOST_CAP);
    assert_int_equal(header(fx)->lost_errno, 0);
    assert_int_equal(read_seq(fx->buf, fx->len, 3, 0, 0, &st, &skipped), wrote);
    assert_int_equal(st, SHMC_JEND);
}

/* Bad hook values leave the cap at SHMC_JREGION; tiny ones give a page. */
static void test_cap_hook_values(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *text;
        size_t cap;
    } cases[] = {{"", SHMC_JREGION},   {"12x", SHMC_JREGION},
                 {"-1", SHMC_JREGION}, {"99999999999", SHMC_JREGION},
                 {"1", SHMC_JPAGE},    {"1048576", SHMC_JCHUNK}};

    for (size_t i = 0; i < NELEM(cases); i++) {
        setenv(SHMC_JCAP_ENV, cases[i].text, 1);
        assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0),
                         0);
        unsetenv(SHMC_JCAP_ENV);
        assert_int_equal(fx->w.cap, cases[i].cap);
        shmc_jwriter_close(&fx->w);
    }
}

/* The journal and its directory removed while it runs: growth cannot
 * reopen it; the header (still mapped) says SHMC_JLOST_FILE, ENOENT. */
static void test_directory_removed(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0), 0);
    uint32_t fit = fill_chunk(fx, 4);
    assert_int_equal(unlink(fx->w.path), 0);
    assert_int_equal(rmdir(fx->dir), 0);
    errno = EDOM;
    int rc = put(&fx->w, 4, fit, 0, 1);
    int err = errno;
    const struct shmc_jheader *h = (const void *)fx->w.base;
    uint64_t hlost = h->lost;
    uint32_t reason = h->lost_reason;
    int32_t herr = h->lost_errno;
    shmc_jwriter_close(&fx->w);
    assert_int_equal(mkdir(fx->dir, 0700), 0); /* for the teardown */

    assert_int_equal(rc, -1);
    assert_int_equal(err, EDOM);
    assert_int_equal(hlost, 1);
    assert_int_equal(reason, SHMC_JLOST_FILE);
    assert_int_equal(herr, ENOENT);
}

/* In a child: a private mount namespace with a tmpfs of `kib` KiB (and
 * `opts` more mount options) on fx->dir, `fill` KiB of it taken. */
static void private_tmpfs(const struct fx *fx, int kib, int fill,
                          const char *opts)
{
    char data[64], path[PATH_MAX];
    static char zeros[1024];

    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        child_exit(NO_NAMESPACE);
    snprintf(data, sizeof data, "size=%dk,mode=0700", kib);
    if (mount("tmpfs", fx->dir, "tmpfs", opts ? MS_RDONLY : 0, data) != 0)
        child_exit(NO_NAMESPACE);
    snprintf(path, sizeof path, "%s/fill", fx->dir);
    int fd = fill ? open(path, O_WRONLY | O_CREAT, 0600) : -1;
    for (int i = 0; i < fill; i++)
        if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros)
            child_exit(2);
    if (fd >= 0)
        close(fd);
}

/* In a child (no cmocka): the file at path into fx->buf, or exit 8. */
static void child_load(struct fx *fx, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0 ||
        (fx->buf = malloc((size_t)st.st_size)) == NULL ||
        read(fd, fx->buf, (size_t)st.st_size) != st.st_size)
        child_exit(8);
    fx->len = (size_t)st.st_size;
    close(fd);
}

/* Child: a full tmpfs; open gets what is left, records go in up to it,
 * then are dropped: the header says so, the file reads back. */
static void full_child(struct fx *fx, int kib, int fill, size_t want_size)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    size_t n = 0;

    private_tmpfs(fx, kib, fill, NULL);
    if (shmc_jwriter_open(&fx->w, fx->dir, getpid(), getppid(), 0, 0, 0) != 0)
        child_exit(3);
    if (atomic_load(&fx->w.mapped) != want_size)
        child_exit(4);
    uint32_t wrote = fill_until_lost(&fx->w, 6);
    shmc_jwriter_close(&fx->w);
    child_load(fx, fx->w.path);
    const struct shmc_jheader *h = (const void *)fx->buf;
    if (wrote == 0 || h->lost != 1 || h->lost_reason != SHMC_JLOST_NOSPACE ||
        h->lost_errno != ENOSPC)
        child_exit(5);
    if (shmc_jreader_init(&rd, fx->buf, fx->len) != SHMC_JOK)
        child_exit(6);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK)
        n += matches(r, 6, (uint32_t)n, 0);
    child_exit(n == wrote ? 0 : 7);
}

static void run_child(struct fx *fx, void (*fn)(struct fx *, int, int, size_t),
                      int kib, int fill, size_t size)
{
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0)
        fn(fx, kib, fill, size);
    int how = reap(child);
    if (how == NO_NAMESPACE)
        skip();
    assert_int_equal(how, 0);
}

/* Room for the first MiB of journal, not for the next: growth fails. */
static void test_tmpfs_full_while_growing(void **state)
{
    run_child(*state, full_child, 1536, 0, SHMC_JFIRST_SIZE);
}

/* 16 KiB left: open takes them, and no more. */
static void test_tmpfs_full_at_open(void **state)
{
    run_child(*state, full_child, 64, 48, 16384);
}

/* Child: no byte left, or a read-only file system: open fails with errno
 * (ENOSPC, EROFS), leaves no file, and begin gives no record. */
static void refused_child(struct fx *fx, int kib, int fill, size_t err)
{
    char path[PATH_MAX];

    private_tmpfs(fx, kib, fill, err == EROFS ? "ro" : NULL);
    int rc = shmc_jwriter_open(&fx->w, fx->dir, getpid(), getppid(), 0, 0, 0);
    if (rc != -1 || errno != (int)err)
        child_exit(3);
    path_of(fx, getpid(), 0, path);
    if (access(path, F_OK) == 0)
        child_exit(4);
    child_exit(shmc_jwriter_begin(&fx->w, SHMC_JREC_HEADER, SHMC_J_EXIT) == NULL
                   ? 0
                   : 5);
}

static void test_tmpfs_without_a_byte(void **state)
{
    run_child(*state, refused_child, 64, 64, ENOSPC);
}

static void test_read_only_directory(void **state)
{
    run_child(*state, refused_child, 64, 0, EROFS);
}

/* Child: after its first chunk, growth meets a seccomp filter (refuse:
 * installs it, given the descriptor growth will reopen the journal on);
 * the next record is lost for reason with err, the file not grown. */
static void refused_growth_child(struct fx *fx, int (*refuse)(int fd),
                                 uint32_t reason, int err)
{
    /* Growth opens the directory (the first free descriptor), then the
     * journal in it (the next one). */
    int dirfd = dup(0), next = dup(0);

    if (shmc_jwriter_open(&fx->w, fx->dir, PID, PPID, 0, 0, 0) != 0 ||
        dirfd < 0 || next < 0 || close(dirfd) != 0 || close(next) != 0)
        child_exit(2);
    uint32_t n = fill_chunk(fx, 4);
    if (refuse(next) != 0)
        child_exit(NO_FILTER);
    if (put(&fx->w, 4, n, 0, 1) != -1)
        child_exit(3);
    const struct shmc_jheader *h = (const void *)fx->w.base;
    int ok = h->lost == 1 && h->lost_reason == reason && h->lost_errno == err;
    child_exit(ok && atomic_load(&fx->w.mapped) == SHMC_JFIRST_SIZE ? 0 : 4);
}

static void check_refused_growth(struct fx *fx, int (*refuse)(int fd),
                                 uint32_t reason, int err)
{
    char path[PATH_MAX];
    struct stat st;
    pid_t child = fork();

    if (child == 0)
        refused_growth_child(fx, refuse, reason, err);
    int how = reap(child);
    if (how == NO_FILTER)
        skip();
    assert_int_equal(how, 0);
    path_of(fx, PID, 0, path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, SHMC_JFIRST_SIZE); /* not grown */
}

/* fstat refused (either system call) on the reopened journal: not known
 * to be the file, it is not used. */
static int refuse_fstat(int fd)
{
    return refuse_syscall(SYS_newfstatat, 0, (uint32_t)fd, EIO) |
           refuse_syscall(SYS_fstat, 0, (uint32_t)fd, EIO);
}

static void test_reopened_file_not_examined(void **state)
{
    check_refused_growth(*state, refuse_fstat, SHMC_JLOST_FILE, ESTALE);
}

/* The allocation refused as a full disk quota would: no space. */
static int refuse_fallocate(int fd)
{
    return refuse_syscall(SYS_fallocate, 0, (uint32_t)fd, EDQUOT);
}

static void test_quota_while_growing(void **state)
{
    check_refused_growth(*state, refuse_fallocate, SHMC_JLOST_NOSPACE, EDQUOT);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_cap_reached),         T(test_cap_hook_values),
        T(test_directory_removed),   T(test_tmpfs_full_while_growing),
        T(test_tmpfs_full_at_open),  T(test_tmpfs_without_a_byte),
        T(test_read_only_directory), T(test_reopened_file_not_examined),
        T(test_quota_while_growing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
