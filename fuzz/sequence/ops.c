/*
 * ops.c - one op of fuzz_sequence's input (the Input of fuzz_sequence.c):
 * decoded, predicted by the reference model, run in its process and
 * checked against the prediction.
 */
#define _GNU_SOURCE
#include <sys/ipc.h>

#include "harness.h"

#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

/* A bits 0..3 and 7 -> op. */
// clang-format off
static const unsigned char ops[32] = {
    /* 0 */  OP_CREATE, OP_OPEN, OP_ATTACH, OP_DETACH, OP_DETACH_AGAIN,
    /* 5 */  OP_STAT, OP_REMOVE, OP_RELEASE, OP_FORK, OP_EXIT,
    /* 10 */ OP_EXEC, OP_CREATE, OP_ATTACH, OP_DETACH, OP_RELEASE,
    /* 15 */ OP_REMOVE,
    /* bit 7 set: */
    /* 0 */  OP_CREATE, OP_OPEN, OP_ATTACH, OP_DETACH, OP_DETACH_AGAIN,
    /* 5 */  OP_STAT, OP_REMOVE, OP_RELEASE, OP_CREATE, OP_EXIT,
    /* 10 */ OP_EXEC, OP_ATTACH, OP_ATTACH, OP_DETACH, OP_RELEASE,
    /* 15 */ OP_STAT,
};
// clang-format on
const char *const op_names[OP_COUNT] = {
    "create", "open",    "attach", "detach", "detach-again", "stat",
    "remove", "release", "fork",   "exit",   "exec"};
static int32_t keys[5] = {IPC_PRIVATE, 0x5ec10001, 0x5ec10002, 0x5ec10003,
                          0x5ec10004};

void keys_from(int32_t base)
{
    for (int k = 1; k < 5; k++)
        keys[k] = base + k;
}

int32_t key_of(int k)
{
    return keys[k];
}

static const size_t create_sizes[4] = {0, 1, 4096, 10000};
static const size_t open_sizes[4] = {0, 1, 4096, 20000};

/* The request for a segment op, library or raw; the library needs a
 * handle, which a segment made by a raw shmget does not have. */
static void seg_req(const struct ctx *c, struct entry *e, struct req *q, int s,
                    int lib_kind, int raw_kind)
{
    e->raw |= !c->seg[s].has_handle;
    q->kind = e->raw ? raw_kind : lib_kind;
    q->seg = c->seg[s].h;
    q->seg.id = c->seg[s].id;
}

/* The index of the (b mod n)th record of p that is not live, or -1. */
static int pick_dead(const struct model_proc *pr, int b)
{
    int n = 0;

    for (int a = 0; a < pr->natt; a++)
        n += !pr->att[a].live;
    for (int a = 0, k = 0; n > 0 && a < pr->natt; a++)
        if (!pr->att[a].live && k++ == b % n)
            return a;
    return -1;
}

/* Create and open: key and size from b, predicted by the model. */
static void predict_key_op(struct ctx *c, struct entry *e, struct req *q, int b)
{
    struct model *m = &c->m;
    int p = e->p;

    if (e->op == OP_CREATE) {
        q->key = e->key = keys[(b & 7) % 5];
        q->size = e->size = create_sizes[(b >> 3) & 3];
        q->kind = e->raw    ? R_RAW_GET
                  : e->join ? R_LIB_CREATE_OR_OPEN
                            : R_LIB_CREATE;
        q->flags = IPC_CREAT | (e->join ? 0 : IPC_EXCL) | 0600;
        e->pred = e->raw
                      ? model_raw_get(m, p, e->key, e->size,
                                      MODEL_CREAT | (e->join ? 0 : MODEL_EXCL))
                  : e->join ? model_lib_create_or_open(m, p, e->key, e->size)
                            : model_lib_create(m, p, e->key, e->size);
        return;
    }
    q->key = e->key = keys[(b & 7) % 5];
    q->size = e->size = open_sizes[(b >> 3) & 3];
    q->kind = e->raw ? R_RAW_GET : R_LIB_OPEN;
    /* Not root (no private namespace), asking for no access bits would
     * make IPC_PRIVATE a segment of mode 0 its own maker may not use,
     * where the model's processes are root: ask for what we create. */
    q->flags = workers.shared ? 0600 : 0;
    e->pred = e->raw ? model_raw_get(m, p, e->key, e->size, 0)
                     : model_lib_open(m, p, e->key, e->size);
}

/* Attach, stat and remove: segment b mod (segments made so far),
 * predicted by the model; 0, or -1 when there is nothing to run. */
static int predict_segment_op(struct ctx *c, struct entry *e, struct req *q,
                              int b)
{
    struct model *m = &c->m;
    int p = e->p, s = m->nseg ? b % m->nseg : -1;

    if ((e->arg = s) < 0 || !m->proc[p].alive)
        return -1;
    if (e->op == OP_ATTACH) {
        seg_req(c, e, q, s, R_LIB_ATTACH, R_RAW_AT);
        e->pred = e->raw ? model_raw_at(m, p, s) : model_lib_attach(m, p, s);
    } else if (e->op == OP_STAT) {
        seg_req(c, e, q, s, R_LIB_STAT, R_RAW_STAT);
        e->pred = e->raw ? model_raw_stat(m, p, s) : model_lib_stat(m, p, s);
    } else {
        seg_req(c, e, q, s, R_LIB_REMOVE, R_RAW_RMID);
        e->pred = e->raw ? model_raw_rmid(m, p, s) : model_lib_remove(m, p, s);
    }
    return 0;
}

/* Detach, detach-again and release: a record of the process picked by b,
 * predicted by the model; 0, or -1 when there is nothing to run. */
static int predict_record_op(struct ctx *c, struct entry *e, struct req *q,
                             int b)
{
    struct model *m = &c->m;
    const struct model_proc *pr = &m->proc[e->p];
    int p = e->p, a;

    a = e->op == OP_DETACH_AGAIN ? pick_dead(pr, b)
        : pr->natt               ? b % pr->natt
                                 : -1;
    if ((e->arg = a) < 0 || !pr->alive)
        return -1;
    e->rec = pr->att[a];
    q->arg = a;
    e->raw &= e->op != OP_RELEASE;
    q->kind = e->op == OP_RELEASE ? R_LIB_RELEASE
              : e->raw            ? R_RAW_DT
                                  : R_LIB_DETACH;
    e->pred = e->op == OP_RELEASE ? model_lib_release(m, p, a)
              : e->raw            ? model_raw_dt(m, p, pr->att[a].addr)
                                  : model_lib_detach(m, p, a);
    return 0;
}

/* Predicts a call op with the model and fills the request; 0, or -1
 * when there is nothing to run. */
static int predict(struct ctx *c, struct entry *e, struct req *q, int b)
{
    switch (e->op) {
    case OP_CREATE:
    case OP_OPEN:
        predict_key_op(c, e, q, b);
        return 0;
    case OP_ATTACH:
    case OP_STAT:
    case OP_REMOVE:
        return predict_segment_op(c, e, q, b);
    default: /* detach, detach-again, release */
        return predict_record_op(c, e, q, b);
    }
}

/* A library create_or_open or open that found a segment reports its real
 * size. */
static int q_sized(const struct entry *e)
{
    return !e->raw && e->pred.seg >= 0 && !e->pred.created &&
           (e->op == OP_OPEN || e->op == OP_CREATE);
}

/* Compares the real outcome of a call with the prediction; a successful
 * call also teaches the harness ids and the model addresses. */
static void check_call(struct ctx *c, struct entry *e)
{
    const struct model_res *p = &e->pred;
    const struct rep *r = &e->real;
    struct segref *sr = p->seg >= 0 ? &c->seg[p->seg] : NULL;
    int err = e->raw ? (p->err_no ? -1 : 0) : (int)p->err;

    if (r->err != err || (err != 0 && r->err_no != p->err_no))
        die(c, "#%d: the outcome differs from the model's", c->nlog - 1);
    if (r->natt != c->m.proc[e->p].natt)
        die(c, "#%d: process %d has %d records, the model %d", c->nlog - 1,
            e->p, r->natt, c->m.proc[e->p].natt);
    if (err != 0)
        return;
    if (sr && p->created) {
        *sr = (struct segref){r->seg.id, !e->raw, r->seg};
        guard_note_id(r->seg.id);
    } else if (sr && r->seg.id != sr->id)
        die(c, "#%d: found id %d, the model S%d (id %d)", c->nlog - 1,
            r->seg.id, p->seg, sr->id);
    if (sr && q_sized(e) && !sr->has_handle)
        *sr = (struct segref){r->seg.id, 1, r->seg};
    if ((q_sized(e) && r->size != p->size) ||
        (e->op <= OP_OPEN && !e->raw && r->seg.created != p->created) ||
        (e->op == OP_STAT &&
         (r->size != p->size || r->nattch != p->nattch ||
          r->marked != p->marked || r->cpid != c->serial_pid[p->creator])) ||
        (e->op == OP_RELEASE && r->removed != p->removed))
        die(c, "#%d: the details differ from the model's", c->nlog - 1);
    if (p->att >= 0)
        model_label(&c->m, e->p, p->att, r->addr);
}

/* A fork, exit or exec op. */
static void run_event(struct ctx *c, struct entry *e, int b)
{
    int p = e->p, k = 1 + b % 3, serial;
    struct req q = {.kind = R_DROP};

    if (e->op == OP_FORK) {
        e->arg = k;
        if (p == 0 || (serial = model_fork(&c->m, p, k)) < 0)
            return;
        e->pred.seg = e->pred.att = -1;
        e->skipped = 0;
        e->ran = 1;
        do_fork(c, p, k, serial, &e->real);
        if (e->real.natt != c->m.proc[p].natt)
            die(c, "#%d: fork: records differ", c->nlog - 1);
        return;
    }
    if ((e->op == OP_EXIT ? model_exit : model_exec)(&c->m, p) != 0)
        return;
    e->pred.seg = e->pred.att = -1;
    e->skipped = 0;
    e->ran = 1;
    if (e->op == OP_EXIT) {
        end_process(c, p);
        return;
    }
    ask(c, p, &q, &e->real);
    if (e->real.natt != c->m.proc[p].natt)
        die(c, "#%d: exec: records differ", c->nlog - 1);
}

void run_op(struct ctx *c, uint8_t a, uint8_t b)
{
    struct entry *e = &c->log[c->nlog++];
    struct req q = {0};

    *e = (struct entry){.op = ops[(a & 15) | (a >> 3 & 16)],
                        .p = (a >> 4) & 3,
                        .raw = (a >> 6) & 1,
                        .join = (b >> 5) & 1,
                        .arg = -1,
                        .skipped = 1};
    if (e->op >= OP_FORK) {
        run_event(c, e, b);
        return;
    }
    if (predict(c, e, &q, b) != 0 || e->pred.skip)
        return;
    e->skipped = 0;
    ask(c, e->p, &q, &e->real);
    e->ran = 1;
    check_call(c, e);
}

#ifdef __clang__
#pragma clang attribute pop
#endif
