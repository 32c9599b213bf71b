/*
 * internal.h - what the library's files share and callers never see.
 */
#ifndef SHMC_LIB_INTERNAL_H
#define SHMC_LIB_INTERNAL_H

#include <stdint.h>

#include "shmcheck.h"

/* A function run when the library is loaded (or, linked statically,
 * when the program starts): GCC and Clang spell it this way. */
#define SHMC__CONSTRUCTOR __attribute__((constructor))
/* A printf-like function's format argument, checked by the compiler. */
#define SHMC__PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))

/* A filled struct shmc_segment carries this magic; a zeroed or garbage one
 * does not, so it is refused instead of reaching the kernel. */
#define SHMC__SEGMENT_MAGIC 0x53454731u /* "SEG1" */

/* struct shmc_attachment.state: anything else is an invalid handle. */
#define SHMC__ATTACHED 0x41545431u /* "ATT1" */
#define SHMC__DETACHED 0x44455431u /* "DET1" */

/* End of the address space a default process can map (TASK_SIZE_MAX):
 * x86-64 keeps the last page below 2^47 unmapped; above it the kernel
 * refuses, or needs 5-level paging and an explicit opt-in. */
#if defined(__x86_64__)
#define SHMC__USER_ADDR_END (((uintptr_t)1 << 47) - 4096)
#elif defined(__aarch64__)
#define SHMC__USER_ADDR_END ((uintptr_t)1 << 48)
#else
#define SHMC__USER_ADDR_END UINTPTR_MAX
#endif

/* Which call failed, to tell what an ambiguous errno (EINVAL) meant. */
enum shmc__call {
    SHMC__CALL_CREATE, /* shmget that creates             */
    SHMC__CALL_OPEN,   /* shmget that joins               */
    SHMC__CALL_AT_ANY, /* shmat at a kernel-chosen address */
    SHMC__CALL_AT_FIXED,
    SHMC__CALL_DT,
    SHMC__CALL_CTL,
    SHMC__CALL_PATH, /* faccessat/ftok on a key path    */
};

/* The single exit for a refused call: maps saved_errno (the kernel's) to an
 * error code for that call, and leaves errno == saved_errno. */
enum shmc_err shmc__sys_fail(enum shmc__call call, int saved_errno);

/* The single exit for a rejection by the library itself: errno = EINVAL. */
enum shmc_err shmc__reject(enum shmc_err err);

/* The create-or-open race, for segments and typed segments alike: tries
 * create(ctx); when the segment exists, open(ctx); when it was removed
 * between the two, again, at most SHMC_CREATE_OR_OPEN_TRIES times (then
 * SHMC_E_RACE, errno EAGAIN). A successful open keeps the caller's errno. */
enum shmc_err shmc__create_or_open(enum shmc_err (*create)(void *ctx),
                                   enum shmc_err (*open)(void *ctx), void *ctx);

/* 1 when seg is a filled handle. */
int shmc__segment_ok(const struct shmc_segment *seg);

#endif
