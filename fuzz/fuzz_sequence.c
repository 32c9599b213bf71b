/*
 * fuzz_sequence.c - property: a program of System V shared memory
 * operations run by up to four processes gets, op by op, the outcome the
 * reference model (refmodel.h) predicts, through the library (shmc_*) and
 * through the raw calls; the segments the model says leak are exactly
 * those the kernel still has once every process has ended; and nothing is
 * left in the IPC namespace after the input's cleanup.
 *
 * Process 0 is THIS process, the fuzzing process: its ops call the library
 * right here, because libFuzzer only sees the coverage of the fuzzing
 * process. Processes 1..3 are the "other processes": persistent workers
 * started once by setup() and driven through SOCK_SEQPACKET socketpairs,
 * one fixed-size request per op and one reply (a 5 s poll per reply, and
 * the worker's pidfd: a hang or a death aborts). seq/serve.c runs the
 * requests: linked here, where process 0 calls run_req in place, and into
 * sequence_worker (seq/worker_main.c), a plain program (no sanitizer, no
 * fuzzer runtime) that each worker execs as soon as setup() forked it,
 * serving on the sockets it inherited. A fork op makes a worker fork() for
 * real; the child serves the slot it was forked into, through that slot's
 * fork channel, until it exits or the input ends. Such a fork and exit
 * copy and unmap a small process; forking this ASan/libFuzzer process
 * costs about a millisecond each time. Without sequence_worker
 * (locate_worker says so) the workers serve in their forked copies of
 * this process: the same semantics, slower fork ops. Process 0 never
 * forks (the op is skipped): that fork would be slow, and its child's
 * coverage invisible anyway; a worker's fork has the same kernel and
 * library semantics. Exit and exec of a process that is not a forked
 * child (this one, a persistent worker) are emulated by detaching
 * everything, which is what the kernel does at exit and exec; the slot of
 * an exited one is then free for a fork. A forked child exits for real.
 * Attach addresses are always chosen by the kernel (NULL); the model
 * compares them as tokens (model_label).
 *
 * Input: byte 0, bits 0..2: processes 1..3 alive at the start (process 0
 * always is). Then up to 32 ops of two bytes (A, B); the rest is ignored:
 *   A bits 0..3, 7  op: ops[] below, 32 entries; with bit 7 clear,
 *                0 create, 1 open, 2 attach, 3 detach, 4 detach-again,
 *                5 stat, 6 remove, 7 release, 8 fork, 9 exit, 10 exec.
 *                Fork has one entry of 32: a fork and its child's
 *                exit cost over a hundred microseconds, a call through a
 *                worker some microseconds.
 *   A bits 4..5  the process, 0..3
 *   A bit 6      raw: shmget/shmat/shmdt/shmctl instead of the library
 *                (release is always the library's; a library op on a
 *                segment only a raw shmget made runs raw: no handle)
 *   B  create    bits 0..2 key mod 5 (IPC_PRIVATE, K1..K4), bits 3..4
 *                size 0, 1, 4096, 10000; bit 5: create or join,
 *                raw: IPC_CREAT without IPC_EXCL, library:
 *                shmc_segment_create_or_open
 *      open      key as create, bits 3..4 min size 0, 1, 4096, 20000
 *      attach, stat, remove: segment B mod (segments made so far)
 *      detach, release: record B mod (the process's records)
 *      detach-again: the (B mod n)th of its n records not attached
 *      fork      the child is process 1 + B mod 3, which must be dead
 * An op the model skips (dead process, nothing to pick, full table) is
 * not run. Any divergence, dead or hung process, or segment left aborts
 * with the decoded sequence, predicted against real, on stderr.
 *
 * Cleanup after every input: every live process detaches everything, all
 * at once (forked children then _exit; they are reaped later, this
 * process being their subreaper); the segments still there must be the
 * model's leaked segments; they are removed, and SHM_INFO must then count
 * no segment. The same input gives the same sequence of outcomes; the only
 * global state is the workers' bookkeeping (W) made by setup().
 *
 * Needs root: setup() enters a private IPC namespace (unshare(CLONE_NEWIPC))
 * before it forks the workers, which inherit it and die with this process.
 * Without the privilege (use root, or `unshare -r`) it says so and exits 1.
 * setup() runs in LLVMFuzzerInitialize, except in the AFL++ build (see
 * there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "refmodel.h"
#include "seq/proto.h"
#include "shmcheck.h"

/* Coverage feedback comes from the library and from the model, which
 * sees every process's ops; this file's plumbing is left out (clang), so
 * that libFuzzer has fewer features to track per input. */
#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

#define MAX_OPS 32
#define TIMEOUT_MS 5000

enum op {
    OP_CREATE,
    OP_OPEN,
    OP_ATTACH,
    OP_DETACH,
    OP_DETACH_AGAIN,
    OP_STAT,
    OP_REMOVE,
    OP_RELEASE,
    OP_FORK,
    OP_EXIT,
    OP_EXEC,
    OP_COUNT
};
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
static const char *const op_names[] = {
    "create", "open",    "attach", "detach", "detach-again", "stat",
    "remove", "release", "fork",   "exit",   "exec"};
static const int32_t keys[5] = {IPC_PRIVATE, 0x5ec10001, 0x5ec10002, 0x5ec10003,
                                0x5ec10004};
static const size_t create_sizes[4] = {0, 1, 4096, 10000};
static const size_t open_sizes[4] = {0, 1, 4096, 20000};

/* The workers' bookkeeping, made once by setup(). Socket pairs: [0] is
 * process 0's end, [1] the worker's; fork[k] serves a child forked into
 * slot k. path: sequence_worker, "" to serve in forks of this process. */
static struct {
    int ready, located;
    char path[PATH_MAX];
    int pers[MODEL_PROCS][2], fork[MODEL_PROCS][2];
    pid_t pid[MODEL_PROCS];
    int pidfd[MODEL_PROCS];
    uint32_t seq;   /* request numbers                    */
    pid_t reap[32]; /* ended children not waited for yet  */
    int nreap;
} W;

enum slot_kind { S_NONE, S_SELF, S_PERSIST, S_FORKED };

struct slot {
    enum slot_kind kind;
    pid_t pid;
    int fd, pidfd, dirty;
};

struct segref {
    int id, has_handle;
    struct shmc_segment h;
};

/* One decoded op, for the trace (described only when printed). */
struct entry {
    int op, p, raw, skipped, ran;
    int join;             /* create: IPC_CREAT only / create_or_open */
    int arg;              /* segment, record or child slot; -1: none */
    int32_t key;          /* create, open */
    size_t size;          /* create, open */
    struct model_att rec; /* the record before the op (arg)         */
    struct model_res pred;
    struct rep real;
};

struct ctx {
    struct model m;
    struct pstate self;
    struct slot slot[MODEL_PROCS];
    struct segref seg[MODEL_SEGS];
    pid_t serial_pid[MODEL_PROCS + MAX_OPS];
    struct entry log[MAX_OPS];
    int nlog;
    unsigned live;
};

static int pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static const char *errname(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "E?";
}

/* ------------------------------------------------------------------ */
/* The trace                                                          */
/* ------------------------------------------------------------------ */

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

    if (f->kind == MODEL_LEAKED_SEGMENT)
        fprintf(stderr,
                "  leaked_segment S%d (id %d) size %zu, creator pid %d\n",
                f->seg, c->seg[f->seg].id, f->size, pid);
    else if (f->kind == MODEL_UNMATCHED_ATTACH)
        fprintf(stderr,
                "  unmatched_attach pid %d S%d @%#llx, %s, ended by %s\n", pid,
                f->seg, (unsigned long long)f->addr,
                f->inherited ? "inherited" : "own", model_end_name(f->ended));
    else
        fprintf(stderr, "  invalid_detach pid %d @%#llx (EINVAL)\n", pid,
                (unsigned long long)f->addr);
}

/* Prints the whole decoded sequence, predicted against real, and the
 * model's findings so far; then aborts. */
__attribute__((noreturn, format(printf, 2, 3))) static void
die(const struct ctx *c, const char *fmt, ...)
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

/* ------------------------------------------------------------------ */
/* Running a request: in this process, or in a worker                 */
/* ------------------------------------------------------------------ */

/* Waits up to TIMEOUT_MS for fd to be readable; 0, or -1 if pidfd (the
 * process) ended first or the time ran out (then *hung is set). */
static int wait_fd(int fd, int pidfd, int *hung)
{
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN},
                            {.fd = pidfd, .events = POLLIN}};
    int n;

    while ((n = poll(fds, pidfd >= 0 ? 2 : 1, TIMEOUT_MS)) < 0 &&
           errno == EINTR)
        ;
    *hung = n == 0;
    return fds[0].revents & POLLIN ? 0 : -1;
}

/* Sends q to process p (not this one) with a fresh sequence number. */
static void post(struct ctx *c, int p, struct req *q)
{
    const struct slot *s = &c->slot[p];

    q->seq = ++W.seq;
    if (send(s->fd, q, sizeof *q, MSG_NOSIGNAL) != (ssize_t)sizeof *q)
        die(c, "cannot send to process %d (pid %d): %s", p, (int)s->pid,
            strerror(errno));
}

/* Waits for process p's reply to request seq. */
static void collect(struct ctx *c, int p, uint32_t seq, struct rep *r)
{
    const struct slot *s = &c->slot[p];
    int hung;

    if (wait_fd(s->fd, s->pidfd, &hung) != 0)
        die(c, "process %d (pid %d) %s", p, (int)s->pid,
            hung ? "did not answer within 5 s (hang)" : "died");
    if (recv(s->fd, r, sizeof *r, 0) != (ssize_t)sizeof *r || r->seq != seq)
        die(c, "process %d (pid %d) answered out of turn", p, (int)s->pid);
}

/* Runs q in process p: here for process 0, else through its channel. */
static void ask(struct ctx *c, int p, struct req *q, struct rep *r)
{
    c->slot[p].dirty = 1;
    if (c->slot[p].kind == S_SELF) {
        run_req(&c->self, q, r);
        return;
    }
    post(c, p, q);
    collect(c, p, q->seq, r);
}

/* ------------------------------------------------------------------ */
/* Process events                                                     */
/* ------------------------------------------------------------------ */

/* Reaps the ended children that are ours (exited orphans come back
 * here: we are their subreaper); block: wait for the oldest as well. */
static void reap(int block)
{
    int kept = 0;

    for (int i = 0; i < W.nreap; i++)
        if (waitpid(W.reap[i], NULL, block && i == 0 ? 0 : WNOHANG) == 0)
            W.reap[kept++] = W.reap[i];
    W.nreap = kept;
}

/* Slot k's forked child is ending: forget it, reap it later. */
static void forget_child(struct ctx *c, int k)
{
    struct slot *s = &c->slot[k];

    if (W.nreap == (int)(sizeof W.reap / sizeof W.reap[0]))
        reap(1);
    W.reap[W.nreap++] = s->pid;
    close(s->pidfd);
    *s = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
}

/* Process p exits now. A forked child exits for real and is waited for
 * (its pidfd is readable once the kernel detached everything); this
 * process and a persistent worker detach everything, as exit does. */
static void end_process(struct ctx *c, int p)
{
    struct slot *s = &c->slot[p];
    struct req q = {.kind = s->kind == S_FORKED ? R_EXIT : R_RESET};
    struct rep r;
    int hung;

    if (s->kind == S_FORKED) {
        post(c, p, &q);
        if (wait_fd(s->pidfd, -1, &hung) != 0)
            die(c, "process %d (pid %d) did not exit within 5 s", p,
                (int)s->pid);
        forget_child(c, p);
        reap(0);
        return;
    }
    if (s->dirty)
        ask(c, p, &q, &r);
    s->dirty = 0;
    if (s->kind == S_PERSIST)
        *s = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
}

/* The end of the input: every live process detaches everything, all at
 * once (forked children then _exit without being waited for). */
static void end_all(struct ctx *c)
{
    uint32_t seq[MODEL_PROCS] = {0};
    struct req q;
    struct rep r;

    for (int p = 0; p < MODEL_PROCS; p++) {
        const struct slot *s = &c->slot[p];
        if (!c->m.proc[p].alive || !s->dirty)
            continue;
        q = (struct req){.kind = s->kind == S_FORKED ? R_END : R_RESET};
        if (s->kind == S_SELF)
            run_req(&c->self, &q, &r);
        else
            post(c, p, &q);
        seq[p] = q.seq;
    }
    for (int p = 0; p < MODEL_PROCS; p++) {
        if (seq[p] != 0)
            collect(c, p, seq[p], &r);
        if (c->slot[p].kind == S_FORKED)
            forget_child(c, p);
        c->slot[p].dirty = 0;
    }
}

/* Worker p forks; the child becomes process k. */
static void do_fork(struct ctx *c, int p, int k, int serial, struct rep *r)
{
    struct req q = {.kind = R_FORK, .arg = k};
    struct slot *s = &c->slot[k];

    ask(c, p, &q, r);
    if (r->err != 0 || r->pid <= 0)
        die(c, "fork in process %d failed: %s", p, strerror(r->err_no));
    *s = (struct slot){.kind = S_FORKED,
                       .pid = r->pid,
                       .fd = W.fork[k][0],
                       .pidfd = pidfd_open(r->pid),
                       .dirty = 1};
    if (s->pidfd < 0)
        die(c, "forked child %d (pid %d) is already gone", k, (int)r->pid);
    c->serial_pid[serial] = r->pid;
}

/* ------------------------------------------------------------------ */
/* Decoding and checking one op                                       */
/* ------------------------------------------------------------------ */

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

/* Predicts a call op with the model and fills the request; 0, or -1
 * when there is nothing to run. */
static int predict(struct ctx *c, struct entry *e, struct req *q, int b)
{
    struct model *m = &c->m;
    const struct model_proc *pr = &m->proc[e->p];
    int p = e->p, s = m->nseg ? b % m->nseg : -1, a;

    switch (e->op) {
    case OP_CREATE:
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
        return 0;
    case OP_OPEN:
        q->key = e->key = keys[(b & 7) % 5];
        q->size = e->size = open_sizes[(b >> 3) & 3];
        q->kind = e->raw ? R_RAW_GET : R_LIB_OPEN;
        e->pred = e->raw ? model_raw_get(m, p, e->key, e->size, 0)
                         : model_lib_open(m, p, e->key, e->size);
        return 0;
    case OP_ATTACH:
    case OP_STAT:
    case OP_REMOVE:
        if ((e->arg = s) < 0 || !pr->alive)
            return -1;
        if (e->op == OP_ATTACH) {
            seg_req(c, e, q, s, R_LIB_ATTACH, R_RAW_AT);
            e->pred =
                e->raw ? model_raw_at(m, p, s) : model_lib_attach(m, p, s);
        } else if (e->op == OP_STAT) {
            seg_req(c, e, q, s, R_LIB_STAT, R_RAW_STAT);
            e->pred =
                e->raw ? model_raw_stat(m, p, s) : model_lib_stat(m, p, s);
        } else {
            seg_req(c, e, q, s, R_LIB_REMOVE, R_RAW_RMID);
            e->pred =
                e->raw ? model_raw_rmid(m, p, s) : model_lib_remove(m, p, s);
        }
        return 0;
    default: /* detach, detach-again, release */
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
    if (sr && p->created)
        *sr = (struct segref){r->seg.id, !e->raw, r->seg};
    else if (sr && r->seg.id != sr->id)
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

static void step(struct ctx *c, uint8_t a, uint8_t b)
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

/* ------------------------------------------------------------------ */
/* Begin and end                                                      */
/* ------------------------------------------------------------------ */

static void begin(struct ctx *c, uint8_t live)
{
    memset(c, 0, offsetof(struct ctx, log));
    c->nlog = 0;
    reap(0);
    c->live = 1u | ((unsigned)live & 7) << 1;
    model_init(&c->m, c->live);
    c->slot[0] = (struct slot){S_SELF, getpid(), -1, -1, 0};
    c->serial_pid[0] = getpid();
    for (int k = 1; k < MODEL_PROCS; k++) {
        c->slot[k] = (struct slot){.kind = S_NONE, .fd = -1, .pidfd = -1};
        if (c->live & (1u << k))
            c->slot[k] =
                (struct slot){S_PERSIST, W.pid[k], W.pers[k][0], W.pidfd[k], 0};
        c->serial_pid[k] = W.pid[k];
    }
}

/* Every live process ends; the segments that survive must be the leaks
 * the model predicts; then they are removed and none may remain. */
static void finish(struct ctx *c)
{
    struct shm_info info = {0};
    struct shmid_ds ds;

    end_all(c);
    model_finish(&c->m);
    for (int s = 0; s < c->m.nseg; s++) {
        int there = shmctl(c->seg[s].id, IPC_STAT, &ds) == 0;
        if (there != c->m.seg[s].exists || (there && ds.shm_nattch != 0))
            die(c,
                "end: S%d (id %d): the model says %s, the kernel has "
                "%s (nattch %lu)",
                s, c->seg[s].id, c->m.seg[s].exists ? "leaked" : "destroyed",
                there ? "it" : "nothing", there ? ds.shm_nattch : 0ul);
        if (there)
            (void)shmctl(c->seg[s].id, IPC_RMID, NULL);
    }
    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0 ||
        info.used_ids != 0)
        die(c, "end: %d segment(s) left in the namespace after cleanup",
            info.used_ids);
}

/* W.path: sequence_worker from SHMC_FUZZ_SEQ_WORKER (if set, the only
 * place looked at: set it empty to serve in forks), else where the build
 * puts it (build/fuzz/ENGINE/fuzz_sequence: ../sequence_worker), else
 * next to this program (OSS-Fuzz's $OUT); "" if none, said once. */
static void locate_worker(void)
{
    static const char *const rel[] = {"../sequence_worker", "sequence_worker"};
    const char *env = getenv("SHMC_FUZZ_SEQ_WORKER");
    char self[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n;

    if (W.located)
        return;
    W.located = 1;
    if (env && realpath(env, W.path) && access(W.path, X_OK) == 0)
        return;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    if (strrchr(self, '/'))
        *strrchr(self, '/') = '\0';
    for (size_t i = 0; !env && i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", self, rel[i]);
        if (realpath(path, W.path) && access(W.path, X_OK) == 0)
            return;
    }
    W.path[0] = '\0';
    fprintf(stderr,
            "fuzz_sequence: %s%s not found: processes 1..3 run in forks of "
            "this process, and their fork ops are slower\n",
            env ? "SHMC_FUZZ_SEQ_WORKER=" : "sequence_worker",
            env ? env : " (set SHMC_FUZZ_SEQ_WORKER)");
}

/* In the child forked for worker k: keeps its request socket and the
 * fork channels' worker ends, then runs sequence_worker on them, or
 * serves right here when there is none or it cannot run. */
__attribute__((noreturn)) static void start_worker(int k)
{
    int fork_fd[MODEL_PROCS] = {-1};
    char arg[MODEL_PROCS][16];
    char *argv[MODEL_PROCS + 2] = {"sequence_worker"};
    struct pstate ps = {0};

    /* execve keeps it: sequence_worker is not set-user-ID */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int i = 1; i < MODEL_PROCS; i++) {
        close(W.pers[i][0]);
        close(W.fork[i][0]);
        if (i > k)
            close(W.pers[i][1]);
        fork_fd[i] = W.fork[i][1];
    }
    for (int i = 0; i < MODEL_PROCS; i++) {
        snprintf(arg[i], sizeof arg[i], "%d", i ? fork_fd[i] : W.pers[k][1]);
        argv[i + 1] = arg[i];
    }
    if (W.path[0]) {
        execv(W.path, argv);
        fprintf(stderr, "fuzz_sequence: cannot run %s: %s; serving here\n",
                W.path, strerror(errno));
    }
    serve(&ps, W.pers[k][1], fork_fd);
}

/* Enters a private IPC namespace, then starts the persistent workers,
 * which inherit it and die with this process (PR_SET_PDEATHSIG). */
static void setup(void)
{
    locate_worker();
    if (unshare(CLONE_NEWIPC) != 0) {
        fprintf(stderr,
                "fuzz_sequence: unshare(CLONE_NEWIPC): %s\n"
                "fuzz_sequence: this target needs root (or a user "
                "namespace, `unshare -r`) for a private IPC namespace\n",
                strerror(errno));
        exit(1);
    }
    (void)shmc_limits(); /* cached for the new namespace, before forks */
    /* Orphans of exited forked children come back here to be reaped. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    for (int k = 1; k < MODEL_PROCS; k++)
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, W.pers[k]) != 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET, 0, W.fork[k]) != 0)
            abort();
    for (int k = 1; k < MODEL_PROCS; k++) {
        if ((W.pid[k] = fork()) < 0)
            abort();
        if (W.pid[k] == 0)
            start_worker(k);
        close(W.pers[k][1]); /* the worker's end: only it reads there */
        if ((W.pidfd[k] = pidfd_open(W.pid[k])) < 0)
            abort();
    }
    for (int k = 1; k < MODEL_PROCS; k++)
        close(W.fork[k][1]); /* the workers' children read there */
    W.ready = 1;
}

/* AFL++ (4.04c) attaches its test case segment after this call, by id,
 * which a new IPC namespace would not find: its build sets up at the
 * first input instead, in the fuzzed child, after both segments are
 * mapped. The fork server then never has workers: a killed child takes
 * its workers, namespace and forked children with it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    locate_worker(); /* under AFL++: once, in the fork server */
#ifndef __AFL_COMPILER
    setup();
#endif
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c;

    if (!W.ready)
        setup();
    if (size < 1)
        return 0;
    begin(&c, data[0]);
    for (size_t i = 1; i + 1 < size && c.nlog < MAX_OPS; i += 2)
        step(&c, data[i], data[i + 1]);
    finish(&c);
    return 0;
}

#ifdef __clang__
#pragma clang attribute pop
#endif
