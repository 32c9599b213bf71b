/*
 * broker.c - the CLI's journal broker (API: broker.h; protocol and trust:
 * journal/broker.h). One thread, one request at a time: each is a few
 * system calls, and a peer that connects and sends nothing is dropped
 * after a short wait, so it can only delay the others by that much.
 */
#define _GNU_SOURCE
#include "broker.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal/jfile.h"
#include "journal/procstat.h"
#include "journal/reader.h" /* SHMC_MESSAGES_SUFFIX */

#define REQUEST_WAIT_MS 1000 /* from connect to the request            */

int cli_broker_in_tree(pid_t pid, pid_t root)
{
    return shmc_proc_descends((int)pid, (int)root);
}

/* Constant time: how long a wrong secret takes says nothing of it. */
static int same_secret(const uint8_t *a, const uint8_t *b)
{
    uint8_t diff = 0;

    for (size_t i = 0; i < SHMC_BROKER_SECRET; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

/* Whether q may be served to the peer on conn; errno-style reason. */
static int judge(const struct cli_broker *b, int conn,
                 const struct shmc_broker_req *q, ssize_t n)
{
    struct ucred cr;
    socklen_t len = sizeof cr;

    if (n != (ssize_t)sizeof *q ||
        memcmp(q->magic, SHMC_BROKER_MAGIC, 8) != 0 || q->op <= 0 ||
        q->op >= SHMC_BROKER_OP_MAX || q->reserved != 0)
        return EPROTO;
    if (!same_secret(q->secret, b->addr.secret))
        return EPERM;
    /* LCOV_EXCL_BR_START: SO_PEERCRED of a connected socket does not fail */
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
        /* LCOV_EXCL_BR_STOP */
        cr.pid <= 0 || cr.pid != q->pid || !cli_broker_in_tree(cr.pid, b->root))
        return EPERM;
    return 0;
}

/* Whether fd, an open descriptor, is a regular file. */
static int regular(int fd)
{
    struct stat st;

    if (fstat(fd, &st) != 0) /* LCOV_EXCL_BR_LINE: not on an open fd */
        return 0;            /* LCOV_EXCL_LINE */
    return S_ISREG(st.st_mode);
}

/* A checkpoint of q's journal (docs/journal-format.md, "Checkpoints"):
 * its .ckpt made (CKPT), or renamed over the journal (CKPT_DONE); the fd
 * of the file made or of the journal now, or -1 with errno. Names are
 * built from the peer's pid, as for the others. */
static int checkpoint_for(const struct cli_broker *b,
                          const struct shmc_broker_req *q)
{
    char name[64], ckpt[80];
    const int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int fd;

    /* LCOV_EXCL_BR_START: a pid and a u32 always fit */
    if (shmc_jfile_path(name, NULL, q->pid, q->image) != 0)
        return -1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    snprintf(ckpt, sizeof ckpt, "%s%s", name, SHMC_JCKPT_SUFFIX);
    if (q->op == SHMC_BROKER_CKPT_DONE)
        return renameat(b->dir_fd, ckpt, b->dir_fd, name) == 0
                   ? openat(b->dir_fd, name, flags)
                   : -1;
    (void)unlinkat(b->dir_fd, ckpt, 0); /* a stale one: the process died */
    fd = openat(b->dir_fd, ckpt, flags | O_CREAT | O_EXCL, 0600);
    if (fd >= 0 && fchmod(fd, 0600) != 0) { /* LCOV_EXCL_BR_LINE */
        close(fd);                          /* LCOV_EXCL_LINE */
        return -1;                          /* LCOV_EXCL_LINE */
    }
    return fd;
}

/* Opens what q asks for; the fd, or -1 with errno. */
static int open_for(const struct cli_broker *b, const struct shmc_broker_req *q,
                    uint32_t *image)
{
    char name[64];
    int fd;

    switch (q->op) {
    case SHMC_BROKER_CREATE:
        return shmc_jfile_create_at(b->dir_fd, q->pid, image);
    case SHMC_BROKER_CKPT:
    case SHMC_BROKER_CKPT_DONE:
        fd = checkpoint_for(b, q);
        break;
    case SHMC_BROKER_REOPEN:
        /* LCOV_EXCL_BR_START: a pid and a u32 always fit */
        if (shmc_jfile_path(name, NULL, q->pid, q->image) != 0)
            return -1; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
        fd = openat(b->dir_fd, name,
                    O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        break;
    default:
        snprintf(name, sizeof name, "%d" SHMC_MESSAGES_SUFFIX, (int)q->pid);
        fd = openat(b->dir_fd, name,
                    O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
                        O_CLOEXEC,
                    0600);
        break;
    }
    if (fd >= 0 && !regular(fd)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

static void reply(int conn, int err, uint32_t image, int fd)
{
    struct shmc_broker_reply r = {err, image};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    struct iovec iov = {&r, sizeof r};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

    memset(&c, 0, sizeof c);
    if (fd >= 0) {
        m.msg_control = c.buf;
        m.msg_controllen = sizeof c.buf;
        /* LCOV_EXCL_BR_START: CMSG_FIRSTHDR checks the buffer's size */
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        /* LCOV_EXCL_BR_STOP */
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof fd);
    }
    /* A peer gone meanwhile is no concern of ours. */
    (void)sendmsg(conn, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void serve(struct cli_broker *b, int conn)
{
    struct shmc_broker_req q;
    struct pollfd p = {conn, POLLIN, 0};
    uint32_t image = 0;
    ssize_t n = -1;
    int fd = -1, err;

    if (poll(&p, 1, REQUEST_WAIT_MS) == 1)
        n = recv(conn, &q, sizeof q, MSG_DONTWAIT);
    err = judge(b, conn, &q, n);
    if (err == 0 && (fd = open_for(b, &q, &image)) < 0)
        err = errno;
    atomic_fetch_add(err == EPERM || err == EPROTO ? &b->refused : &b->served,
                     1);
    reply(conn, err, image, fd);
    if (fd >= 0)
        close(fd);
}

static void *loop(void *arg)
{
    struct cli_broker *b = arg;
    struct pollfd p[2] = {{b->listen_fd, POLLIN, 0}, {b->stop[0], POLLIN, 0}};

    for (;;) {
        /* LCOV_EXCL_BR_START: EINTR (our signals are blocked in this
         * thread only by chance), a peer gone before accept, EMFILE */
        if (poll(p, 2, -1) < 0)
            continue; /* LCOV_EXCL_LINE */
        if (p[1].revents != 0)
            return NULL;
        int conn = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
            continue; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
        serve(b, conn);
        close(conn);
    }
}

/* A fresh abstract name and secret: 128 random bits each. */
static int make_address(struct shmc_broker *a)
{
    uint8_t r[16];
    char *p;

    /* LCOV_EXCL_BR_START: getrandom fails only before the pool is ready
     * (early boot) or under seccomp */
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r ||
        getrandom(a->secret, sizeof a->secret, 0) != (ssize_t)sizeof a->secret)
        return -1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    p = a->name + snprintf(a->name, sizeof a->name, "shmcheck-");
    for (size_t i = 0; i < sizeof r; i++)
        p += snprintf(p, 3, "%02x", r[i]);
    return 0;
}

static int listen_on(struct cli_broker *b)
{
    struct sockaddr_un addr;
    unsigned len = shmc_broker_address(&b->addr, &addr);

    b->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    /* LCOV_EXCL_BR_START: binding a fresh random abstract name, and
     * listening, do not fail (the socket's failure is tested) */
    return b->listen_fd >= 0 &&
                   bind(b->listen_fd, (struct sockaddr *)&addr, len) == 0 &&
                   listen(b->listen_fd, SOMAXCONN) == 0
               ? 0
               : -1;
    /* LCOV_EXCL_BR_STOP */
}

int cli_broker_start(struct cli_broker *b, const char *log_dir,
                     const struct shmc_jdir_pin *pin, char *err, size_t errlen)
{
    char text[SHMC_BROKER_TEXT];
    const char *what = "log directory";

    memset(b, 0, sizeof *b);
    b->listen_fd = b->stop[0] = b->stop[1] = -1;
    b->root = getpid();
    b->dir_fd = shmc_jdir_open(log_dir, pin);
    /* LCOV_EXCL_BR_START: only getrandom fails make_address (see there),
     * and gcc counts that branch on either line; an unopenable
     * log directory is tested (test_broker) */
    if (b->dir_fd >= 0 && (what = "random", make_address(&b->addr)) == 0 &&
        /* LCOV_EXCL_BR_STOP */
        (what = "socket", listen_on(b)) == 0 &&
        (what = "pipe", pipe2(b->stop, O_CLOEXEC)) == 0 &&
        (what = "thread", errno = cli_thread_start(&b->thread, loop, b)) == 0) {
        shmc_broker_format(&b->addr, text);
        snprintf(b->env, sizeof b->env, "%s=%s", SHMC_BROKER_ENV, text);
        return 0;
    }
    snprintf(err, errlen, "journal broker: %s: %s", what, strerror(errno));
    if (b->stop[0] >= 0) {
        close(b->stop[0]);
        close(b->stop[1]);
    }
    b->stop[0] = b->stop[1] = -1;
    cli_broker_stop(b);
    return -1;
}

void cli_broker_stop(struct cli_broker *b)
{
    if (b->stop[1] >= 0) {
        char c = 0;
        if (write(b->stop[1], &c, 1) == 1) /* LCOV_EXCL_BR_LINE: empty pipe */
            pthread_join(b->thread, NULL);
        close(b->stop[0]);
        close(b->stop[1]);
    }
    if (b->listen_fd >= 0)
        close(b->listen_fd);
    if (b->dir_fd >= 0)
        close(b->dir_fd);
    b->stop[0] = b->stop[1] = b->listen_fd = b->dir_fd = -1;
}
