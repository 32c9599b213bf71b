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
};

struct w_cmd {
    int32_t op;
    int32_t key;
    int32_t flags; /* shmget: IPC_CREAT/IPC_EXCL  */
    int32_t slot;  /* fork: the child's slot      */
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
