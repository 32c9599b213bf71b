/*
 * procevents.h - the kernel's process events (the netlink connector,
 * linux/cn_proc.h) for the CLI: a thread that learns every process that
 * starts in the tree, even one that never loads the tracer (a static
 * binary) and that its own parent reaps, with its parent, its name at its
 * last exec (read from /proc then, best effort: one reaped before the
 * thread reads keeps its name from before) and its wait status.
 *
 * The tree: a process joins it when its parent (the thread group, so a
 * thread of a tree process counts) is the root or already in it when it
 * forks; threads are not processes. A pid that ends and comes back through
 * a new fork in the tree is a new entry: the list is in the order of the
 * forks. Needs CAP_NET_ADMIN in the initial user and PID namespaces (the
 * kernel reports global pids and answers nobody else).
 *
 * Contract: between start and stop only the thread touches the struct (it
 * appends entries and fills in the status and name of what it appended);
 * the caller reads the list and the lost count only after
 * cli_procevents_stop returned (its pthread_join orders the two).
 */
#ifndef SHMC_CLI_PROCEVENTS_H
#define SHMC_CLI_PROCEVENTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "inputs.h"
#include "journal/table.h"

struct cli_procevents {
    int fd;                   /* the netlink socket; -1 when closed      */
    int stop[2];              /* a pipe: a byte makes the thread end     */
    int root;                 /* the tree's root (a tgid), never listed  */
    int running;              /* the thread runs, not joined yet         */
    pthread_t thread;         /* reads fd until stop                     */
    struct cli_seen *seen;    /* n entries in the order of the forks     */
    size_t n, cap;            /* (cap: room for that many)               */
    struct shmc_table by_pid; /* pid -> long: its last entry; -1 when the
                                 pid went to a process outside the tree */
    size_t alive;             /* entries not seen ending                 */
    int lost;                 /* overflows (ENOBUFS), no memory          */
    unsigned long datagrams;  /* read so far, ours or not                */
    unsigned long holds;      /* times a busy system's events gathered   */
    uint32_t ack;             /* ours: the kernel answers with ack + 1   */
};

/* Subscribes and starts the thread; call it BEFORE forking the tree, with
 * root_pid our own pid. 0, or -1 with a human reason in err and errno:
 * EPERM not privileged (no CAP_NET_ADMIN), EPROTONOSUPPORT no connector
 * here (kernel without CONFIG_PROC_EVENTS, or another network namespace),
 * ETIMEDOUT the kernel did not answer (another PID or user namespace),
 * otherwise the failing call's. */
int cli_procevents_start(struct cli_procevents *pe, int root_pid, char *err,
                         size_t errlen);

/* After the tree ended (all reaped): reads what is still queued, until
 * every known process was seen ending or nothing relevant came for a short
 * while (at most ~200 ms), unsubscribes and stops the thread. Idempotent.
 * The kernel queues a process's events from the process itself, FORK
 * before the child runs, EXIT before it can be reaped: once the tree
 * ended, all it did is queued, in causal order. */
void cli_procevents_stop(struct cli_procevents *pe);

/* Every process seen starting in the tree, the root excluded, in fork
 * order; *n their count. Only after stop. */
static inline const struct cli_seen *
cli_procevents_list(const struct cli_procevents *pe, size_t *n)
{
    *n = pe->n;
    return pe->seen;
}

/* Nonzero when events were lost (the socket overflowed, or no memory for
 * an entry): the list may then be incomplete. Only after stop. */
static inline int cli_procevents_lost(const struct cli_procevents *pe)
{
    return pe->lost;
}

/* Stops if needed and frees the list; after start, whether it worked. */
void cli_procevents_free(struct cli_procevents *pe);

#endif
