/*
 * report.c - the standalone report at the end of a process image, in the
 * manner of LeakSanitizer: this process's unmatched attaches (own and
 * inherited apart), invalid detaches, failed calls with the validator's
 * explanation, and the segments it created that still exist, are not
 * marked for removal and have no attachment but its own. Nothing is
 * printed when there is nothing to say. The shmcheck CLI gives the verdict
 * for a whole process tree from the journals instead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/textbuf.h"
#include "report.h"
#include "shmcheck.h"
#include "stack.h"
#include "messages.h"
#include "start.h"
#include "state.h"

/* The report, buffered; it goes out on the first flush, which opens its
 * destination then (nothing is opened when there is nothing to say). */
struct out {
    struct shmc_textbuf text;
    int fd; /* NOT_OPEN until the first flush; -1: nowhere */
    const char *how;
    char buf[4096 + 1]; /* 4096 bytes a write, and the textbuf's NUL */
};

#define NOT_OPEN (-2)

/* Where the report goes: stderr if it is still the one we started with
 * (a daemon may have reused fd 2 for a file of its own), or a file in the
 * log directory. -1: nowhere. */
static int destination(const char *how)
{
    struct shmc_trace *t = &shmc__trace;
    char path[64];
    struct stat st;

    if (t->cfg.report == SHMC_REPORT_NONE)
        return -1;
    if (t->cfg.report == SHMC_REPORT_STDERR)
        return t->stderr_ok && fstat(2, &st) == 0 &&
                       st.st_dev == t->stderr_dev && st.st_ino == t->stderr_ino
                   ? 2
                   : -1;
    /* how is "exit", "_exit" or "exec". */
    for (int n = 0; n < 1000; n++) {
        snprintf(path, sizeof path, "%d.%d.%.8s.report", (int)t->pid, n, how);
        int fd = shmc__log_dir_open(path, O_WRONLY | O_CREAT | O_EXCL);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static void flush_to_destination(void *arg, const char *text, size_t len)
{
    struct out *o = arg;

    if (o->fd == NOT_OPEN)
        o->fd = destination(o->how);
    if (o->fd >= 0)
        shmc__write_all(o->fd, text, len);
}

/* One line of at most 511 bytes (longer ones are cut), kept whole in a
 * flush. */
static void put(struct out *o, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)  /* LCOV_EXCL_BR_LINE: fails on %ls or > INT_MAX bytes */
        return; /* LCOV_EXCL_LINE: and no format here has either */
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    shmc_textbuf_putn(&o->text, line, (size_t)n);
}

/* s escaped (textbuf.h) into buf, cut to fit: a path or a symbol name
 * may hold a newline or a terminal escape, which must not forge a line. */
static const char *esc(char *buf, size_t len, const char *s)
{
    struct shmc_textbuf t;

    shmc_textbuf_init(&t, buf, len);
    shmc_textbuf_put_escaped(&t, s, strlen(s));
    return buf;
}

static void stack(struct out *o, const uint64_t *frames, unsigned n)
{
    char name[256], file[512];

    for (unsigned i = 0; i < n; i++) {
        Dl_info info;
        void *pc = (void *)(uintptr_t)frames[i];
        /* LCOV_EXCL_BR_START: glibc's dladdr names the object it finds */
        if (dladdr(pc, &info) && info.dli_fname) {
            /* LCOV_EXCL_BR_STOP */
            put(o, "==%d==     #%u 0x%llx in %s (%s+0x%llx)\n",
                (int)shmc__trace.pid, i, (unsigned long long)frames[i],
                esc(name, sizeof name, info.dli_sname ? info.dli_sname : "??"),
                esc(file, sizeof file, info.dli_fname),
                (unsigned long long)((uintptr_t)pc -
                                     (uintptr_t)info.dli_fbase));
        } else {
            put(o, "==%d==     #%u 0x%llx\n", (int)shmc__trace.pid, i,
                (unsigned long long)frames[i]);
        }
    }
}

static void saved_stack(struct out *o, uint64_t key)
{
    const struct shmc_stack *s = shmc__stack_get(key);
    if (s != NULL)
        stack(o, s->frames, s->nframes);
}

static const char *level(unsigned kind)
{
    return (shmc__trace.cfg.errors & kind) ? "ERROR" : "WARNING";
}

/* Attachments this process holds to shmid right now. */
static unsigned long own_attachments(int shmid)
{
    size_t pos = 0;
    unsigned long n = 0;
    uint64_t addr;
    void *v;

    while (shmc_table_next(&shmc__trace.atts, &pos, &addr, &v)) {
        const struct shmc_att *a = v;
        n += !a->detached && a->shmid == shmid;
    }
    return n;
}

#define MAX_BLOCKS 30 /* blocks printed per kind; the rest are counted */

struct tally {
    unsigned long leaked, leaked_bytes, unmatched, inherited, invalid, failed;
    unsigned found; /* enum shmc_kind bits seen */
};

/* Whether segment id, which this process created, is leaked (ds: the
 * kernel's view of it): it still exists, is not marked for removal, and
 * nobody else is attached (another process may still be using it). */
static int leaked(int id, struct shmid_ds *ds)
{
    return shmc__kernel_stat(id, ds) == 0 && !(ds->shm_perm.mode & SHM_DEST) &&
           ds->shm_nattch <= own_attachments(id);
}

static void leaked_segments(struct out *o, struct tally *n)
{
    struct shmc_trace *t = &shmc__trace;
    size_t pos = 0;
    uint64_t id;
    void *v;

    while (shmc_table_next(&t->segs, &pos, &id, &v)) {
        const struct shmc_seg *s = v;
        struct shmid_ds ds;
        if (!leaked((int)id, &ds))
            continue;
        if (n->leaked < MAX_BLOCKS) {
            put(o,
                "==%d== %s: leaked segment: shmid %d key 0x%08x, %llu bytes, "
                "created here and never removed (IPC_RMID):\n",
                (int)t->pid, level(SHMC_KIND_LEAKED_SEGMENT), (int)id,
                (unsigned)s->key, (unsigned long long)ds.shm_segsz);
            saved_stack(o, s->stack);
        }
        n->leaked++;
        n->leaked_bytes += ds.shm_segsz;
        n->found |= SHMC_KIND_LEAKED_SEGMENT;
    }
    if (n->leaked > MAX_BLOCKS)
        put(o, "==%d== ... and %lu more leaked segments\n", (int)t->pid,
            n->leaked - MAX_BLOCKS);
}

/* Unmatched attaches made by one call site (same stack, own or
 * inherited) are one block, as LeakSanitizer groups leaks by stack. */
struct group {
    unsigned long count;
    int shmid; /* of the first attachment seen */
    uint64_t addr;
    const struct shmc_att *att;
};

static uint64_t stack_key(const struct shmc_att *a)
{
    return a->stack ^ a->inherited;
}

static void unmatched(struct out *o, struct tally *n, const char *how)
{
    struct shmc_trace *t = &shmc__trace;
    struct shmc_table groups;
    size_t pos = 0, shown = 0, more = 0;
    uint64_t key;
    void *v;

    shmc_table_init(&groups, sizeof(struct group));
    while (shmc_table_next(&t->atts, &pos, &key, &v)) {
        const struct shmc_att *a = v;
        struct group *g;
        if (a->detached)
            continue;
        *(a->inherited ? &n->inherited : &n->unmatched) += 1;
        n->found |= a->inherited ? SHMC_KIND_INHERITED_UNMATCHED
                                 : SHMC_KIND_UNMATCHED_ATTACH;
        if ((g = shmc_table_put(&groups, stack_key(a), NULL)) == NULL)
            continue;
        if (g->count++ == 0) {
            g->shmid = a->shmid;
            g->addr = key;
            g->att = a;
        }
    }
    pos = 0;
    while (shmc_table_next(&groups, &pos, &key, &v)) {
        const struct group *g = v;
        const struct shmc_att *a = g->att;
        if (shown++ >= MAX_BLOCKS) {
            more = 1;
            continue;
        }
        put(o,
            "==%d== %s: unmatched attach: %lu attachment(s), the first of "
            "shmid %d at 0x%llx%s, still attached at %s; attached %s:\n",
            (int)t->pid,
            level(a->inherited ? SHMC_KIND_INHERITED_UNMATCHED
                               : SHMC_KIND_UNMATCHED_ATTACH),
            g->count, g->shmid, (unsigned long long)g->addr,
            a->inherited ? " (inherited through fork)" : "", how,
            a->inherited ? "by the parent" : "here");
        saved_stack(o, a->stack);
    }
    if (more)
        put(o, "==%d== ... and %zu more call sites with unmatched attaches\n",
            (int)t->pid, shown - MAX_BLOCKS);
    shmc_table_destroy(&groups);
}

/* The call as the program wrote it, from its recorded arguments. */
static void describe(char *buf, size_t len, const struct shmc_event *e)
{
    const int64_t *a = e->args;

    switch (e->op) {
    case SHMC_J_SHMGET:
        snprintf(buf, len, "shmget(key 0x%08x, size %llu, flags 0%o)",
                 (unsigned)a[0], (unsigned long long)a[1], (unsigned)a[2]);
        break;
    case SHMC_J_SHMAT:
        snprintf(buf, len, "shmat(shmid %d, addr 0x%llx, flags 0%o)", (int)a[0],
                 (unsigned long long)a[1], (unsigned)a[2]);
        break;
    case SHMC_J_SHMCTL:
        snprintf(buf, len, "shmctl(shmid %d, cmd %d)", (int)a[0], (int)a[1]);
        break;
    default:
        snprintf(buf, len, "ftok(path, proj %d)", (int)a[0]);
        break;
    }
}

static void events(struct out *o, struct tally *n)
{
    struct shmc_trace *t = &shmc__trace;

    for (unsigned i = 0; i < t->nevents; i++) {
        const struct shmc_event *e = &t->events[i];
        const char *why = e->check ? shmc_strerror(e->check) : NULL;
        if (e->op == SHMC_J_SHMDT) {
            char what[128];
            if (e->shmid >= 0 && e->args[2] && e->args[3])
                snprintf(what, sizeof what,
                         "remap_file_pages replaced the first page of "
                         "shmid %d's attachment there: shmdt no longer "
                         "finds it",
                         e->shmid);
            else if (e->shmid >= 0)
                snprintf(what, sizeof what,
                         "double detach: shmid %d was "
                         "attached there and already detached",
                         e->shmid);
            else
                snprintf(what, sizeof what, "%s",
                         why ? why
                             : "not the start of an attachment of "
                               "this process");
            put(o,
                "==%d== %s: invalid detach: shmdt(0x%llx) failed with "
                "%s: %s\n",
                (int)t->pid, level(SHMC_KIND_INVALID_DETACH),
                (unsigned long long)e->args[0], strerrorname_np(e->err), what);
            n->found |= SHMC_KIND_INVALID_DETACH;
        } else {
            char call[160];
            describe(call, sizeof call, e);
            put(o, "==%d== %s: failed call: %s -> %s%s%s\n", (int)t->pid,
                level(SHMC_KIND_FAILED_CALL), call, strerrorname_np(e->err),
                why ? ": shmcheck: " : "", why ? why : "");
            n->found |= SHMC_KIND_FAILED_CALL;
        }
        stack(o, e->frames, e->nframes);
    }
    n->invalid = t->invalid_detaches;
    n->failed = t->failed_calls;
    if (t->events_lost)
        put(o, "==%d== ... and %u more failed calls or invalid detaches\n",
            (int)t->pid, t->events_lost);
}

int shmc__report(const char *how)
{
    struct shmc_trace *t = &shmc__trace;
    struct tally n = {0};
    struct out o = {.fd = NOT_OPEN, .how = how};
    int saved = errno, errors;
    char exe[512]; /* what a 511-byte line can show */

    /* Nothing shown, no status to change and no abort (the CLI's
     * settings): the CLI judges the journal; no need to go through the
     * tables. */
    if (t->cfg.report == SHMC_REPORT_NONE && t->cfg.exitcode == 0 &&
        t->cfg.on_error == SHMC_ON_ERROR_EXIT)
        return 0;

    shmc_textbuf_init_flush(&o.text, o.buf, sizeof o.buf, flush_to_destination,
                            &o);
    /* With no report (the CLI's setting) the path is never shown: a
     * process without a journal never reads it. */
    put(&o, "==%d== shmcheck: process %d (%s) at %s:\n", (int)t->pid,
        (int)t->pid,
        esc(exe, sizeof exe,
            t->cfg.report == SHMC_REPORT_NONE ? "" : shmc__exe()),
        how);
    shmc__lock();
    leaked_segments(&o, &n);
    unmatched(&o, &n, how);
    events(&o, &n);
    shmc__unlock();
    /* Every failed call and invalid detach since the tables were last
     * reset is a finding: n.found is 0 only when there is nothing to say. */
    if (n.found) {
        put(&o,
            "==%d== SUMMARY: shmcheck: %lu leaked segment(s) (%lu bytes), "
            "%lu unmatched attach(es), %lu inherited unmatched, %lu "
            "invalid detach(es), %lu failed call(s) in %s at %s\n",
            (int)t->pid, n.leaked, n.leaked_bytes, n.unmatched, n.inherited,
            n.invalid, n.failed, exe, how);
        shmc_textbuf_flush(&o.text);
        if (o.fd > 2)
            close(o.fd);
    }
    errno = saved;
    errors = (n.found & t->cfg.errors) != 0;
    return errors;
}

void shmc__remove_leaks(void)
{
    size_t pos = 0;
    uint64_t id;
    void *v;
    int saved = errno;

    shmc__lock();
    while (shmc_table_next(&shmc__trace.segs, &pos, &id, &v)) {
        struct shmid_ds ds;
        /* The real call: no journal record, no report of its own. */
        if (leaked((int)id, &ds))
            (void)SHMC_REAL.shmctl((int)id, IPC_RMID, NULL);
    }
    shmc__unlock();
    errno = saved;
}
