/*
 * broker.c - the client side of the journal broker (protocol: broker.h).
 * Async-signal-safe: no stdio, no malloc.
 */
#define _GNU_SOURCE
#include "broker.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

_Static_assert(SHMC_BROKER_NAME < sizeof(((struct sockaddr_un *)0)->sun_path),
               "an abstract name fits sun_path after its NUL");

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int shmc_broker_parse(const char *value, struct shmc_broker *b)
{
    size_t n = 0;

    memset(b, 0, sizeof *b);
    while (value[n] != '\0' && value[n] != ':') {
        if (n + 1 >= SHMC_BROKER_NAME || !name_char(value[n]))
            return -1;
        b->name[n] = value[n];
        n++;
    }
    if (n == 0 || value[n] != ':')
        return -1;
    const char *h = value + n + 1;
    for (size_t i = 0; i < SHMC_BROKER_SECRET; i++) {
        int hi = hex_value(h[2 * i]),
            lo = hi < 0 ? -1 : hex_value(h[2 * i + 1]);
        if (lo < 0)
            return -1;
        b->secret[i] = (uint8_t)(hi << 4 | lo);
    }
    return h[2 * SHMC_BROKER_SECRET] == '\0' ? 0 : -1;
}

void shmc_broker_format(const struct shmc_broker *b, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = strlen(b->name);

    memcpy(out, b->name, n);
    out[n++] = ':';
    for (size_t i = 0; i < SHMC_BROKER_SECRET; i++) {
        out[n++] = digits[b->secret[i] >> 4];
        out[n++] = digits[b->secret[i] & 15];
    }
    out[n] = '\0';
}

unsigned shmc_broker_address(const struct shmc_broker *b,
                             struct sockaddr_un *addr)
{
    size_t n = strlen(b->name);

    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path + 1, b->name, n); /* sun_path[0] = 0: abstract */
    return (unsigned)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Reads the reply and the descriptor that comes with it. */
static int receive(int s, uint32_t *image)
{
    struct shmc_broker_reply r;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    struct iovec iov = {&r, sizeof r};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    int fd = -1;

    m.msg_control = c.buf;
    m.msg_controllen = sizeof c.buf;
    ssize_t n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
    struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (h != NULL &&
        /* LCOV_EXCL_BR_START: an AF_UNIX socket without SO_PASSCRED or
         * SO_PASSSEC is given no other control message than SCM_RIGHTS */
        h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
        /* LCOV_EXCL_BR_STOP */
        /* The buffer has room for two (alignment): every descriptor that
         * came is ours to close unless exactly one did. */
        size_t nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfds; i++) {
            int got;
            memcpy(&got, CMSG_DATA(h) + i * sizeof got, sizeof got);
            if (nfds == 1)
                fd = got;
            else
                close(got);
        }
    }
    if (n != (ssize_t)sizeof r || r.err != 0 || fd < 0) {
        int err = n < 0 ? errno : n != (ssize_t)sizeof r ? EPROTO : r.err;
        if (fd >= 0)
            close(fd);
        errno = err > 0 ? err : EPROTO;
        return -1;
    }
    if (image != NULL)
        *image = r.image;
    return fd;
}

int shmc_broker_open(const struct shmc_broker *b, int op, int pid,
                     uint32_t *image)
{
    struct shmc_broker_req q;
    struct sockaddr_un addr;
    struct timeval wait = {5, 0}; /* a CLI that stopped answering */
    unsigned len = shmc_broker_address(b, &addr);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), fd = -1, err;

    if (s < 0)
        return -1;
    memset(&q, 0, sizeof q);
    memcpy(q.magic, SHMC_BROKER_MAGIC, sizeof q.magic);
    memcpy(q.secret, b->secret, sizeof q.secret);
    q.op = op;
    q.pid = pid;
    q.image = image != NULL ? *image : 0;
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) == 0 &&
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait) == 0 &&
        connect(s, (struct sockaddr *)&addr, len) == 0 &&
        send(s, &q, sizeof q, MSG_NOSIGNAL) == (ssize_t)sizeof q)
        fd = receive(s, image);
    err = errno;
    close(s);
    errno = err;
    return fd;
}
