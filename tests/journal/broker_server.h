/*
 * broker_server.h - a fake journal broker for the client's tests
 * (test_broker_client.c, test_writer_broker.c): a thread that listens on
 * an abstract socket of its own and answers each of `requests` requests
 * as it was told: the first reply_len bytes of the reply with nfds
 * descriptors, or a hang-up after reading the request, or a reset
 * (the request left unread). It keeps the last request it got. No
 * protocol check: it answers whatever it is sent.
 *
 * Defined here, static, because the Makefile links each journal test
 * with fixtures.c alone; include cmocka first. The real broker is
 * src/cli/broker.c, tested by tests/cli/test_broker.c.
 */
#ifndef SHMC_TESTS_JOURNAL_BROKER_SERVER_H
#define SHMC_TESTS_JOURNAL_BROKER_SERVER_H

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixtures.h" /* journal_setup, for both_setup */
#include "journal/broker.h"

enum fake_how { FAKE_REPLY, FAKE_HANG_UP, FAKE_RESET };

struct fake_broker {
    struct shmc_broker addr;
    int listen_fd;
    pthread_t thread;
    enum fake_how how;
    int requests; /* how many to answer per run */
    struct shmc_broker_reply reply;
    size_t reply_len;
    int nfds;
    int fds[2]; /* sent with the reply: a temporary file, /dev/null */
    struct shmc_broker_req got;
    ssize_t got_len;
};

/* Sends reply_len bytes of the reply and nfds descriptors. */
static void fake_send(struct fake_broker *fb, int conn)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(2 * sizeof(int))];
    } c;
    struct iovec iov = {&fb->reply, fb->reply_len};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

    memset(&c, 0, sizeof c);
    if (fb->nfds > 0) {
        m.msg_control = c.buf;
        m.msg_controllen = CMSG_SPACE(fb->nfds * sizeof(int));
        c.h.cmsg_level = SOL_SOCKET;
        c.h.cmsg_type = SCM_RIGHTS;
        c.h.cmsg_len = CMSG_LEN(fb->nfds * sizeof(int));
        memcpy(CMSG_DATA(&c.h), fb->fds, fb->nfds * sizeof(int));
    }
    (void)sendmsg(conn, &m, MSG_NOSIGNAL);
}

static void *fake_serve(void *arg)
{
    struct fake_broker *fb = arg;

    for (int i = 0; i < fb->requests; i++) {
        int conn = accept4(fb->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
            break;
        /* A reset needs the request still queued when we close. */
        fb->got_len = recv(conn, &fb->got, sizeof fb->got,
                           fb->how == FAKE_RESET ? MSG_PEEK : 0);
        if (fb->how == FAKE_REPLY)
            fake_send(fb, conn);
        close(conn);
    }
    return NULL;
}

/* Answers the next `requests` requests in a thread (fake_broker_wait). */
static void fake_broker_run(struct fake_broker *fb)
{
    memset(&fb->got, 0, sizeof fb->got);
    fb->got_len = -1;
    assert_int_equal(pthread_create(&fb->thread, NULL, fake_serve, fb), 0);
}

static void fake_broker_wait(struct fake_broker *fb)
{
    assert_int_equal(pthread_join(fb->thread, NULL), 0);
}

/* Whether a connection waits, unanswered, on the socket. */
static int fake_broker_pending(const struct fake_broker *fb)
{
    struct pollfd p = {fb->listen_fd, POLLIN, 0};

    return poll(&p, 1, 0) == 1;
}

static int fake_broker_setup(void **state)
{
    static int serial;
    struct fake_broker *fb = calloc(1, sizeof *fb);
    struct sockaddr_un a;
    char file[] = "/tmp/shmc-fake-broker-XXXXXX";

    if (fb == NULL)
        return -1;
    snprintf(fb->addr.name, sizeof fb->addr.name, "shmc-test-%d-%d",
             (int)getpid(), serial++);
    for (int i = 0; i < SHMC_BROKER_SECRET; i++)
        fb->addr.secret[i] = (uint8_t)(i * 17 + 1);
    unsigned len = shmc_broker_address(&fb->addr, &a);
    fb->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    fb->fds[0] = mkostemp(file, O_CLOEXEC);
    fb->fds[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fb->fds[0] >= 0)
        unlink(file);
    if (fb->listen_fd < 0 || fb->fds[0] < 0 || fb->fds[1] < 0 ||
        bind(fb->listen_fd, (struct sockaddr *)&a, len) != 0 ||
        listen(fb->listen_fd, 8) != 0)
        return -1;
    fb->how = FAKE_REPLY;
    fb->requests = 1;
    fb->reply_len = sizeof fb->reply;
    fb->nfds = 1;
    *state = fb;
    return 0;
}

static int fake_broker_teardown(void **state)
{
    struct fake_broker *fb = *state;

    close(fb->listen_fd);
    close(fb->fds[0]);
    close(fb->fds[1]);
    free(fb);
    return 0;
}

/* A writer's fixture (fixtures.h) and a fake broker together: for the
 * writer's tests through the broker (test_writer_broker.c,
 * test_cov3_ckpt_broker.c), as
 * setup/teardown. */
struct both {
    struct fx *fx;
    struct fake_broker *fb;
};

static inline int both_setup(void **state)
{
    static struct both b;
    void *fx, *fb;

    if (journal_setup(&fx) != 0 || fake_broker_setup(&fb) != 0)
        return -1;
    b.fx = fx;
    b.fb = fb;
    *state = &b;
    return 0;
}

static inline int both_teardown(void **state)
{
    struct both *b = *state;
    void *fx = b->fx, *fb = b->fb;

    return journal_teardown(&fx) | fake_broker_teardown(&fb);
}

#endif
