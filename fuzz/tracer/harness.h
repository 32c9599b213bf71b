/*
 * harness.h - what fuzz_tracer's pieces in fuzz/tracer/ share: one
 * input's world, the paths of the programs it runs, and the functions
 * each piece gives the others.
 */
#ifndef SHMC_FUZZ_TRACER_HARNESS_H
#define SHMC_FUZZ_TRACER_HARNESS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "guard/guard.h"
#include "protocol.h"
#include "refmodel.h"

#define MAX_OPS 24

/* The keys op_get picks from: IPC_PRIVATE, KEY1, KEY2; outside a private
 * IPC namespace KEY1 and KEY2 are keys no segment had (setup.c). */
extern int32_t tracer_keys[3];
/* No private IPC namespace: this one is shared with other processes, so
 * the kernel's view and the clean-up keep to the tree's segments. */
extern int shared_ns;

/* tracer_worker, libshmcheck-trace.so and the journal directory, found
 * and made by setup() (setup.c). */
extern char worker_path[PATH_MAX], tracer_path[PATH_MAX], journal_dir[PATH_MAX];
/* "SHMCHECK__BROKER=..." of the journal broker setup() started, or NULL;
 * whether a worker can drop root (root, and the broker runs): else
 * W_SETUID is never sent (setup.c). */
extern const char *broker_env;
extern int can_drop_root;
/* 1 unless SHMC_FUZZ_ORPHAN_CLONES=0 in our environment: no work-around
 * of the (fixed) orphaned raw clone bug (protocol.h, W_ADOPT_ENV). */
extern int orphan_clones;

/* One input's world: the model, and the real processes behind its slots. */
struct world {
    struct model m;
    int cmd[W_SLOTS], reply[W_SLOTS]; /* our ends of each slot's pipes */
    int pid_of_serial[64];
    int shmid_of_seg[MODEL_SEGS];
    int64_t bogus[W_SLOTS];   /* per slot: an address never attached  */
    unsigned cap;             /* SHMC_TEST_JOURNAL_CAP; 0: no cap     */
    unsigned fill;            /* ftok calls of each image before hello */
    int status_of_serial[64]; /* wait status, once reaped (reap_all)  */
    int execs_of_serial[64];  /* execs each process made              */
    /* SHMCHECK_ON_ERROR=abort (abort.c): whether this input runs with it,
     * its SHMCHECK_ERRORS (kinds; the entry, NULL for the default), what
     * each slot's image has done as its report counts it, who is to die
     * of SIGABRT, and the segments an abort removed (and no call since). */
    int on_error;
    unsigned errors;
    const char *errors_env;
    struct image {
        uint8_t own[MODEL_SEGS]; /* created by this image, not removed */
        uint8_t invalid, failed; /* an invalid detach, a failed call   */
    } img[W_SLOTS];
    int aborts_of_serial[64];
    uint8_t swept[MODEL_SEGS];
    char trace[8192]; /* the decoded sequence, for a failure  */
    size_t tlen;
};

/* Appends a line to the trace of w's sequence. */
__attribute__((format(printf, 2, 3))) void note(struct world *w,
                                                const char *fmt, ...);
/* Prints what went wrong and w's sequence; aborts. */
_Noreturn void fail(struct world *w, const char *what);

/* ---- start-up and the journal directory (setup.c) ---- */

/* Finds the worker and the tracer, enters a private IPC namespace, makes
 * the journal directory. */
void setup(void);
/* Removes the tracer's journals of the last input. */
void empty_journal_dir(void);

/* ---- the traced processes (workers.c) ---- */

/* Reads or writes all of buf, retrying after signals; what was done. */
ssize_t full(int fd, void *buf, size_t len, int writing);
/* Sends c to slot's process and returns its answer. */
struct w_reply ask(struct world *w, int slot, const struct w_cmd *c);
/* The first answer of a new process (or image) in slot. */
struct w_reply hello(struct world *w, int slot);
/* Starts slot 0's process; its pid, or -1. *life: the life pipe. */
int start(struct world *w, int *life);
/* Returns once process pid has ended. */
void wait_gone(struct world *w, pid_t pid);
/* Once the tree has ended: reaps every process it had (the subreaper's
 * zombies, all of them ours by then), each of which must have exited
 * with status 0, as every worker does, or died of SIGABRT when abort.c
 * said it aborts; fills w->status_of_serial. */
void reap_all(struct world *w);

/* ---- one op of the input (ops.c) and the verdict (judge.c) ---- */

/* Runs the op of the four bytes at in, checked against the model. */
void run_op(struct world *w, const uint8_t *in);
/* The CLI's findings over the journals must be the model's. */
void judge(struct world *w, int top);

/* ---- SHMCHECK_ON_ERROR=abort (abort.c) ---- */

/* From the byte before the last of an input whose length is 2 or 3 past
 * a multiple of 4 (fuzz_tracer.c): bit 0 abort, bits 1-2 SHMCHECK_ERRORS
 * (default, leaked_segment, all, none). */
void abort_configure(struct world *w, const uint8_t *data, size_t size);
/* What p's image did, after the model predicted it: a shmget (key, its
 * model flags), another call (op: W_AT, W_DT, W_RMID, W_STAT; seg its
 * segment); a new image in slot p (fork or clone child, exec). */
void abort_after_get(struct world *w, int p, int32_t key, int flags,
                     const struct model_res *r);
void abort_after_call(struct world *w, int p, int op, int seg,
                      const struct model_res *r);
void abort_new_image(struct world *w, int p);
/* Before the model's exit of p: whether it is to abort; if so, its leaks
 * are removed in the model, and its serial noted. */
int abort_at_exit(struct world *w, int p);

/* Whether the kernel's segment k is the tree's: made by one of its
 * processes, or under one of its keys. */
struct cli_kseg;
int tree_segment(const struct world *w, const struct cli_kseg *k);

#endif
