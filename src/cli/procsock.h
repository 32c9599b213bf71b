/*
 * procsock.h - the netlink connector's socket for the kernel's process
 * events (linux/cn_proc.h): opening it, the subscription's messages, one
 * datagram read and checked, and why it could not be had. What the
 * events mean for the tree is procevents.c's.
 */
#ifndef SHMC_CLI_PROCSOCK_H
#define SHMC_CLI_PROCSOCK_H

#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

/* The socket, close-on-exec, its receive buffer as large as we may (past
 * rmem_max as root), bound to the process events' group: the descriptor,
 * or -1 with errno (the descriptor, if made, closed). */
int cli_procsock_open(void);

/* Sends PROC_CN_MCAST_LISTEN (listen 1) or _IGNORE (0) with our ack
 * number; 0, or -1 with errno. */
int cli_procsock_send(int fd, uint32_t ack, int listen);

/* Room for one datagram of the connector, aligned for its header. */
union cli_procsock_buf {
    struct nlmsghdr h;
    char buf[1024]; /* one message, with room to spare */
};

/* Reads one datagram into b without waiting: 1 and *cn its message when
 * it is the kernel's and well formed, 0 for one that is not (or, with
 * *overflow set, when the kernel dropped events: ENOBUFS), -1 when
 * nothing is queued, -2 on a hard error (errno). */
int cli_procsock_recv(int fd, union cli_procsock_buf *b,
                      const struct cn_msg **cn, int *overflow);

/* Why the events cannot be had after `what` failed with e, into err
 * (errlen bytes); returns the errno procevents.h promises for it: EPERM,
 * EPROTONOSUPPORT, ETIMEDOUT or e itself. */
int cli_procsock_describe(char *err, size_t errlen, const char *what, int e);

#endif
