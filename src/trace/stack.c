/*
 * stack.c - call stacks (API: stack.h): captured at the interposer and
 * kept once each in the stack depot.
 *
 * SHMCHECK_STACKS=fast keeps the call site (always exact: the interposer's
 * return address) and follows frame pointers from there, checking that
 * each frame lies above the last and below the thread's stack top, so code
 * built without frame pointers gives a shorter stack, never a crash.
 * SHMCHECK_STACKS=full uses the DWARF unwinder (glibc backtrace): exact
 * everywhere, about 1.5 us a call.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <pthread.h>
#include <string.h>

#include "journal/compiler.h"
#include "lib/hash.h"
#include "stack.h"
#include "state.h"

#define MAX_FRAME_GAP ((uintptr_t)1 << 24) /* 16 MiB between two frames */

static __thread uintptr_t thread_stack_top;

uintptr_t shmc__thread_stack_top(void)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;

    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return 0;
    /* Cannot fail on attributes pthread_getattr_np filled. */
    (void)pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    return (uintptr_t)addr + size;
}

static uintptr_t stack_top(void)
{
    if (SHMC_LIKELY(thread_stack_top != 0))
        return thread_stack_top;
    thread_stack_top = shmc__tid() == shmc__trace.pid
                           ? shmc__trace.main_stack_top
                           : shmc__thread_stack_top();
    return thread_stack_top;
}

static unsigned walk_frames(uintptr_t *fp, uint64_t *out, unsigned max)
{
    uintptr_t top = stack_top();
    unsigned n = 0;

    while (n < max && top != 0) {
        uintptr_t *next = (uintptr_t *)fp[0];
        if ((uintptr_t)next <= (uintptr_t)fp ||
            (uintptr_t)next >= top - 2 * sizeof(uintptr_t) ||
            (uintptr_t)next - (uintptr_t)fp > MAX_FRAME_GAP ||
            ((uintptr_t)next & (sizeof(uintptr_t) - 1)))
            break;
        if (next[1] < 4096)
            break;
        out[n++] = next[1];
        fp = next;
    }
    return n;
}

static unsigned unwind(void *ret, uint64_t *out, unsigned max)
{
    void *buf[SHMC_JMAX_FRAMES + 8];
    int n = backtrace(buf, (int)(max + 8)), first = 0;
    unsigned k = 0;

    /* Skip the tracer's own frames: start at the interposer's caller. */
    while (first < n && buf[first] != ret)
        first++;
    if (first == n)
        first = 0;
    for (int i = first; i < n && k < max; i++)
        out[k++] = (uint64_t)(uintptr_t)buf[i];
    return k;
}

void shmc__capture(struct shmc_call *c, void *frame, void *ret)
{
    const struct shmc_trace_config *cfg = &shmc__trace.cfg;

    shmc__capture_site(c, ret);
    if (cfg->stacks == SHMC_STACKS_FAST && cfg->stack_depth > 1)
        c->nframes += walk_frames(frame, c->frames + 1, cfg->stack_depth - 1);
    else if (cfg->stacks == SHMC_STACKS_FULL)
        c->nframes = (uint16_t)unwind(ret, c->frames, cfg->stack_depth);
}

/* The key is FNV-1a over the frames, a whole word at a time: it never
 * leaves this process (the report lists call sites in key order). */
uint64_t shmc__stack_save(const struct shmc_call *c)
{
    uint64_t key = SHMC_FNV1A_BASIS;
    struct shmc_stack *s;
    int existed;

    for (unsigned i = 0; i < c->nframes; i++)
        key = shmc_fnv1a_word(key, c->frames[i]);
    s = shmc_table_put(&shmc__trace.depot, key, &existed);
    if (s != NULL && !existed) {
        s->nframes = c->nframes;
        memcpy(s->frames, c->frames, 8u * c->nframes);
    }
    return key;
}

const struct shmc_stack *shmc__stack_get(uint64_t key)
{
    return shmc_table_get(&shmc__trace.depot, key);
}
