/*
 * trace.c - what fuzz_sequence prints when a process diverges from the
 * model, hangs or dies, or a segment is left: the decoded sequence, each
 * op predicted against real, and the model's findings so far; then it
 * aborts.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "harness.h"

#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

static const char *errname(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "E?";
}

/* "IPC_PRIVATE" or the key in hex, in buf. */
static const char *key_name(char buf[16], int32_t key)
{
    if (key == IPC_PRIVATE)
        return "IPC_PRIVATE";
    snprintf(buf, 16, "%#x", (unsigned)key);
    return buf;
}

/* What entry e asked for, in words. */
static void describe(char *b, size_t n, const struct ctx *c,
                     const struct entry *e)
{
    static const char *const h[] = {"none", "attached", "detached"};
    const struct model_att *t = &e->rec;
    char kb[16];

    if (e->op == OP_CREATE || e->op == OP_OPEN)
        snprintf(b, n, "%s key=%s %s=%zu",
                 e->op == OP_OPEN ? "open"
                 : !e->join       ? "create"
                 : e->raw         ? "create (IPC_CREAT only)"
                                  : "create_or_open",
                 key_name(kb, e->key), e->op == OP_OPEN ? "min_size" : "size",
                 e->size);
    else if (e->op == OP_FORK)
        snprintf(b, n, "fork -> process %d%s", e->arg,
                 e->p == 0 ? " (process 0 never forks)" : "");
    else if (e->op >= OP_FORK)
        snprintf(b, n, "%s", op_names[e->op]);
    else if (e->arg < 0)
        snprintf(b, n, "%s (nothing to pick)", op_names[e->op]);
    else if (e->op == OP_ATTACH || e->op == OP_STAT || e->op == OP_REMOVE)
        snprintf(b, n, "%s S%d (id %d)", op_names[e->op], e->arg,
                 c->seg[e->arg].id);
    else
        snprintf(b, n, "%s r%d (S%d @%#llx, %s, handle %s)", op_names[e->op],
                 e->arg, t->seg, (unsigned long long)t->addr,
                 t->live ? "live" : "not live", h[t->handle]);
}

/* "SHMC_E_X (EINVAL)" for the library, "0" / "-1 EINVAL" for raw. */
static void outcome(char *b, size_t n, int raw, int err, int err_no)
{
    if (!raw && err == BAD_REQUEST)
        snprintf(b, n, "bad request");
    else if (!raw)
        snprintf(b, n, "%s%s%s%s", shmc_errname(err), err ? " (" : "",
                 err ? errname(err_no) : "", err ? ")" : "");
    else if (err)
        snprintf(b, n, "-1 %s", errname(err_no));
    else
        snprintf(b, n, "0");
}

/* The fields of an op's outcome that the op is about. */
static void details(char *b, size_t n, int op, int seg, int att, size_t size,
                    unsigned long nattch, int marked, int cpid, int removed)
{
    if (op == OP_STAT)
        snprintf(b, n, " size=%zu nattch=%lu marked=%d cpid=%d", size, nattch,
                 marked, cpid);
    else if (op == OP_RELEASE)
        snprintf(b, n, " removed=%d", removed);
    else if (op == OP_OPEN && seg >= 0)
        snprintf(b, n, " S%d size=%zu", seg, size);
    else if (seg >= 0)
        snprintf(b, n, " S%d", seg);
    else if (att >= 0)
        snprintf(b, n, " r%d", att);
    else
        b[0] = '\0';
}

static void print_entry(const struct ctx *c, int i)
{
    const struct entry *e = &c->log[i];
    const struct model_res *p = &e->pred;
    const struct rep *r = &e->real;
    char pb[64], rb[64], pd[96], rd[96], what[128];
    int ev = e->op >= OP_FORK;

    describe(what, sizeof what, c, e);
    fprintf(stderr, "  #%-2d p%d %s%s%s\n", i, e->p,
            ev ? "" : (e->raw ? "raw " : "lib "), what,
            e->skipped ? "  -- skipped" : "");
    if (e->skipped)
        return;
    if (ev) {
        if (e->op == OP_FORK)
            fprintf(stderr, "      real:  child pid %d records=%d\n",
                    (int)r->pid, r->natt);
        else
            fprintf(stderr, "      real:  done records=%d\n", r->natt);
        return;
    }
    outcome(pb, sizeof pb, e->raw, e->raw ? -(p->err_no != 0) : (int)p->err,
            p->err_no);
    details(pd, sizeof pd, e->op, p->seg, p->att, p->size, p->nattch, p->marked,
            (int)c->serial_pid[p->creator], p->removed);
    if (p->err_no != 0)
        pd[0] = '\0';
    fprintf(stderr, "      model: %s%s%s\n", pb, p->created ? " new" : "", pd);
    if (!e->ran) {
        fprintf(stderr, "      real:  (not run)\n");
        return;
    }
    outcome(rb, sizeof rb, e->raw, r->err, r->err_no);
    details(rd, sizeof rd, e->op, -1, -1, r->size, r->nattch, r->marked,
            r->cpid, r->removed);
    if (r->err != 0)
        rd[0] = '\0';
    fprintf(stderr, "      real:  %s%s", rb, rd);
    if ((e->op == OP_CREATE || e->op == OP_OPEN) && r->err == 0)
        fprintf(stderr, " id=%d", r->seg.id);
    if (r->addr && (e->op == OP_ATTACH))
        fprintf(stderr, " addr=%#llx", (unsigned long long)r->addr);
    fprintf(stderr, " records=%d\n", r->natt);
}

static void print_finding(const struct ctx *c, const struct model_finding *f)
{
    int pid = (int)c->serial_pid[f->proc];
    const char *kind = model_kind_name(f->kind);

    if (f->kind == MODEL_LEAKED_SEGMENT)
        fprintf(stderr, "  %s S%d (id %d) size %zu, creator pid %d\n", kind,
                f->seg, c->seg[f->seg].id, f->size, pid);
    else if (f->kind == MODEL_UNMATCHED_ATTACH)
        fprintf(stderr, "  %s pid %d S%d @%#llx, %s, ended by %s\n", kind, pid,
                f->seg, (unsigned long long)f->addr,
                f->inherited ? "inherited" : "own", model_end_name(f->ended));
    else
        fprintf(stderr, "  %s pid %d @%#llx (EINVAL)\n", kind, pid,
                (unsigned long long)f->addr);
}

__attribute__((noreturn, format(printf, 2, 3))) void die(const struct ctx *c,
                                                         const char *fmt, ...)
{
    const struct model_summary *s = &c->m.summary;
    va_list ap;

    fprintf(stderr, "\nfuzz_sequence: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr,
            "\nsequence (processes alive at start: 0%s%s%s; "
            "pids: 0=%d 1=%d 2=%d 3=%d):\n",
            c->live & 2 ? ",1" : "", c->live & 4 ? ",2" : "",
            c->live & 8 ? ",3" : "", (int)c->serial_pid[0],
            (int)c->serial_pid[1], (int)c->serial_pid[2],
            (int)c->serial_pid[3]);
    for (int i = 0; i < c->nlog; i++)
        print_entry(c, i);
    fprintf(stderr, "model findings so far:\n");
    for (int i = 0; i < c->m.nfinding; i++)
        print_finding(c, &c->m.finding[i]);
    fprintf(stderr,
            "  summary: leaked %lu (%lu bytes), unmatched %lu + %lu "
            "inherited, invalid detaches %lu\n",
            s->leaked_segments, s->leaked_bytes, s->unmatched_attaches,
            s->inherited_unmatched, s->invalid_detaches);
    abort();
}

#ifdef __clang__
#pragma clang attribute pop
#endif
