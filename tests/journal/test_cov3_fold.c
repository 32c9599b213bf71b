/*
 * test_cov3_fold.c - shmc_jfold (src/journal/fold.c, fold_key.c) where
 * test_fold.c does not go: two groups whose hashes collide, FTOK records,
 * unmaps that leave part or move what was never attached, a shmid created
 * twice, repeat counts that saturate, and the failures (a write refused, a
 * header bigger than the output buffer, no memory for a table or for the
 * buffer). Which calls change the state (shmc_jfold_effect) is checked
 * for every type, the fold only asking it of some.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/fold.h"
#include "journal/fold_key.h"
#include "lib/hash.h"

#define G SHMC_JREPEAT_GHOST
#define AT(m) ((uint64_t)(m)->len)

/* A committed record with two frames (f0, f1) and a repeat field. */
static struct shmc_jrec *rec2(struct mem *m, uint16_t type, int err,
                              int64_t res, const int64_t a[4], uint64_t f0,
                              uint64_t f1, uint32_t repeat)
{
    struct shmc_jrec *r = (void *)((unsigned char *)m->words + m->len);
    uint64_t frames[2] = {f0, f1};

    memset(r, 0, shmc_jrec_size(2, 0));
    r->size = shmc_jrec_size(2, 0);
    r->type = type;
    r->commit = SHMC_JCOMMIT;
    r->time_ns = m->len;
    r->err = err;
    r->result = res;
    memcpy(r->args, a, 4 * sizeof *a);
    r->nframes = 2;
    r->repeat = repeat;
    memcpy(r + 1, frames, sizeof frames);
    m->len += r->size;
    return r;
}

static const int64_t NOARGS[4] = {0, 0, 0, 0};

/* Folds in into out; the return value and errno of shmc_jfold. */
static int fold_to(const struct mem *in, struct mem *out)
{
    int fd = memfd_create("fold", 0);
    size_t n = 0;
    int rc;

    assert_true(fd >= 0);
    rc = shmc_jfold(in->words, in->len, fd, &n);
    memset(out, 0, sizeof *out);
    assert_true(n <= sizeof out->words);
    assert_int_equal(pread(fd, out->words, n, 0), (ssize_t)n);
    out->len = n;
    close(fd);
    return rc;
}

/* The records of m: their times (offsets in the input) and repeat fields
 * must be t[i], rep[i]. */
static void expect(const struct mem *m, const uint64_t *t, const uint32_t *rep,
                   size_t n)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    size_t i = 0;

    assert_int_equal(shmc_jreader_init(&rd, m->words, m->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK) {
        assert_true(i < n);
        assert_int_equal(r->time_ns, t[i]);
        assert_int_equal(r->repeat, rep[i]);
        i++;
    }
    assert_int_equal(i, n);
}

/* Two keys that differ but whose word-wise FNV-1a hashes are equal: the
 * second frame cancels what the first one changed. The fold must keep
 * them as two groups. */
static void test_hash_collision(void **state)
{
    struct mem in, out;
    const int64_t a[4] = {-1, 0, 0, 0};
    struct shmc_jfold_key ka, kb;
    uint64_t t[4], f0 = 0x1234, f1 = 0x5678, g0 = f0 ^ 1, g1;
    (void)state;

    /* The hash before the frames: the key with no frame at all. */
    mem_init(&in);
    struct shmc_jrec *r = rec2(&in, SHMC_J_SHMAT, EINVAL, -1, a, f0, f1, 0);
    r->nframes = 0;
    shmc_jfold_key(r, 0, &ka);
    uint64_t h = shmc_jfold_hash(&ka);
    g1 = f1 ^ ((h ^ f0) * SHMC_FNV1A_PRIME) ^ ((h ^ g0) * SHMC_FNV1A_PRIME);

    mem_init(&in);
    t[0] = AT(&in);
    rec2(&in, SHMC_J_SHMAT, EINVAL, -1, a, f0, f1, 0);
    for (int i = 1; i < 4; i++) {
        t[i] = AT(&in);
        rec2(&in, SHMC_J_SHMAT, EINVAL, -1, a, g0, g1, 0);
    }
    shmc_jfold_key((void *)((unsigned char *)in.words + t[0]), 0, &ka);
    shmc_jfold_key((void *)((unsigned char *)in.words + t[1]), 0, &kb);
    assert_int_equal(shmc_jfold_hash(&ka), shmc_jfold_hash(&kb));
    assert_false(shmc_jfold_same(&ka, &kb));

    assert_int_equal(fold_to(&in, &out), 0);
    const uint64_t wt[] = {t[0], t[1], t[3]};
    const uint32_t wr[] = {0, 0, 1};
    expect(&out, wt, wr, NELEM(wt));
}

/* FTOK calls fold by their proj; an unmap that leaves part of an
 * attachment folds, not a ghost; a move of an address never attached is
 * a ghost; the first creation of a shmid created again is a ghost; a
 * failed shmget folds; an attach asked at an address folds by it; an
 * attachment an unmap took whole is gone: both calls are ghosts. */
static void test_kinds_of_records(void **state)
{
    struct mem in, out;
    uint64_t t[12];
    size_t i = 0;
    (void)state;

    mem_init(&in);
    for (int k = 0; k < 2; k++) {
        t[i++] = AT(&in);
        rec2(&in, SHMC_J_FTOK, 0, 0x41000000 + k, (int64_t[4]){'A', 0, 0, 0}, 1,
             2, 0);
    }
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_UNMAP, 0, 0, (int64_t[4]){0x3000, 9, 0, SHMC_JLEFT_PART},
         3, 4, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_UNMAP, 0, 0x8000,
         (int64_t[4]){0x4000, 9, 0, SHMC_JLEFT_MOVED}, 5, 6, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMGET, 0, 11, (int64_t[4]){IPC_PRIVATE, 64, 0, 1}, 7, 8,
         0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMCTL, 0, 0, (int64_t[4]){11, IPC_RMID, 0, 0}, 9, 10, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMGET, 0, 11, (int64_t[4]){IPC_PRIVATE, 64, 0, 1}, 11, 12,
         0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMGET, ENOENT, -1, (int64_t[4]){5, 64, 0, 0}, 13, 14, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMAT, EINVAL, -1, (int64_t[4]){11, 0x7000123, 0, 0}, 15,
         16, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_SHMAT, 0, 0x2000, (int64_t[4]){12, 0, 0, 64}, 17, 18, 0);
    t[i++] = AT(&in);
    rec2(&in, SHMC_J_UNMAP, 0, 0, (int64_t[4]){0x2000, 12, 0, SHMC_JLEFT_NONE},
         19, 20, 0);
    assert_int_equal(fold_to(&in, &out), 0);
    const uint32_t wr[] = {0, 0, 0, G, G, G, 0, 0, 0, G, G};
    expect(&out, t, wr, NELEM(wr));
}

/* A group whose records already stand for nearly SHMC_JREPEAT_COUNT calls
 * each: the last one's count saturates rather than wrap. */
static void test_repeat_saturates(void **state)
{
    struct mem in, out;
    uint64_t t[2];
    const int64_t a[4] = {-1, 0, 0, 0};
    (void)state;

    mem_init(&in);
    for (int i = 0; i < 2; i++) {
        t[i] = AT(&in);
        rec2(&in, SHMC_J_SHMDT, EINVAL, -1, a, 1, 2, SHMC_JREPEAT_COUNT - 1);
    }
    assert_int_equal(fold_to(&in, &out), 0);
    const uint32_t wr[] = {0, SHMC_JREPEAT_COUNT};
    expect(&out, t, wr, NELEM(wr));
}

/* Which successful calls change the replayed state, and that failed ones
 * never do. */
static void test_effect(void **state)
{
    struct mem m;
    struct shmc_jrec *r;
    (void)state;

    mem_init(&m);
    r = rec2(&m, SHMC_J_SHMGET, 0, 3, (int64_t[4]){1, 64, 0, 1}, 1, 2, 0);
    assert_true(shmc_jfold_effect(r));
    r->args[3] = 0; /* joined, not created */
    assert_false(shmc_jfold_effect(r));
    r = rec2(&m, SHMC_J_SHMCTL, 0, 0, (int64_t[4]){3, IPC_RMID, 0, 0}, 1, 2, 0);
    assert_true(shmc_jfold_effect(r));
    r->args[1] = IPC_STAT;
    assert_false(shmc_jfold_effect(r));
    r = rec2(&m, SHMC_J_SHMAT, 0, 0x1000, NOARGS, 1, 2, 0);
    assert_true(shmc_jfold_effect(r));
    r->err = EINVAL;
    assert_false(shmc_jfold_effect(r));
    r = rec2(&m, SHMC_J_FTOK, 0, 7, NOARGS, 1, 2, 0);
    assert_false(shmc_jfold_effect(r));
    r = rec2(&m, SHMC_J_UNMAP, 0, 0, (int64_t[4]){0, 0, 0, SHMC_JLEFT_PART}, 1,
             2, 0);
    assert_false(shmc_jfold_effect(r));
    r->args[3] = SHMC_JLEFT_NONE;
    assert_true(shmc_jfold_effect(r));
}

/* Keys with a different number of frames are different groups, even when
 * the frames one has are the other's. */
static void test_frames_count(void **state)
{
    struct mem m;
    struct shmc_jfold_key a, b;
    (void)state;

    mem_init(&m);
    struct shmc_jrec *r = rec2(&m, SHMC_J_SHMDT, EINVAL, -1, NOARGS, 1, 0, 0);
    shmc_jfold_key(r, 0, &a);
    r->nframes = 1;
    shmc_jfold_key(r, 0, &b);
    assert_false(shmc_jfold_same(&a, &b));
    assert_false(shmc_jfold_same(&b, &a));
    assert_true(shmc_jfold_same(&a, &a));
}

/* The output refuses writes: -1 with the write's errno. */
static void test_write_fails(void **state)
{
    struct mem in;
    size_t n = 0;
    int fd = open("/dev/null", O_RDONLY);
    (void)state;

    assert_true(fd >= 0);
    mem_init(&in);
    rec2(&in, SHMC_J_START, 0, 0, NOARGS, 1, 2, 0);
    assert_int_equal(shmc_jfold(in.words, in.len, fd, &n), -1);
    assert_int_equal(errno, EBADF);
    close(fd);
}

/* A header (of a later version's size) bigger than the output buffer. */
static void test_header_too_big(void **state)
{
    size_t hs = 65536 + 64, len = hs + 4096, n = 0;
    uint64_t *buf = calloc(len / 8, 8);
    struct mem m;
    int fd = open("/dev/null", O_WRONLY);
    (void)state;

    assert_non_null(buf);
    assert_true(fd >= 0);
    mem_init(&m);
    ((struct shmc_jheader *)(void *)m.words)->header_size = (uint32_t)hs;
    memcpy(buf, m.words, sizeof(struct shmc_jheader));
    assert_int_equal(shmc_jfold(buf, len, fd, &n), -1);
    assert_int_equal(errno, EINVAL);
    close(fd);
    free(buf);
}

/* In a child refused every mmap of size bytes (the output buffer, or the
 * first array of a table): the fold fails with ENOMEM. */
static int fold_without(uint32_t size)
{
    struct mem in;
    size_t n = 1;
    pid_t child = fork();

    if (child != 0)
        return reap(child);
    if (refuse_syscall(SYS_mmap, 1, size, ENOMEM) != 0)
        child_exit(NO_NAMESPACE);
    mem_init(&in);
    rec2(&in, SHMC_J_SHMGET, 0, 3, (int64_t[4]){1, 64, 0, 1}, 1, 2, 0);
    rec2(&in, SHMC_J_SHMAT, 0, 0x1000, (int64_t[4]){3, 0, 0, 64}, 1, 2, 0);
    rec2(&in, SHMC_J_SHMAT, EINVAL, -1, (int64_t[4]){-1, 0, 0, 0}, 1, 2, 0);
    int fd = open("/dev/null", O_WRONLY);
    int rc = shmc_jfold(in.words, in.len, fd, &n);
    child_exit(rc == -1 && errno == ENOMEM ? 0 : 1);
}

static void test_no_memory(void **state)
{
    (void)state;
    /* The output buffer; a table of 8-byte values (64 slots of 16 + 8);
     * the groups' table (64 slots of 16 + 32). */
    const uint32_t sizes[] = {65536, 64 * 24, 64 * 48};
    for (size_t i = 0; i < NELEM(sizes); i++) {
        int rc = fold_without(sizes[i]);
        if (rc == NO_NAMESPACE)
            skip();
        assert_int_equal(rc, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_collision),
        cmocka_unit_test(test_kinds_of_records),
        cmocka_unit_test(test_repeat_saturates),
        cmocka_unit_test(test_effect),
        cmocka_unit_test(test_frames_count),
        cmocka_unit_test(test_write_fails),
        cmocka_unit_test(test_header_too_big),
        cmocka_unit_test(test_no_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
