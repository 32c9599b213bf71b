/*
 * test_fold.c - shmc_jfold (src/journal/fold.c): journals with known
 * records, folded; the checkpoint's records exactly (which are kept,
 * which fold, their repeat counts and GHOST bits, the address of an
 * attachment mremap moved), and a folded journal folded again unchanged.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/fold.h"

#define G SHMC_JREPEAT_GHOST

/* Records are appended to a struct mem (fixtures.h) by rec(). */

/* A committed record: type, err, result, args, one frame (its stack). */
static void rec(struct mem *m, uint16_t type, int err, int64_t res, int64_t a0,
                int64_t a1, int64_t a2, int64_t a3, uint64_t frame)
{
    struct shmc_jrec *r = (void *)((unsigned char *)m->words + m->len);

    memset(r, 0, shmc_jrec_size(1, 0));
    r->size = shmc_jrec_size(1, 0);
    r->type = type;
    r->commit = SHMC_JCOMMIT;
    r->time_ns = m->len; /* tells the records apart */
    r->err = err;
    r->result = res;
    r->args[0] = a0;
    r->args[1] = a1;
    r->args[2] = a2;
    r->args[3] = a3;
    r->nframes = 1;
    memcpy(r + 1, &frame, 8);
    m->len += r->size;
}

/* What a folded record must be: the original's time (its offset), its
 * repeat field, and its result and first argument (rewritten or not). */
struct want {
    uint16_t type;
    uint64_t time;
    uint32_t repeat;
    int64_t result, a0;
};

/* Folds in into out (a memfd read back). */
static void fold(const struct mem *in, struct mem *out)
{
    int fd = memfd_create("fold", 0);
    size_t n = 0;

    assert_true(fd >= 0);
    assert_int_equal(shmc_jfold(in->words, in->len, fd, &n), 0);
    memset(out, 0, sizeof *out);
    assert_true(n <= sizeof out->words);
    assert_int_equal(pread(fd, out->words, n, 0), (ssize_t)n);
    out->len = n;
    close(fd);
    assert_memory_equal(out->words, in->words, sizeof(struct shmc_jheader));
}

static void expect(const struct mem *m, const struct want *w, size_t n)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    size_t i = 0;

    assert_int_equal(shmc_jreader_init(&rd, m->words, m->len), SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK) {
        assert_true(i < n);
        assert_int_equal(r->type, w[i].type);
        assert_int_equal(r->time_ns, w[i].time);
        assert_int_equal(r->repeat, w[i].repeat);
        assert_int_equal(r->result, w[i].result);
        assert_int_equal(r->args[0], w[i].a0);
        i++;
    }
    assert_int_equal(i, n);
}

#define AT(m) ((uint64_t)(m)->len) /* the offset of the next record */

/* Five attach/detach pairs fold into the first and the last pair, as
 * ghosts, the last standing for the three in between too; the segment
 * still live and the attachment still attached stay as they are. */
static void test_pairs(void **state)
{
    struct mem in, out, again;
    uint64_t t[13];
    (void)state;

    mem_init(&in);
    t[0] = AT(&in);
    rec(&in, SHMC_J_START, 0, 0, PPID, 0, 0, 0, 0);
    t[1] = AT(&in);
    rec(&in, SHMC_J_SHMGET, 0, 7, IPC_PRIVATE, 4096, IPC_CREAT, 1, 0xa);
    for (int i = 0; i < 5; i++) {
        t[2 + 2 * i] = AT(&in);
        rec(&in, SHMC_J_SHMAT, 0, 0x1000 + i * 0x1000, 7, 0, 0, 4096, 0xb);
        t[3 + 2 * i] = AT(&in);
        rec(&in, SHMC_J_SHMDT, 0, 0, 0x1000 + i * 0x1000, 7, 1, 0, 0xc);
    }
    t[12] = AT(&in);
    rec(&in, SHMC_J_SHMAT, 0, 0x9000, 7, 0, 0, 4096, 0xb);
    fold(&in, &out);
    const struct want w[] = {
        {SHMC_J_START, t[0], 0, 0, PPID},
        {SHMC_J_SHMGET, t[1], 0, 7, IPC_PRIVATE},
        {SHMC_J_SHMAT, t[2], G, 0x1000, 7},
        {SHMC_J_SHMDT, t[3], G, 0, 0x1000},
        {SHMC_J_SHMAT, t[10], G | 3, 0x5000, 7},
        {SHMC_J_SHMDT, t[11], G | 3, 0, 0x5000},
        {SHMC_J_SHMAT, t[12], 0, 0x9000, 7},
    };
    expect(&out, w, NELEM(w));
    fold(&out, &again); /* nothing more to fold: the same records */
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.words, out.words, out.len);
}

/* Failed calls fold whatever their shmid (the findings do not depend on
 * it beyond its sign), not as ghosts (they change nothing); another stack
 * is another group; a group of one keeps its record alone. */
static void test_failed_calls_and_stacks(void **state)
{
    struct mem in, out;
    uint64_t t[6];
    (void)state;

    mem_init(&in);
    for (int i = 0; i < 4; i++) {
        t[i] = AT(&in);
        rec(&in, SHMC_J_SHMAT, EINVAL, -1, -1 - i, 0, 0, 0, 0xd);
    }
    t[4] = AT(&in);
    rec(&in, SHMC_J_SHMAT, EINVAL, -1, -1, 0, 0, 0, 0xe); /* another stack */
    t[5] = AT(&in);
    rec(&in, SHMC_J_SHMAT, EACCES, -1, -1, 0, 0, 0, 0xd); /* another errno */
    fold(&in, &out);
    const struct want w[] = {
        {SHMC_J_SHMAT, t[0], 0, -1, -1},
        {SHMC_J_SHMAT, t[3], 2, -1, -4},
        {SHMC_J_SHMAT, t[4], 0, -1, -1},
        {SHMC_J_SHMAT, t[5], 0, -1, -1},
    };
    expect(&out, w, NELEM(w));
}

/* A segment this image created and removed: both calls are ghosts; the
 * removal of a segment it did not create stays; an attachment mremap
 * moved stays, at its new address, and the move is a ghost. */
static void test_segments_and_moves(void **state)
{
    struct mem in, out;
    uint64_t t[6];
    (void)state;

    mem_init(&in);
    t[0] = AT(&in);
    rec(&in, SHMC_J_SHMGET, 0, 5, IPC_PRIVATE, 4096, IPC_CREAT, 1, 0xa);
    t[1] = AT(&in);
    rec(&in, SHMC_J_SHMCTL, 0, 0, 5, IPC_RMID, 0, 0, 0xf);
    t[2] = AT(&in);
    rec(&in, SHMC_J_SHMCTL, 0, 0, 6, IPC_RMID, 0, 0, 0xf); /* not its own */
    t[3] = AT(&in);
    rec(&in, SHMC_J_SHMAT, 0, 0x1000, 6, 0, 0, 0, 0xb);
    t[4] = AT(&in);
    rec(&in, SHMC_J_UNMAP, 0, 0x7000, 0x1000, 6, SHMC_JUNMAP_MREMAP,
        SHMC_JLEFT_MOVED, 0x10);
    t[5] = AT(&in);
    rec(&in, SHMC_J_SHMCTL, 0, 0, 6, IPC_STAT, 0, 0, 0xf);
    fold(&in, &out);
    const struct want w[] = {
        {SHMC_J_SHMGET, t[0], G, 5, IPC_PRIVATE},
        {SHMC_J_SHMCTL, t[1], G, 0, 5},
        {SHMC_J_SHMCTL, t[2], 0, 0, 6},
        {SHMC_J_SHMAT, t[3], 0, 0x7000, 6},
        {SHMC_J_UNMAP, t[4], G, 0x7000, 0x1000},
        {SHMC_J_SHMCTL, t[5], 0, 0, 6},
    };
    expect(&out, w, NELEM(w));
}

/* Not a journal of this version: refused, nothing written. */
static void test_refuses_other_versions(void **state)
{
    struct mem in;
    size_t n = 1;
    int fd = memfd_create("fold", 0);
    (void)state;

    mem_init(&in);
    ((struct shmc_jheader *)(void *)in.words)->version = 2;
    assert_int_equal(shmc_jfold(in.words, in.len, fd, &n), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(n, 0);
    assert_int_equal(lseek(fd, 0, SEEK_END), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_failed_calls_and_stacks),
        cmocka_unit_test(test_segments_and_moves),
        cmocka_unit_test(test_refuses_other_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
