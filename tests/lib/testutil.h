/*
 * testutil.h - what the unit tests share: error assertions, sentinel-filled
 * out-parameters, the injected-errno tables and the two loops that inject
 * them through mock.h, a segment's state (stat_of, nattch, assert_gone),
 * fixture setup and teardown, the validators' expect_code, the typed
 * tests' payload type, and forked children that report through a pipe.
 *
 * The helpers assert with cmocka, so they run in the test process only;
 * none of them may be called in a forked child (see struct child).
 */
#ifndef SHMC_TEST_TESTUTIL_H
#define SHMC_TEST_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/types.h>

#include "mock.h"
#include "shmcheck.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Compares codes by name, so that a failure prints both names. */
#define assert_err(got, want) \
    assert_string_equal(shmc_errname(got), shmc_errname(want))

/* Out-parameters of failing calls start as this pattern and must keep it. */
#define SENTINEL_BYTE 0xa5
#define fill_sentinel(x) memset(&(x), SENTINEL_BYTE, sizeof(x))
#define assert_untouched(x) \
    assert_memory_equal(&(x), sentinel_of(sizeof(x)), sizeof(x))

/* n bytes of SENTINEL_BYTE (n at most 256). */
const void *sentinel_of(size_t n);

/* The errno name ("EINVAL"), or "?" for a number that has none. */
const char *ename(int e);

/* --- injected faults --------------------------------------------------- */

/* Injected errno -> the code the library must report for that call. */
struct fault {
    int err;
    enum shmc_err want;
};

/* Every errno the kernel gives, each with its code. EINVAL is the one
 * errno whose meaning depends on the call; each table says it. */
// clang-format off
#define FAULTS(einval_means)                                                  \
    {ENOMEM, SHMC_E_NO_MEMORY}, {ENOSPC, SHMC_E_NO_SPACE},                     \
    {EACCES, SHMC_E_PERMISSION}, {EPERM, SHMC_E_PERMISSION},                   \
    {EEXIST, SHMC_E_EXISTS}, {ENOENT, SHMC_E_NOT_FOUND},                       \
    {EIDRM, SHMC_E_REMOVED}, {EMFILE, SHMC_E_TOO_MANY},                        \
    {ENFILE, SHMC_E_TOO_MANY}, {EIO, SHMC_E_SYSTEM}, {EINVAL, einval_means}
// clang-format on

/* Fails unless got is f->want and saved (errno after the call) f->err. */
void assert_fault(const struct fault *f, enum shmc_err got, int saved);

/* The call under test: fills its out-parameter (if any) with the sentinel,
 * makes the call and returns its code, leaving errno as the call set it. */
typedef enum shmc_err fault_op(void *arg);
/* What must hold after a failed call (out untouched, nothing made...). */
typedef void fault_check(void *arg);

/* For each row of faults: resets the mocks, lets `nth` calls of kind
 * `call` succeed and fails the next with the row's errno, runs op(arg),
 * and asserts that the fault fired on that call and that op reported the
 * row's code with errno kept; then check(arg), unless NULL. */
void inject_faults(enum mock_call call, int nth, const struct fault *faults,
                   size_t n, fault_op *op, fault_check *check, void *arg);

#define FAULT_LOOP_MAX 8

/* SQLite's fault loop: for n = 0, 1, ... lets n calls of any kind succeed
 * and fails the next with ENOMEM, until op(arg) succeeds with no fault left
 * to fire. Each failed run must fire, report SHMC_E_NO_MEMORY with errno
 * ENOMEM and leave as many segments as there were before it; then, with
 * the mocks reset, failed(arg) (unless NULL) checks the rest and prepares
 * the next run. fired_on[i] is the call run i failed on. Returns the number
 * of failed runs, which must be 1 .. FAULT_LOOP_MAX - 1. The mocks are
 * reset on return. */
int fault_loop(fault_op *op, fault_check *failed, void *arg,
               enum mock_call fired_on[FAULT_LOOP_MAX]);

/* --- segments ---------------------------------------------------------- */

/* shmc_segment_stat, which must succeed. */
struct shmc_seginfo stat_of(const struct shmc_segment *seg);
unsigned long nattch(const struct shmc_segment *seg);

/* seg is removed and the namespace holds in_use segments again. */
void assert_gone(const struct shmc_segment *seg, int in_use);

/* IPC_RMID of the segment under key, if there is one (teardowns). */
void remove_key(key_t key);

/* --- fixtures ---------------------------------------------------------- */

/* The start of every fixture's setup: zeroes fx (size bytes), resets the
 * mocks, records the segments in the namespace in *in_use and hands fx to
 * the test. Returns 0. */
int fixture_begin(void **state, void *fx, size_t size, int *in_use);

/* The end of every fixture's teardown: 0 when the namespace holds in_use
 * segments again, -1 when the test left one behind (or lost one). */
int fixture_end(int in_use);

/* A fixture's segment: IPC_PRIVATE, size bytes, mode 0600, attached into
 * *att unless att is NULL; then the mocks are reset, so that the test's
 * counters start at 0. Returns 0, or -1 if it could not be made (a
 * setup's return value). */
int fixture_segment(struct shmc_segment *seg, size_t size,
                    struct shmc_attachment *att);

/* Its teardown: resets the mocks, detaches whichever of the n handles in
 * att are still attached and removes seg. */
void fixture_segment_cleanup(const struct shmc_segment *seg,
                             struct shmc_attachment *att, size_t n);

/* The setup of tests without a fixture: the mocks reset. */
int reset_setup(void **state);

/* --- validator answers ------------------------------------------------- */

/* errno as the validator tests set it before each call: validators must
 * leave it alone. */
#define ERRNO_SENTINEL 12345

/* Fails unless got is want; what labels the case. */
void expect_err(const char *what, enum shmc_err got, enum shmc_err want);

/* One validator answer: the code, errno still ERRNO_SENTINEL, no system
 * call made since the mocks were reset. */
void expect_code(const char *what, enum shmc_err got, int errno_after,
                 enum shmc_err want);

/* A validator of one int (id, key, project number) and its cases. */
struct int_case {
    int value;
    enum shmc_err want;
};
typedef enum shmc_err int_validator(int value);

/* expect_code for each case, labelled "<name> <value>". */
void run_int_cases(const char *name, int_validator *validate,
                   const struct int_case *c, size_t n);

/* --- typed segments ---------------------------------------------------- */

/* The payload of the typed tests, and one of the same shape but another
 * name. */
struct counters {
    uint64_t hits;
    uint64_t misses;
};
struct other {
    uint64_t hits;
    uint64_t misses;
};
#define LAYOUT SHMC_TYPED_FIELDS(struct counters, hits, misses)
#define HEADER_SPACE 128 /* the payload never starts before this */

/* --- forked children --------------------------------------------------- */

/* A forked child that waits for child_go(), runs its function and reports
 * through a pipe. It never calls cmocka (a failing assert in a child of
 * cmocka 1.1.5 runs the rest of the suite there): it writes its report and
 * _exits, and the parent asserts. Pipes order the steps; no sleeps. */
struct child {
    pid_t pid; /* 0: none running                   */
    int from;  /* read end of the report pipe       */
    int go;    /* write end: the child waits for it */
};

/* Runs in the child: fills report, the child's copy of the buffer passed
 * to child_start. It may _exit(CHILD_SKIP) to have the test skipped. */
typedef void child_fn(void *arg, void *report);
#define CHILD_SKIP 77

/* Forks a child that waits for child_go, runs fn(arg, report), writes the
 * size bytes of report to the parent and _exits (no atexit handlers). */
void child_start(struct child *c, child_fn *fn, void *arg, void *report,
                 size_t size);
void child_go(struct child *c);

/* Reads the child's report into report and waits for it: the test is
 * skipped if it exited CHILD_SKIP; otherwise it must have exited 0 with a
 * whole report. */
void child_finish(struct child *c, void *report, size_t size);

/* For teardowns: a child left by a failed test gets EOF on its go pipe and
 * exits; this waits for it. Nothing when none is running. */
void child_reap(struct child *c);

/* --- the leak check's tests: a child's stderr, captured ------------------ */

#define CAPTURED_MAX 65536
struct captured {
    int in_use;             /* segments in the namespace before */
    char out[CAPTURED_MAX]; /* the last child's stderr           */
};

/* Setup and teardown of a test with a struct captured as its state:
 * fixture_begin and fixture_end around it. */
int captured_setup(void **state);
int captured_teardown(void **state);

/* A new segment of 4096 bytes (IPC_PRIVATE, 0600), or -1. */
int segment_4k(void);

/* Fails, showing c->out, unless it holds want. */
void expect_out(const struct captured *c, const char *want);

/* Runs fn(arg) in a forked child whose stderr goes into out (at most
 * len - 1 bytes, NUL-terminated); the child _exits with fn's value.
 * Returns the child's wait status. A SIGABRT in the child writes its
 * coverage counters first (abort skips the exit handlers that would). */
int run_captured(int (*fn)(void *arg), void *arg, char *out, size_t len);

#endif
