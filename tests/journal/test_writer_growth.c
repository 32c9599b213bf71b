/*
 * test_writer_growth.c - a journal growing chunk by chunk
 * (src/journal/writer.c): more than 3 MiB of records of every size read
 * back whole; a growth that fails (the file replaced by a symlink,
 * another file or a FIFO, the region full, a mapping refused) drops the
 * record, counts it, freezes the journal and leaves what it did not
 * create alone, and what was written before reads back.
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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixtures.h"

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
    load_file(fx, fx->w.path);

    assert_int_equal(wrote, 0);
    assert_int_equal(lost(&fx->w), 0);
    assert_int_equal(mapped, 4 * SHMC_JCHUNK);
    assert_int_equal(fx->len, FIRST + bytes_of(count, 1));
    assert_int_equal(read_seq(fx->buf, fx->len, 3, 0, 1, &st, &skipped), count);
    assert_int_equal(st, SHMC_JEND);
    assert_int_equal(skipped, 0);
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
    load_file(fx, fx->w.path);

    assert_int_equal(first, -1);
    assert_int_equal(moved_size, SHMC_JFIRST_SIZE);
    assert_int_equal(again, -1);
    assert_int_equal(lost_before_close, 2);
    assert_int_equal(fx->len, SHMC_JFIRST_SIZE);
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
    load_file(fx, fx->w.path);

    assert_int_equal(grew, -1);
    assert_int_equal(lost(&fx->w), 1);
    assert_int_equal(fx->len, 7);
    assert_memory_equal(fx->buf, "foreign", 7);
    load_file(fx, moved);
    assert_int_equal(fx->len, SHMC_JFIRST_SIZE);
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
    load_file(fx, moved);
    assert_int_equal(fx->len, SHMC_JFIRST_SIZE);
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
    load_file(fx, fx->w.path);

    assert_int_equal(returned, 0);
    assert_true(calls > (SHMC_JREGION - SHMC_JCHUNK) / SHMC_JMAX_RECORD);
    assert_int_equal(dropped, calls);
    assert_int_equal(fx->len, SHMC_JFIRST_SIZE);
    assert_int_equal(read_seq(fx->buf, fx->len, 7, 0, 0, &st, &skipped), fit);
    assert_int_equal(st, SHMC_JEND);
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
    if (stat(fx->w.path, &st) != 0 || (size_t)st.st_size != SHMC_JFIRST_SIZE)
        child_exit(13);
    void *p = mmap(fx->w.base + SHMC_JFIRST_SIZE, 4096, PROT_READ,
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
    load_file(fx, path);

    assert_int_equal(how, 0);
    assert_int_equal(fx->len, SHMC_JFIRST_SIZE);
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

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_growth),
        T(test_growth_failure_freezes),
        T(test_replaced_file_left_alone),
        T(test_fifo_at_path_left_alone),
        T(test_full_region_drops_records),
        T(test_growth_mapping_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
