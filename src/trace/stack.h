/*
 * stack.h - call stacks: captured at the interposer, stored once in the
 * stack depot and referred to by their key.
 */
#ifndef SHMC_TRACE_STACK_H
#define SHMC_TRACE_STACK_H

#include <stdint.h>

#include "state.h"

/* Keeps the call site only in call->frames: the interposer's return
 * address, always exact. */
static inline void shmc__capture_site(struct shmc_call *call, void *ret)
{
    call->frames[0] = (uint64_t)(uintptr_t)ret;
    call->nframes = 1;
}

/* Fills call->frames from the interposer's frame and return address, as
 * SHMCHECK_STACKS and SHMCHECK_STACK_DEPTH say. */
void shmc__capture(struct shmc_call *call, void *frame, void *ret);

/* The top (end) of the calling thread's stack, or 0 if unknown. For the
 * main thread glibc reads /proc/self/maps, allocating: ask at start. */
uintptr_t shmc__thread_stack_top(void);

/* Stores call's stack in the depot (lock held); returns its key. */
uint64_t shmc__stack_save(const struct shmc_call *call);
/* The stack stored under key, or NULL (lock held). */
const struct shmc_stack *shmc__stack_get(uint64_t key);

#endif
