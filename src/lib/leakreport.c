/*
 * leakreport.c - the leak check's report (API: leakreport.h): lines on
 * stderr in LeakSanitizer's shape, and the stacks libshmcheck-trace.so
 * recorded, when it is preloaded. Nothing here links the tracer or a
 * sanitizer: both are looked up by name, once, and done without when
 * absent. A sanitizer's runtime (ASan, UBSan, the harness's usual
 * company) names each frame's function, file and line; without one,
 * dladdr names the function when the object exports it, and the module
 * and offset always.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "leakreport.h"
#include "trace_query.h"

#define FRAMES 32 /* the tracer keeps at most this many */

typedef void symbolize_fn(void *pc, const char *fmt, char *out, size_t len);

/* A looked-up function: `looked` once the lookup ran, fn its result. */
struct found {
    atomic_int looked;
    void *_Atomic fn;
};

static struct found tracer, symbolizer;

static void *look_up(struct found *f, const char *name)
{
    if (!atomic_load(&f->looked)) {
        atomic_store(&f->fn, dlsym(RTLD_DEFAULT, name));
        atomic_store(&f->looked, 1);
    }
    return atomic_load(&f->fn);
}

void shmc__leak_say(const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "==%d== ", (int)getpid());
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    for (int done = 0, w; done < n; done += w)
        if ((w = (int)write(2, line + done, (size_t)(n - done))) <= 0)
            return;
}

/* Control characters in a name from a file (a path, a symbol) would
 * reach the terminal: each becomes '?'. */
static const char *printable(char *s)
{
    for (char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}

/* The lines of one frame, numbered from *i on: a sanitizer's symbolizer
 * gives one name per function inlined at pc (innermost first, each NUL
 * terminated, an empty one last), as its own reports show them. */
static void frame(unsigned *i, uintptr_t pc)
{
    symbolize_fn *sym = look_up(&symbolizer, "__sanitizer_symbolize_pc");
    char where[1024] = "";
    Dl_info info;

    if (sym != NULL) {
        /* A return address: the call is the instruction before it. */
        sym((void *)(pc - 1), "%F %L", where, sizeof where - 1);
        for (char *w = where; *w != '\0'; w += strlen(w) + 1)
            shmc__leak_say("    #%u 0x%lx %s", (*i)++, (unsigned long)pc,
                           printable(w));
        /* LCOV_EXCL_BR_START: glibc's dladdr names the object it finds */
    } else if (dladdr((void *)pc, &info) && info.dli_fname != NULL) {
        /* LCOV_EXCL_BR_STOP */
        snprintf(where, sizeof where, "%s (%s+0x%lx)",
                 info.dli_sname ? info.dli_sname : "??", info.dli_fname,
                 (unsigned long)(pc - (uintptr_t)info.dli_fbase));
        shmc__leak_say("    #%u 0x%lx in %s", (*i)++, (unsigned long)pc,
                       printable(where));
    } else {
        shmc__leak_say("    #%u 0x%lx", (*i)++, (unsigned long)pc);
    }
}

void shmc__leak_stack(int what, int shmid, uintptr_t addr, int made_by)
{
    shmc_trace_stack_fn *query = look_up(&tracer, SHMC_TRACE_QUERY_SYMBOL);
    uintptr_t frames[FRAMES];
    unsigned n = 0;

    if (made_by != 0) {
        shmc__leak_say("    made by pid %d: with libshmcheck-trace.so "
                       "preloaded, that process's own exit report shows "
                       "where",
                       made_by);
        return;
    }
    if (query != NULL)
        n = query(what, shmid, addr, frames, FRAMES);
    for (unsigned f = 0, line = 0; f < n; f++)
        frame(&line, frames[f]);
    if (n == 0)
        shmc__leak_say("    (no stack: %s)",
                       query != NULL
                           ? "the tracer did not record this call"
                           : "preload libshmcheck-trace.so to see where "
                             "it was made");
}
