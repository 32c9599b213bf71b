/*
 * procsock.c - the process events' netlink socket (API: procsock.h).
 */
#define _GNU_SOURCE
#include "procsock.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RCVBUF (32 << 20) /* bytes: a shell loop forks thousands fast */

int cli_procsock_open(void)
{
    struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
    int size = RCVBUF, e;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

    if (fd < 0)
        return -1;
    /* Beyond rmem_max as root; else as much as rmem_max allows. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size))
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* In bytes: struct cn_msg ends in a flexible array (no member of a
 * struct in C). */
int cli_procsock_send(int fd, uint32_t ack, int listen)
{
    uint32_t word = listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
    struct nlmsghdr h = {.nlmsg_len =
                             NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof word),
                         .nlmsg_type = NLMSG_DONE,
                         .nlmsg_pid = (uint32_t)getpid()};
    struct cn_msg cn = {
        .id = {CN_IDX_PROC, CN_VAL_PROC}, .ack = ack, .len = sizeof word};
    _Alignas(struct nlmsghdr) unsigned char
        m[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(uint32_t))];

    memset(m, 0, sizeof m);
    memcpy(m, &h, sizeof h);
    memcpy(NLMSG_DATA(m), &cn, sizeof cn);
    memcpy((unsigned char *)NLMSG_DATA(m) + sizeof cn, &word, sizeof word);
    return send(fd, m, h.nlmsg_len, 0) == (ssize_t)h.nlmsg_len ? 0 : -1;
}

int cli_procsock_recv(int fd, union cli_procsock_buf *b,
                      const struct cn_msg **cn, int *overflow)
{
    struct sockaddr_nl from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, b->buf, sizeof b->buf, MSG_DONTWAIT,
                         (struct sockaddr *)&from, &flen);

    *overflow = 0;
    /* LCOV_EXCL_BR_START: ENOBUFS (the kernel dropped events), others
     * never; the kernel (port 0) sends one good message a datagram. */
    if (n < 0 && errno == ENOBUFS) {
        *overflow = 1; /* LCOV_EXCL_LINE */
        return 0;      /* LCOV_EXCL_LINE */
    }
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? -1 : -2;
    *cn = NLMSG_DATA(&b->h);
    return from.nl_pid == 0 && NLMSG_OK(&b->h, (size_t)n) &&
           b->h.nlmsg_type == NLMSG_DONE &&
           b->h.nlmsg_len >= NLMSG_LENGTH(sizeof **cn) &&
           (*cn)->len <= b->h.nlmsg_len - NLMSG_LENGTH(sizeof **cn) &&
           (*cn)->id.idx == CN_IDX_PROC && (*cn)->id.val == CN_VAL_PROC;
    /* LCOV_EXCL_BR_STOP */
}

int cli_procsock_describe(char *err, size_t errlen, const char *what, int e)
{
    const char *why = NULL;

    /* LCOV_EXCL_BR_START: EACCES (an LSM), EAFNOSUPPORT (no netlink) */
    e = e == EACCES ? EPERM : e;
    if (e == EAFNOSUPPORT || e == ECONNREFUSED) /* no kernel socket */
        e = EPROTONOSUPPORT;
    /* LCOV_EXCL_BR_STOP */
    if (e == EPERM)
        why = "need root (CAP_NET_ADMIN)";
    else if (e == EPROTONOSUPPORT)
        why = "unavailable: no netlink connector here (kernel without "
              "CONFIG_PROC_EVENTS, or not the initial network namespace)";
    else if (e == ETIMEDOUT)
        why = "unavailable: the kernel did not answer (not in the initial "
              "PID and user namespaces?)";
    if (why != NULL)
        snprintf(err, errlen, "process events %s", why);
    else
        snprintf(err, errlen, "process events: %s: %s", what, strerror(e));
    return e;
}
