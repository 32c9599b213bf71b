/*
 * test_reader.c - shmc_jreader_* (src/journal/reader.c) on damaged
 * input: the documented status, never a read out of bounds, on bad
 * headers, on damaged records, on every prefix of a real journal (with an
 * uncommitted record in it) and on random bytes. Whole journals read
 * back: test_writer.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

/* Records are appended to a struct mem (fixtures.h) by add(). */

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
    for (uint32_t v = 0; v <= SHMC_JVERSION + 1; v++) {
        if (v == SHMC_JVERSION)
            continue;
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
    load_file(fx, fx->w.path);
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
#define T(f) cmocka_unit_test_setup_teardown(f, journal_setup, journal_teardown)
    const struct CMUnitTest tests[] = {
        T(test_reader_bad_headers),
        T(test_reader_damaged_records),
        T(test_reader_every_prefix),
        T(test_reader_random_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
