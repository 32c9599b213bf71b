/*
 * compiler.h - the few compiler-specific facilities the tracer needs, each
 * behind one well-named macro (GCC and Clang spell them the same).
 */
#ifndef SHMC_JOURNAL_COMPILER_H
#define SHMC_JOURNAL_COMPILER_H

/* Where the current function will return to: the caller's call site. */
#define SHMC_RETURN_ADDRESS() __builtin_return_address(0)
/* The current function's frame (needs -fno-omit-frame-pointer). */
#define SHMC_FRAME_ADDRESS() __builtin_frame_address(0)
/* Visible from outside the shared object (the rest is hidden). */
#define SHMC_EXPORT __attribute__((visibility("default")))
/* Makes this function another name of the function target (one body,
 * two symbols). */
#define SHMC_ALIAS(target) __attribute__((alias(#target)))
/* Runs when the object is loaded / unloaded (after main's exit handlers). */
#define SHMC_CONSTRUCTOR __attribute__((constructor))
#define SHMC_DESTRUCTOR __attribute__((destructor))
/* A function (pointer) that never returns. */
#define SHMC_NORETURN __attribute__((noreturn))
/* Keeps a function out of line so that its frame is where we expect. */
#define SHMC_NOINLINE __attribute__((noinline))
/* The type of an expression: for pointers to functions looked up by
 * name (dlsym), declared with the type of the function they stand for. */
#define SHMC_TYPEOF(x) __typeof__(x)
/* Checks a function's printf-style format (argument fmt) against its
 * arguments from first on (0: a va_list). */
#define SHMC_PRINTF_LIKE(fmt, first) __attribute__((format(printf, fmt, first)))
#define SHMC_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHMC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Coverage builds (make coverage: gcc --coverage -DSHMC_COVERAGE): gcov
 * writes a process's counters from its exit handlers, which _exit, _Exit
 * and a successful exec never run, and every shared object (the preloaded
 * tracer too) has its own counters. SHMC_COVERAGE_FLUSH() writes this
 * object's counters now and zeroes them, so that nothing is counted twice
 * if the process goes on (a failed exec); elsewhere it does nothing. */
#ifdef SHMC_COVERAGE
#include <stddef.h>

void __gcov_dump(void);
void __gcov_reset(void);
#define SHMC_COVERAGE_FLUSH() (__gcov_dump(), __gcov_reset())

/* SHMC_COVERAGE_RESTART(), for code that may run after gcov wrote this
 * object's counters at exit and dropped it from the list __gcov_dump and
 * __gcov_reset walk (an on_exit handler, which runs after every
 * destructor): puts the object back on the list with its counters at
 * zero, so that a SHMC_COVERAGE_FLUSH() at the end writes what was
 * counted since. The two structs are libgcov's (gcc/libgcov.h, the same
 * since GCC 5); their symbols are hidden in each object. */
struct shmc_gcov_root {
    void *list;
    unsigned dumped : 1;
    unsigned run_counted : 1;
    struct shmc_gcov_root *next;
    struct shmc_gcov_root *prev;
};
extern struct shmc_gcov_root __gcov_root;
extern struct shmc_gcov_master {
    unsigned version;
    struct shmc_gcov_root *root;
} __gcov_master;

/* Not instrumented itself: the reset would zero its own counts. */
__attribute__((no_profile_instrument_function)) static inline void
shmc_coverage_restart(void)
{
    struct shmc_gcov_root *r = __gcov_master.root;

    while (r != NULL && r != &__gcov_root)
        r = r->next;
    if (r != NULL)
        return; /* still listed: nothing written yet */
    __gcov_root.prev = NULL;
    __gcov_root.next = __gcov_master.root;
    if (__gcov_master.root != NULL)
        __gcov_master.root->prev = &__gcov_root;
    __gcov_master.root = &__gcov_root;
    __gcov_reset();
}
#define SHMC_COVERAGE_RESTART() shmc_coverage_restart()
#else
#define SHMC_COVERAGE_FLUSH() ((void)0)
#define SHMC_COVERAGE_RESTART() ((void)0)
#endif

#endif
