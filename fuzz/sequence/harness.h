/*
 * harness.h - what fuzz_sequence's pieces in fuzz/sequence/ share: the
 * ops, the persistent workers, one input's run (struct ctx) and the
 * functions each piece gives the others.
 *
 * Coverage feedback comes from the library and from the model, which
 * sees every process's ops; the harness's plumbing (every file that
 * includes this one) is left out (clang), so that libFuzzer has fewer
 * features to track per input.
 */
#ifndef SHMC_FUZZ_SEQUENCE_HARNESS_H
#define SHMC_FUZZ_SEQUENCE_HARNESS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "guard/guard.h"
#include "protocol.h"
#include "refmodel.h"
#include "shmcheck.h"

#define MAX_OPS 32
#define TIMEOUT_MS 5000 /* for a worker's reply or exit */

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
/* The names of the ops, for the trace. */
extern const char *const op_names[OP_COUNT];

/* The workers' bookkeeping, made once by setup() (workers.c). Socket
 * pairs: [0] is process 0's end, [1] the worker's; fork[k] serves a child
 * forked into slot k. path: sequence_worker, "" to serve in forks of this
 * process. */
struct workers {
    int ready, located;
    int shared; /* no private IPC namespace: keys of our own, a guard */
    char path[PATH_MAX];
    int pers[MODEL_PROCS][2], fork[MODEL_PROCS][2];
    pid_t pid[MODEL_PROCS];
    int pidfd[MODEL_PROCS];
    uint32_t seq;   /* request numbers                    */
    pid_t reap[32]; /* ended children not waited for yet  */
    int nreap;
};
extern struct workers workers;

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

/* One input's run: the model, process 0's records, the processes behind
 * the slots, the segments' ids and handles, the pids of the serials, the
 * decoded ops. */
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

/* ---- the trace (trace.c) ---- */

/* Prints the whole decoded sequence, predicted against real, and the
 * model's findings so far; then aborts. */
__attribute__((noreturn, format(printf, 2, 3))) void die(const struct ctx *c,
                                                         const char *fmt, ...);

/* ---- running requests and process events (channel.c) ---- */

/* Runs q in process p: here for process 0, else through its channel. */
void ask(struct ctx *c, int p, struct req *q, struct rep *r);
/* Reaps the ended children that are ours; block: wait for the oldest. */
void reap(int block);
/* Process p exits now. */
void end_process(struct ctx *c, int p);
/* The end of the input: every live process detaches everything. */
void end_all(struct ctx *c);
/* Worker p forks; the child becomes process k. */
void do_fork(struct ctx *c, int p, int k, int serial, struct rep *r);
/* A pidfd for process pid (pidfd_open(2)), or -1. */
int open_pidfd(pid_t pid);

/* ---- one op of the input, decoded, run and checked (ops.c) ---- */

/* Decodes op bytes a and b, predicts, runs and checks the op. */
void run_op(struct ctx *c, uint8_t a, uint8_t b);

/* ---- the workers (workers.c) ---- */

/* Finds sequence_worker, once (workers.path). */
void locate_worker(void);
/* Enters a private IPC namespace, then starts the persistent workers. */
void setup(void);

/* Outside a private IPC namespace: K1..K4 become base + 1..4 (ops.c). */
void keys_from(int32_t base);

/* The keys K1..K4 (ops.c), for the end-of-input check. */
int32_t key_of(int k);

#endif
