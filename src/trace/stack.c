/*
 * stack.c - call stacks and the module list that lets the CLI symbolize
 * them in another process.
 *
 * SHMCHECK_STACKS=fast keeps the call site (always exact: the interposer's
 * return address) and follows frame pointers from there, checking that
 * each frame lies above the last and below the thread's stack top, so code
 * built without frame pointers gives a shorter stack, never a crash.
 * SHMCHECK_STACKS=full uses the DWARF unwinder (glibc backtrace): exact
 * everywhere, about 1.5 us a call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <string.h>

#include "journal/compiler.h"
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

    c->frames[0] = (uint64_t)(uintptr_t)ret;
    c->nframes = 1;
    if (cfg->stacks == SHMC_STACKS_FAST && cfg->stack_depth > 1)
        c->nframes += walk_frames(frame, c->frames + 1, cfg->stack_depth - 1);
    else if (cfg->stacks == SHMC_STACKS_FULL)
        c->nframes = (uint16_t)unwind(ret, c->frames, cfg->stack_depth);
}

/* Executable range of one loaded object. */
static int object_range(struct dl_phdr_info *info, uintptr_t *start,
                        uintptr_t *end)
{
    *start = UINTPTR_MAX;
    *end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        if (lo < *start)
            *start = lo;
        if (lo + ph->p_memsz > *end)
            *end = lo + ph->p_memsz;
    }
    return *end > *start;
}

static int known(uintptr_t start)
{
    for (unsigned i = 0; i < shmc__trace.nmodules; i++)
        if (shmc__trace.modules[i].start == start)
            return 1;
    return 0;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct shmc_scan *f = data;
    uintptr_t start, end;
    (void)size;

    if (f->n == SHMC_MAX_MODULES || !object_range(info, &start, &end))
        return 0;
    f->obj[f->n].bias = info->dlpi_addr;
    f->obj[f->n].start = start;
    f->obj[f->n].end = end;
    f->obj[f->n++].path = info->dlpi_name;
    return 0;
}

/* The loader's lock is taken by dl_iterate_phdr and the state lock only
 * after it is released: a constructor running under the loader's lock may
 * call shmget, which takes the state lock. scan_lock is never taken by a
 * shm interposer. */
void shmc__modules_scan(void)
{
    struct shmc_trace *t = &shmc__trace;
    struct shmc_scan *f = &t->scan;

    pthread_mutex_lock(&t->scan_lock);
    f->n = 0;
    dl_iterate_phdr(on_object, f);
    shmc__lock();
    for (unsigned i = 0; i < f->n; i++) {
        const char *path = f->obj[i].path;
        int64_t args[4] = {(int64_t)f->obj[i].bias, (int64_t)f->obj[i].start,
                           (int64_t)f->obj[i].end, 0};
        if (known(f->obj[i].start) || t->nmodules == SHMC_MAX_MODULES)
            continue;
        t->modules[t->nmodules].start = f->obj[i].start;
        t->modules[t->nmodules++].end = f->obj[i].end;
        if (path == NULL || path[0] == '\0')
            path = t->exe; /* the main program has no name here */
        shmc__journal(SHMC_J_MODULE, NULL, 0, args, path, strlen(path) + 1);
    }
    shmc__unlock();
    pthread_mutex_unlock(&t->scan_lock);
}
