/*
 * mock.h - linker --wrap mocks for every system call the library makes.
 *
 * Each __wrap_X passes straight through to __real_X until a test arms a
 * fault. Faults follow SQLite's countdown: "let N wrapped calls succeed,
 * then fail the next one with errno E" (once), either for one call or for
 * any call. A test loops N = 0, 1, 2 ... over an operation until it
 * succeeds without the fault firing, checking each failure on the way.
 *
 * The leak check calls shmctl as syscall(SYS_shmctl, ...): __wrap_syscall
 * counts and fails it as shmctl (MOCK_shmctl).
 *
 * Adding a mock: add a row to MOCK_CALLS below, write __wrap_<name> in
 * mock.c with the MOCK_GATE shape, and add <name> to WRAPS in the Makefile.
 */
#ifndef SHMC_TEST_MOCK_H
#define SHMC_TEST_MOCK_H

#define MOCK_CALLS(X)                                                     \
    X(shmget)                                                             \
    X(shmat) X(shmdt) X(shmctl) X(ftok) X(faccessat) X(malloc) X(realloc) \
        X(mmap)

#define MOCK_ENUM_ROW(name) MOCK_##name,
enum mock_call { MOCK_CALLS(MOCK_ENUM_ROW) MOCK_ANY };
#undef MOCK_ENUM_ROW

/* Back to pass-through, counters cleared. Call it in every test's setup. */
void mock_reset(void);

/* Let `successes` calls of `which` (MOCK_ANY: of any kind) through, then
 * make the next one fail with `err` without reaching the kernel. Once. */
void mock_fail_after(enum mock_call which, int successes, int err);

/* Make every call of `which` fail with `err` until mock_reset(). */
void mock_fail_always(enum mock_call which, int err);

/* Whether the armed fault fired, and on which call kind. */
int mock_fired(void);
enum mock_call mock_fired_on(void);

/* How many calls of `which` (MOCK_ANY: all) reached a wrapper since the
 * last reset, failed ones included. */
int mock_calls(enum mock_call which);

/* Segments in this IPC namespace right now (SHM_INFO used_ids), through
 * the real shmctl. Tests compare it before and after to prove nothing
 * was left behind. */
int mock_segments_in_use(void);

#endif
