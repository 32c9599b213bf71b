/*
 * protocol.h - what fuzz_tracer says to its traced workers (worker_main.c) and
 * what they answer, one fixed-size message each way per operation.
 */
#ifndef SHMC_FUZZ_TRACER_PROTOCOL_H
#define SHMC_FUZZ_TRACER_PROTOCOL_H

#include <stdint.h>

#define W_SLOTS 4 /* = MODEL_PROCS */

enum w_op {
    W_GET = 1, /* shmget(key, size, flags)        */
    W_AT,      /* shmat(id, NULL, 0)              */
    W_DT,      /* shmdt(addr)                     */
    W_RMID,    /* shmctl(id, IPC_RMID, NULL)      */
    W_STAT,    /* shmctl(id, IPC_STAT, &ds)       */
    W_FORK,    /* fork(); the child serves slot   */
    W_EXIT,    /* exit(0)                         */
    W_EXEC,    /* execv(self): traced again       */
    W_CLONE,   /* raw clone(SIGCHLD): as W_FORK, but no atfork handler runs */
    W_SETUID,  /* setgroups(0), setgid, setuid: to W_NOBODY for good */
};

#define W_NOBODY 65534 /* the uid and gid W_SETUID takes */

/* In the workers' environment: how many ftok calls each new image or
 * child makes before its hello, records that bring its journal near the
 * cap of a capped run (SHMC_TEST_JOURNAL_CAP); absent: none. */
#define W_FILL_ENV "SHMC_FUZZ_FILL"

/* In the workers' environment only when the fuzzer runs with
 * SHMC_FUZZ_ORPHAN_CLONES=0: a raw clone child makes one traced call
 * (ftok) before its hello, while its parent still lives and before it
 * can clone. Once the work-around of a tracer bug, now fixed:
 * shmc__adopt_clone (src/trace/start.c) adopted a raw clone child only
 * while getppid() was the pid its memory was copied from, so a raw clone
 * child whose first traced call came after its parent ended, and the raw
 * clone child of a raw clone child that had made no traced call yet, were
 * never traced. By default the children do not make that call, and the
 * oracle checks that they are adopted all the same. */
#define W_ADOPT_ENV "SHMC_FUZZ_CLONE_ADOPT"

struct w_cmd {
    int32_t op;
    int32_t key;
    int32_t flags; /* shmget: IPC_CREAT/IPC_EXCL  */
    int32_t slot;  /* fork, clone: the child's slot */
    int64_t size;
    int64_t arg; /* shmid, or address           */
};

struct w_reply {
    int64_t ret;   /* the call's result           */
    int32_t err;   /* errno when it failed        */
    int32_t pid;   /* who answered                */
    int64_t bogus; /* hello: an address never attached here */
};

/* Worker fds: slot s reads commands on W_FD + 2s, answers on W_FD + 2s + 1;
 * W_LIFE is held open by every worker so the driver sees EOF on it once
 * all of them (and every image they exec) have ended. */
#define W_FD 10
#define W_LIFE 9

#endif
