/*
 * fixtures.h - what the journal's tests share (tests/journal/fixtures.c,
 * linked into each of them). Include cmocka first.
 *
 * The writer and reader tests (test_writer*.c, test_reader.c) use
 * struct fx through journal_setup/journal_teardown: a private directory,
 * a writer closed at teardown, and the last file load_file() read.
 * Records written with put() derive everything from (tid, seq), so that
 * matches() and read_seq() can check what reads back.
 * Children never call cmocka (a failed assert in a child would run the
 * rest of the suite there): they report through their exit status.
 *
 * The table tests use struct table_fx through table_setup/table_teardown;
 * the settings tests parse() an environment array into struct result.
 */
#ifndef SHMC_TESTS_JOURNAL_FIXTURES_H
#define SHMC_TESTS_JOURNAL_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "journal/reader.h"
#include "journal/settings.h"
#include "journal/table.h"
#include "journal/writer.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the writer and the reader ---- */

#define PID 4242 /* a made-up pid: the directory is private */
#define PPID 4241
#define FIRST 64u /* where records start: sizeof(struct shmc_jheader) */
#define MAXFD 1024

/* A journal built by hand in memory: its header (pid PID), then the
 * records a test appends at len. */
struct mem {
    uint64_t words[4096];
    size_t len;
};

static inline void mem_init(struct mem *m)
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

struct fx {
    char dir[64];
    struct shmc_jwriter w;
    unsigned char *buf; /* a file loaded by load_file(), freed in teardown */
    size_t len;
};

int journal_setup(void **state);
int journal_teardown(void **state);

/* Writes record seq of tid: small, or big (up to SHMC_JMAX_RECORD) to make
 * a journal grow fast; commit publishes it. No cmocka: threads and
 * children call it. Returns 0, or -1 when begin gave no record. */
int put(struct shmc_jwriter *w, int tid, uint32_t seq, int big, int commit);
/* Records first .. first + count - 1 of tid, committed; 0 or -1. */
int put_many(struct shmc_jwriter *w, int tid, uint32_t first, uint32_t count,
             int big);
/* Whether r is exactly what put(tid, seq, big) wrote. */
int matches(const struct shmc_jrec *r, int tid, uint32_t seq, int big);
/* How many records in a row of the journal in (buf, len) are tid's seq
 * first, first+1, ...; *status is the reader's status after them
 * (SHMC_JOK if a record did not match), *skipped its skip count. */
size_t read_seq(const void *buf, size_t len, int tid, uint32_t first, int big,
                enum shmc_jstatus *status, size_t *skipped);
/* The size of record seq, and of records 0 .. count - 1 together. */
uint32_t size_of(uint32_t seq, int big);
size_t bytes_of(uint32_t count, int big);

/* The path of pid's journal number n in fx->dir (PATH_MAX bytes). */
void path_of(const struct fx *fx, int pid, unsigned n, char *out);
/* Loads a whole file into fx->buf (malloc: 8-aligned, exactly sized). */
void load_file(struct fx *fx, const char *path);
/* Waits for child; returns its exit status, or 128 + signal. */
int reap(pid_t child);
/* The records w dropped. */
size_t lost(struct shmc_jwriter *w);
/* How a child ends: _exit, after writing its coverage counts. */
_Noreturn void child_exit(int code);
/* The exit status of a child that could not have a private mount
 * namespace (the test then skips). */
#define NO_NAMESPACE 77
/* Fills fx->w's first chunk with small records of tid, seq 0.., up to
 * where the next one would need growth; returns how many. */
uint32_t fill_chunk(struct fx *fx, int tid);

/* ---- system calls refused ---- */

/* Makes system call nr (SYS_*) fail with err whenever its argument arg
 * (0..5) is value (compared on its low 32 bits), in this process and its
 * future children, for good: call it in a child. 0, or -1 where no
 * seccomp filter can be installed. */
int refuse_syscall(int nr, int arg, uint32_t value, int err);

/* ---- the tables ---- */

#define PAGE_BASE UINT64_C(0x7f3a5c000000)

struct table_fx {
    struct shmc_table t, u; /* torn down even when a test fails */
};

/* Both tables initialised for 8-byte values, and destroyed. */
int table_setup(void **state);
int table_teardown(void **state);

/* The i-th page-aligned address key. */
uint64_t page_key(size_t i);
/* The 8-byte value at v. */
uint64_t load_u64(const void *v);
/* Puts key with an 8-byte val (asserted to succeed); its value slot. */
void *put_val(struct shmc_table *t, uint64_t key, uint64_t val);
/* The value stored under key, which must be there. */
uint64_t val_of(const struct shmc_table *t, uint64_t key);
/* Whether the n bytes at v are all zero. */
int all_zero(const void *v, size_t n);
/* Which slot a value lives in (the header documents the slot array). */
size_t slot_of(const struct shmc_table *t, const void *v);

/* ---- the settings ---- */

#define ENV(...) ((char *[]){__VA_ARGS__, NULL})
#define GUARD 0xa5
#define ALL_KINDS 0x3fu

/* SHMC_TRACE_OPTIONS as rows, in its order. */
struct option_row {
    const char *name, *def, *help;
};
#define OPTION_COUNT(name, def, help) +1
enum { NOPTS = 0 SHMC_TRACE_OPTIONS(OPTION_COUNT) };
#undef OPTION_COUNT
extern const struct option_row opts[NOPTS];

struct result {
    struct shmc_trace_config cfg;
    char warn[8192];
    int n;
};

/* shmc_trace_config_parse into r (r->warn filled with GUARD first);
 * returns the number of warnings. */
int parse(struct result *r, int secure, char **env);
/* The number of newlines in s. */
int lines(const char *s);
/* Fails unless the n bytes at p still hold GUARD. */
void assert_guard(const char *p, size_t n);

#endif
