/*
 * modules.c - the loaded objects' executable ranges (API: modules.h), one
 * MODULE record each, with its path and load bias.
 */
#define _GNU_SOURCE
#include <link.h>

#include "emit.h"
#include "modules.h"
#include "state.h"

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
        /* LCOV_EXCL_BR_START: PT_LOAD entries ascend by address (ELF): a
         * later one never ends below an earlier one */
        if (lo + ph->p_memsz > *end)
            *end = lo + ph->p_memsz;
        /* LCOV_EXCL_BR_STOP */
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
        /* LCOV_EXCL_BR_START: glibc names the main program "", never NULL */
        if (path == NULL || path[0] == '\0')
            path = t->exe; /* the main program has no name here */
        /* LCOV_EXCL_BR_STOP */
        shmc__journal(SHMC_J_MODULE, NULL, 0, args, path,
                      shmc__string_payload(path));
    }
    shmc__unlock();
    pthread_mutex_unlock(&t->scan_lock);
}
