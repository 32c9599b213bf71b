/*
 * protocol.h - fuzz_sequence's requests and replies, and the code that runs
 * them in a process (serve.c): process 0 calls run_req in the fuzzing
 * process; processes 1..3 serve() them from a socket, in sequence_worker
 * (worker_main.c) or, when that program cannot be found, in a forked copy
 * of the fuzzing process. One fixed-size request per op, one reply.
 */
#ifndef SHMC_FUZZ_SEQUENCE_PROTOCOL_H
#define SHMC_FUZZ_SEQUENCE_PROTOCOL_H

#include <stdint.h>

#include "../refmodel.h"
#include "shmcheck.h"

#define BAD_REQUEST (-999) /* a worker got a request it cannot run */

/* What a process is asked to do. */
enum req_kind {
    R_LIB_CREATE,
    R_LIB_CREATE_OR_OPEN,
    R_LIB_OPEN,
    R_LIB_ATTACH,
    R_LIB_DETACH,
    R_LIB_RELEASE,
    R_LIB_STAT,
    R_LIB_REMOVE,
    R_RAW_GET,
    R_RAW_AT,
    R_RAW_DT,
    R_RAW_STAT,
    R_RAW_RMID,
    R_FORK,  /* arg: the child's slot */
    R_EXIT,  /* forked children only: _exit now */
    R_END,   /* forked children only: detach all, reply, then _exit */
    R_DROP,  /* exec: detach all, wipe the handles, keep the records */
    R_RESET, /* exit of a persistent process: detach all, forget all */
};

struct req {
    uint32_t seq;
    int32_t kind, arg, key, flags;
    uint64_t size;
    struct shmc_segment seg;
};

struct rep {
    uint32_t seq;
    int32_t err, err_no, natt, removed, marked, cpid, pid;
    uint64_t addr, size, nattch;
    struct shmc_segment seg;
};

/* A process's own memory: its handles and the addresses of its records,
 * as a program keeps them. A forked child gets a copy. */
struct pstate {
    int n;
    struct shmc_attachment att[MODEL_ATTS];
    void *addr[MODEL_ATTS];
};

/* Runs q on ps into r (r is overwritten, r->seq = q->seq). A record index
 * or a new record that does not fit, which only a harness bug can send,
 * is refused with r->err = BAD_REQUEST. */
void run_req(struct pstate *ps, const struct req *q, struct rep *r);

/* Serves requests on fd until told to exit or its peer is gone, then
 * _exits. A fork makes the child serve fork_fd[k], the fork channel of
 * the slot k it was forked into (fork_fd[0] is unused). */
__attribute__((noreturn)) void serve(struct pstate *ps, int fd,
                                     const int fork_fd[MODEL_PROCS]);

#endif
