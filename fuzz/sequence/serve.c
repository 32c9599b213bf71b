/*
 * serve.c - runs fuzz_sequence's requests (protocol.h) in one process: the
 * library call or raw call asked for, on that process's own records.
 * Linked into fuzz_sequence, where process 0 runs them in place, and into
 * sequence_worker, the plain program processes 1..3 run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol.h"

/* The harness's plumbing is left out of libFuzzer's coverage (clang), as
 * in fuzz_sequence.c: the library and the model give the feedback. */
#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
                             apply_to = function)
#endif

/* Detaches every mapping the process has: each one is the address of
 * one of its records (addresses of dead records fail harmlessly). */
static void drop(struct pstate *ps, int forget)
{
    for (int i = 0; i < ps->n; i++) {
        (void)shmdt(ps->addr[i]);
        memset(&ps->att[i], 0, sizeof ps->att[i]);
    }
    if (forget)
        ps->n = 0;
}

/* A new record: the handle (zeroed for a raw shmat) and the address. */
static int add_record(struct pstate *ps, const struct shmc_attachment *a,
                      void *addr)
{
    ps->att[ps->n] = *a;
    ps->addr[ps->n] = addr;
    return ps->n++;
}

/* A library call (R_LIB_*) on ps's records; r is zeroed. */
static void run_lib_call(struct pstate *ps, const struct req *q, struct rep *r)
{
    struct shmc_attachment a = {0};
    struct shmc_seginfo info;
    int removed = -1;

    switch (q->kind) {
    case R_LIB_CREATE:
        r->err = shmc_segment_create(q->key, q->size, 0600, &r->seg);
        break;
    case R_LIB_CREATE_OR_OPEN:
        r->err = shmc_segment_create_or_open(q->key, q->size, 0600, &r->seg);
        r->size = r->seg.size;
        break;
    case R_LIB_OPEN:
        r->err = shmc_segment_open(q->key, q->size, 0, &r->seg);
        r->size = r->seg.size;
        break;
    case R_LIB_ATTACH:
        if ((r->err = shmc_attach(&q->seg, NULL, 0, &a)) == SHMC_OK)
            r->addr = (uintptr_t)ps->addr[add_record(ps, &a, a.addr)];
        break;
    case R_LIB_DETACH:
        r->err = shmc_detach(&ps->att[q->arg]);
        break;
    case R_LIB_RELEASE:
        r->err = shmc_release(&ps->att[q->arg], &removed);
        r->removed = removed;
        break;
    case R_LIB_STAT:
        if ((r->err = shmc_segment_stat(&q->seg, &info)) == SHMC_OK) {
            r->size = info.size;
            r->nattch = info.nattch;
            r->marked = info.marked_for_removal;
            r->cpid = info.creator_pid;
        }
        break;
    default: /* R_LIB_REMOVE */
        r->err = shmc_segment_remove(&q->seg);
        break;
    }
}

/* A raw call (R_RAW_*) on ps's records, or the detaching of all of them
 * (R_END, R_DROP, R_RESET); r is zeroed. r->err is nonzero when the raw
 * call failed. */
static void run_raw_call(struct pstate *ps, const struct req *q, struct rep *r)
{
    struct shmc_attachment a = {0};
    struct shmid_ds ds;
    int rc;

    switch (q->kind) {
    case R_RAW_GET:
        r->err = (r->seg.id = shmget(q->key, q->size, q->flags)) < 0;
        break;
    case R_RAW_AT:
        r->addr = (uintptr_t)shmat(q->seg.id, NULL, 0);
        if (!(r->err = r->addr == (uintptr_t)-1))
            add_record(ps, &a, (void *)(uintptr_t)r->addr);
        break;
    case R_RAW_DT:
        r->err = shmdt(ps->addr[q->arg]) != 0;
        break;
    case R_RAW_STAT:
        if (!(r->err = shmctl(q->seg.id, IPC_STAT, &ds) != 0)) {
            r->size = ds.shm_segsz;
            r->nattch = ds.shm_nattch;
            r->marked = (ds.shm_perm.mode & SHM_DEST) != 0;
            r->cpid = ds.shm_cpid;
        }
        break;
    case R_RAW_RMID:
        rc = shmctl(q->seg.id, IPC_RMID, NULL);
        r->err = rc != 0;
        break;
    default:
        drop(ps, q->kind != R_DROP);
    }
}

/* Makes the call q asks for on ps's records; r is zeroed. A library call
 * leaves its enum shmc_err in r->err, a raw call -1 when it failed. */
static void run_call(struct pstate *ps, const struct req *q, struct rep *r)
{
    if (q->kind >= R_LIB_CREATE && q->kind <= R_LIB_REMOVE)
        run_lib_call(ps, q, r);
    else
        run_raw_call(ps, q, r);
    r->err = r->err ? (q->kind < R_RAW_GET ? r->err : -1) : 0;
}

/* Runs q on ps into r (protocol.h). */
void run_req(struct pstate *ps, const struct req *q, struct rep *r)
{
    int needs_rec = q->kind == R_LIB_DETACH || q->kind == R_LIB_RELEASE ||
                    q->kind == R_RAW_DT;
    int adds_rec = q->kind == R_LIB_ATTACH || q->kind == R_RAW_AT;

    memset(r, 0, sizeof *r);
    r->seq = q->seq;
    if ((needs_rec && (q->arg < 0 || q->arg >= ps->n)) ||
        (adds_rec && ps->n == MODEL_ATTS)) {
        r->err = BAD_REQUEST;
    } else {
        errno = 0;
        run_call(ps, q, r);
        r->err_no = r->err ? errno : 0;
    }
    r->natt = ps->n;
}

/* A fork request: the child goes on serving fork_fd[k] and returns 1;
 * the parent fills r with the child's pid and returns 0. */
static int fork_req(const struct pstate *ps, const struct req *q, struct rep *r)
{
    pid_t pid;

    memset(r, 0, sizeof *r);
    r->seq = q->seq;
    if (q->arg < 1 || q->arg >= MODEL_PROCS) {
        r->err = BAD_REQUEST;
    } else if ((pid = fork()) == 0) {
        return 1;
    } else {
        r->pid = pid;
        r->err = pid < 0 ? -1 : 0;
        r->err_no = pid < 0 ? errno : 0;
    }
    r->natt = ps->n;
    return 0;
}

void serve(struct pstate *ps, int fd, const int fork_fd[MODEL_PROCS])
{
    struct req q;
    struct rep r;
    ssize_t n;

    signal(SIGCHLD, SIG_IGN); /* forked children reap themselves */
    for (;;) {
        while ((n = recv(fd, &q, sizeof q, 0)) < 0 && errno == EINTR)
            ;
        if (n != (ssize_t)sizeof q || q.kind == R_EXIT)
            _exit(0);
        if (q.kind != R_FORK) {
            run_req(ps, &q, &r);
        } else if (fork_req(ps, &q, &r)) {
            fd = fork_fd[q.arg];
            continue;
        }
        if (send(fd, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r ||
            q.kind == R_END)
            _exit(0);
    }
}

#ifdef __clang__
#pragma clang attribute pop
#endif
