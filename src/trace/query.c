/*
 * query.c - what the library's leak check may ask the tracer
 * (src/lib/trace_query.h): the stack of the shmget that created a segment
 * of this process, or of the shmat that made one of its live attachments,
 * from the tables the interposers keep. Exported under
 * SHMC_TRACE_QUERY_SYMBOL; the library finds it with dlsym and does
 * without when it is not there.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "journal/compiler.h"
#include "lib/trace_query.h"
#include "stack.h"
#include "state.h"

/* Declared with the library's type: a change of either breaks the build,
 * not a lookup at run time. */
SHMC_EXPORT shmc_trace_stack_fn shmc_trace_stack_v1;

/* The stored stack of what the query names, or NULL (lock held). */
static const struct shmc_stack *stack_of(int what, int shmid, uintptr_t addr)
{
    const struct shmc_seg *s;
    const struct shmc_att *a;

    switch (what) {
    case SHMC_TRACE_CREATED:
        s = shmc_table_get(&shmc__trace.segs, (uint64_t)shmid);
        return s ? shmc__stack_get(s->stack) : NULL;
    case SHMC_TRACE_ATTACHED:
        a = shmc_table_get(&shmc__trace.atts, (uint64_t)addr);
        return a && !a->detached ? shmc__stack_get(a->stack) : NULL;
    default:
        return NULL;
    }
}

/* Nothing before the start (no tables yet) nor after the image's end
 * (phase DONE), nor in a vfork or raw clone child, which shares or copied
 * another process's tables, nor while this thread runs the tracer (a
 * signal handler's call then: the lock may be this thread's). */
unsigned shmc_trace_stack_v1(int what, int shmid, uintptr_t addr,
                             uintptr_t *frames, unsigned max)
{
    const struct shmc_stack *st;
    unsigned n = 0;
    int saved = errno;

    /* Before the start, after the end, inside a tracer call (a signal
     * handler's query): the leak check asks at none of these times in
     * the tests (LCOV_EXCL_BR_START), which take the three cases below */
    if (atomic_load(&shmc__trace.phase) != SHMC_READY || shmc__in_tracer)
        return 0;
    /* LCOV_EXCL_BR_STOP */
    if (shmc__cloned() || !shmc__own_process() || frames == NULL)
        return 0;
    shmc__in_tracer = 1;
    shmc__lock();
    st = stack_of(what, shmid, addr);
    for (; st != NULL && n < st->nframes && n < max; n++)
        frames[n] = (uintptr_t)st->frames[n];
    shmc__unlock();
    shmc__leave();
    errno = saved;
    return n;
}
