/*
 * compiler.h - the few compiler-specific facilities the tracer needs, each
 * behind one well-named macro (GCC and Clang spell them the same).
 */
#ifndef SHMC_TRACE_COMPILER_H
#define SHMC_TRACE_COMPILER_H

/* Where the current function will return to: the caller's call site. */
#define SHMC_RETURN_ADDRESS() __builtin_return_address(0)
/* The current function's frame (needs -fno-omit-frame-pointer). */
#define SHMC_FRAME_ADDRESS() __builtin_frame_address(0)
/* Visible from outside the shared object (the rest is hidden). */
#define SHMC_EXPORT __attribute__((visibility("default")))
/* Runs when the object is loaded / unloaded (after main's exit handlers). */
#define SHMC_CONSTRUCTOR __attribute__((constructor))
#define SHMC_DESTRUCTOR __attribute__((destructor))
/* Keeps a function out of line so that its frame is where we expect. */
#define SHMC_NOINLINE __attribute__((noinline))
#define SHMC_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHMC_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
