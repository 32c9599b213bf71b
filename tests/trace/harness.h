/*
 * harness.h - what the tracer's tests share (tests/trace/harness.c,
 * linked into each of them): a fixture with a private log directory,
 * running a program (tests/trace/helpers/traced_prog, SHMC_TRACED_PROG)
 * traced or bare with its stdout and stderr collected, and reading every
 * journal it left, record by record. Include cmocka first.
 *
 * A program that hangs gets SIGALRM after RUN_TIMEOUT seconds, so that a
 * deadlock fails its test instead of hanging the run.
 */
#ifndef SHMC_TESTS_TRACE_HARNESS_H
#define SHMC_TESTS_TRACE_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "journal/reader.h"

#if !defined(SHMC_TRACE_SO) || !defined(SHMC_TRACED_PROG)
#error "build with -DSHMC_TRACE_SO and -DSHMC_TRACED_PROG"
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define OUT_MAX (64 * 1024)
#define MAX_JOURNALS 8
#define MAX_RECS 256 /* records kept in detail per journal; all counted */
#define MAX_PIDS 64
#define RUN_TIMEOUT 120

struct run {
    int status;
    pid_t pid;
    char out[OUT_MAX];
    char err[OUT_MAX];
};

/* One journal record, copied out of the file. */
struct rec {
    uint16_t type;
    int32_t err;
    int64_t result;
    int64_t args[4];
    uint32_t size;
    uint16_t nframes;
    uint64_t frames[SHMC_JMAX_FRAMES];
    uint16_t payload_len;
    char payload[256]; /* the first bytes, NUL-terminated */
};

struct journal {
    int pid, ppid, image;
    uint32_t flags;
    unsigned count[SHMC_J_TYPE_MAX];  /* committed records per type */
    unsigned failed[SHMC_J_TYPE_MAX]; /* of those, err != 0 */
    size_t skipped, file_size;
    mode_t mode; /* the file's permission bits */
    enum shmc_jstatus end;
    unsigned nrec; /* records kept in rec[], in journal order */
    struct rec rec[MAX_RECS];
};

struct fx {
    char dir[64];
    struct journal j[MAX_JOURNALS];
    int nj;
    pid_t pids[MAX_PIDS]; /* every program run: their segments go */
    int npids;
};

/* How to run a program: traced with dir as SHMCHECK_LOG_DIR, or bare when
 * dir is NULL; extra "NAME=value" words (space-separated) are added to an
 * environment that otherwise holds only PATH; child(arg) runs in the
 * child just before exec, after stdout and stderr are in place. */
struct how {
    const char *dir;
    const char *extra;
    void (*child)(const void *arg);
    const void *arg;
};

/* A private log directory; teardown empties and removes it, and removes
 * the segments the programs run left. */
int harness_setup(void **state);
int harness_teardown(void **state);
/* Empties the log directory (keeping it) and removes leftover segments. */
void reset(struct fx *fx);

/* Runs argv as h says and waits for it. stdout and stderr are collected
 * from files, so a child that keeps them open cannot block the test. */
void run(struct fx *fx, struct run *r, const struct how *h, char *const argv[]);
/* run() with the log directory of fx and extra settings, or bare. */
void run_traced(struct fx *fx, struct run *r, char *const argv[],
                const char *extra);
void run_bare(struct fx *fx, struct run *r, char *const argv[]);
/* The environment of a run, in the child: only what the test chose. */
void child_env(const struct how *h);
/* Reads fd to its end into buf (OUT_MAX bytes, NUL-terminated); closes it. */
void slurp(int fd, char *buf);

/* Reads every journal in fx->dir, sorted by name (pid, then image). */
void read_journals(struct fx *fx);
/* The journal of pid's image, or NULL. */
const struct journal *journal_of(const struct fx *fx, int pid, int image);
/* The n-th kept record of a type (0 = the first), or NULL. */
const struct rec *rec_of(const struct journal *j, int type, int n);
/* Where the kept record r is in the journal (its index). */
unsigned rec_index(const struct journal *j, const struct rec *r);

/* How many times needle occurs in text. */
int count_lines(const char *text, const char *needle);
/* Fails unless status is an exit with code. */
void assert_exit(int status, int code);
/* Whether a segment created by pid still exists. */
int segment_left_by(int pid);
/* "PATH=<the traced program's directory>:/usr/bin:/bin". */
const char *path_to_traced_prog(void);

#endif
