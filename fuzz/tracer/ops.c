/*
 * ops.c - one op of fuzz_tracer's input, four bytes [OP, P, A, B]: the
 * model predicts it, the process in slot P % 4 makes the call (or forks,
 * exits, execs, clones, drops root), and a call's result and errno must be
 * the model's.
 */
#define _GNU_SOURCE
#include <sys/ipc.h>

#include "harness.h"

/* A raw call's real result must be the model's. */
static void same(struct world *w, const struct model_res *want,
                 const struct w_reply *got)
{
    int failed = got->ret == -1;
    if (failed != (want->err_no != 0) || (failed && got->err != want->err_no))
        fail(w, "a call's result differs from the model's");
}

static int seg_arg(const struct world *w, int b)
{
    return w->m.nseg ? b % w->m.nseg : -1;
}

/* shmget: key a % 3 of {IPC_PRIVATE, KEY1, KEY2} (tracer_keys); b bit 0
 * IPC_CREAT, bit 1 IPC_EXCL, (b >> 2) % 3 the size in pages. */
static void op_get(struct world *w, int p, int a, int b)
{
    int32_t key = tracer_keys[a % 3];
    int flags = (b & 1 ? MODEL_CREAT : 0) | (b & 2 ? MODEL_EXCL : 0);
    size_t size = (size_t)(b >> 2) % 3 * 4096;
    struct model_res r = model_raw_get(&w->m, p, key, size, flags);
    struct w_cmd c;
    struct w_reply got;

    if (r.skip)
        return;
    c = (struct w_cmd){W_GET,
                       key,
                       (flags & MODEL_CREAT ? IPC_CREAT : 0) |
                           (flags & MODEL_EXCL ? IPC_EXCL : 0),
                       0,
                       (int64_t)size,
                       0};
    got = ask(w, p, &c);
    note(w, "p%d shmget(key %#x, %zu, %d) -> %lld %d\n", p, key, size, flags,
         (long long)got.ret, got.err);
    same(w, &r, &got);
    abort_after_get(w, p, key, flags, &r);
    if (got.ret >= 0 && r.seg >= 0) {
        if (r.created)
            w->shmid_of_seg[r.seg] = (int)got.ret;
        else if (w->shmid_of_seg[r.seg] != (int)got.ret)
            fail(w, "shmget found another segment than the model");
    }
}

/* shmat of segment a mod (segments made so far). */
static void op_at(struct world *w, int p, int a)
{
    struct model_res r;
    struct w_cmd c;
    struct w_reply got;

    if ((a = seg_arg(w, a)) < 0)
        return;
    r = model_raw_at(&w->m, p, a);
    if (r.skip)
        return;
    c = (struct w_cmd){W_AT, 0, 0, 0, 0, w->shmid_of_seg[a]};
    got = ask(w, p, &c);
    note(w, "p%d shmat(seg %d) -> %#llx %d\n", p, a,
         (unsigned long long)got.ret, got.err);
    same(w, &r, &got);
    abort_after_call(w, p, W_AT, a, &r);
    if (r.att >= 0)
        model_label(&w->m, p, r.att, (uint64_t)got.ret);
}

/* shmdt of record a mod (p's records), or (b bit 0, or no record) of an
 * address never attached. */
static void op_dt(struct world *w, int p, int a, int b)
{
    const struct model_proc *pr = &w->m.proc[p];
    uint64_t addr = pr->natt && !(b & 1) ? pr->att[a % pr->natt].addr
                                         : (uint64_t)w->bogus[p];
    struct model_res r = model_raw_dt(&w->m, p, addr);
    struct w_cmd c;
    struct w_reply got;

    if (r.skip)
        return;
    c = (struct w_cmd){W_DT, 0, 0, 0, 0, (int64_t)addr};
    got = ask(w, p, &c);
    note(w, "p%d shmdt(%#llx) -> %lld %d\n", p, (unsigned long long)addr,
         (long long)got.ret, got.err);
    same(w, &r, &got);
    abort_after_call(w, p, W_DT, -1, &r);
}

/* shmctl IPC_RMID (rmid) or IPC_STAT of segment a mod (segments made). */
static void op_ctl(struct world *w, int p, int a, int rmid)
{
    struct model_res r;
    struct w_cmd c;
    struct w_reply got;

    if ((a = seg_arg(w, a)) < 0)
        return;
    r = rmid ? model_raw_rmid(&w->m, p, a) : model_raw_stat(&w->m, p, a);
    if (r.skip)
        return;
    c = (struct w_cmd){rmid ? W_RMID : W_STAT, 0, 0, 0, 0, w->shmid_of_seg[a]};
    got = ask(w, p, &c);
    note(w, "p%d shmctl(seg %d, %s) -> %lld %d\n", p, a,
         rmid ? "IPC_RMID" : "IPC_STAT", (long long)got.ret, got.err);
    same(w, &r, &got);
    abort_after_call(w, p, rmid ? W_RMID : W_STAT, a, &r);
}

/* fork, or a raw clone (op W_CLONE: no atfork handler runs; a fork to
 * the model), into slot a % 4, which must be free. */
static void op_fork(struct world *w, int p, int a, int op)
{
    int child = a % W_SLOTS, serial;
    struct w_cmd c;
    struct w_reply got, h;

    if (w->m.proc[child].alive || (serial = model_fork(&w->m, p, child)) < 0)
        return;
    c = (struct w_cmd){op, 0, 0, child, 0, 0};
    got = ask(w, p, &c);
    h = hello(w, child);
    note(w, "p%d %s -> p%d (pid %d)\n", p, op == W_FORK ? "fork" : "clone",
         child, h.pid);
    if (got.ret != h.pid || serial >= 64)
        fail(w, "fork went wrong");
    w->pid_of_serial[serial] = h.pid;
    guard_note_pid(h.pid); /* what it makes goes if we crash */
    abort_new_image(w, child);
}

/* exit; slot 0 ends last, with the tree. */
static void op_exit(struct world *w, int p)
{
    pid_t pid = w->pid_of_serial[w->m.proc[p].serial];
    struct w_cmd c = {0};

    if (p == 0 || !w->m.proc[p].alive)
        return;
    abort_at_exit(w, p);
    (void)model_exit(&w->m, p);
    c.op = W_EXIT;
    ask(w, p, &c);
    note(w, "p%d exit\n", p);
    wait_gone(w, pid);
}

/* exec: traced again, attachments end; the new image's hello is the
 * answer. */
static void op_exec(struct world *w, int p)
{
    struct w_cmd c = {0};
    struct w_reply got;

    if (model_exec(&w->m, p) != 0)
        return;
    abort_new_image(w, p);
    c.op = W_EXEC;
    if (full(w->cmd[p], &c, sizeof c, 1) != (ssize_t)sizeof c)
        fail(w, "a worker stopped listening");
    got = hello(w, p);
    w->execs_of_serial[w->m.proc[p].serial % 64]++;
    note(w, "p%d exec (pid %d)\n", p, got.pid);
    if (got.ret != 0)
        fail(w, "exec failed");
}

/* setgroups(0, NULL), setgid and setuid to nobody, for good; not
 * where workers cannot (can_drop_root): then nothing. */
static void op_setuid(struct world *w, int p)
{
    struct w_cmd c = {0};
    struct w_reply got;

    if (!can_drop_root || model_drop_root(&w->m, p) != 0)
        return;
    c.op = W_SETUID;
    got = ask(w, p, &c);
    note(w, "p%d setuid(nobody) -> %lld %d\n", p, (long long)got.ret, got.err);
    if (got.ret != 0)
        fail(w, "dropping root failed");
}

/* One operation from 4 input bytes: [op, process, a, b]. */
void run_op(struct world *w, const uint8_t *in)
{
    int op = in[0] % 10, p = in[1] % W_SLOTS, a = in[2], b = in[3];

    if (!w->m.proc[p].alive)
        return;
    switch (op) {
    case 0:
        op_get(w, p, a, b);
        return;
    case 1:
        op_at(w, p, a);
        return;
    case 2:
        op_dt(w, p, a, b);
        return;
    case 3: /* IPC_RMID */
    case 4: /* IPC_STAT */
        op_ctl(w, p, a, op == 3);
        return;
    case 5:
        op_fork(w, p, a, W_FORK);
        return;
    case 6:
        op_exit(w, p);
        return;
    case 7:
        op_exec(w, p);
        return;
    case 8:
        op_fork(w, p, a, W_CLONE);
        return;
    default:
        op_setuid(w, p);
        return;
    }
}
