/*
 * test_broker_refusals.c - the journal broker's server side (src/cli/
 * broker.c) against requests its own client never sends: short, with the
 * wrong magic, operation 0, a reserved field set, none at all (the peer
 * connects and says nothing), and from a peer whose pid the broker cannot
 * see (another PID namespace above it). Each gets an EPROTO or EPERM
 * reply and no descriptor, and nothing is created. Then the broker's
 * start when its socket, its pipe or its thread cannot be had.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "fixtures.h"
#include "journal/compiler.h"

/* A connection to the broker at a, made by a child of ours (the broker
 * serves its descendants only, not itself): the peer the broker sees is
 * that child, which stays until the test writes to or closes *hold. */
static int dial(const struct shmc_broker *a, pid_t *peer, int *hold)
{
    struct sockaddr_un addr;
    unsigned len = shmc_broker_address(a, &addr);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), p[2], q[2];
    char c = 0;

    assert_true(s >= 0);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    if ((*peer = fork()) == 0) {
        /* The socket is shared: connected here, it is connected there. */
        int ok = connect(s, (struct sockaddr *)&addr, len) == 0;
        close(p[1]);
        ok = ok && write(q[1], &c, 1) == 1 && read(p[0], &c, 1) >= 0;
        _exit(ok ? 0 : 1);
    }
    close(p[0]);
    close(q[1]);
    assert_int_equal(read(q[0], &c, 1), 1);
    close(q[0]);
    *hold = p[1];
    return s;
}

static void hang_up(pid_t peer, int hold)
{
    int status;

    close(hold);
    assert_int_equal(waitpid(peer, &status, 0), peer);
    assert_int_equal(status, 0);
}

/* Sends the first n bytes of q (nothing when n is 0), its pid set to the
 * peer's, and returns the error the reply carries; a descriptor comes
 * with it if and only if that is 0. */
static int ask_raw(const struct shmc_broker *a, struct shmc_broker_req q,
                   size_t n)
{
    struct shmc_broker_reply r;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    struct iovec iov = {&r, sizeof r};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = c.buf,
                       .msg_controllen = sizeof c.buf};
    pid_t peer;
    int hold, s = dial(a, &peer, &hold), fd;

    q.pid = (int32_t)peer;
    if (n > 0)
        assert_int_equal(send(s, &q, n, 0), (ssize_t)n);
    assert_int_equal(recvmsg(s, &m, MSG_CMSG_CLOEXEC), (ssize_t)sizeof r);
    close(s);
    hang_up(peer, hold);
    if (r.err != 0) {
        assert_int_equal(m.msg_controllen, 0);
        return r.err;
    }
    assert_non_null(CMSG_FIRSTHDR(&m));
    memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
    close(fd);
    return 0;
}

/* A well-formed CREATE request of ours. */
static struct shmc_broker_req request(const struct broker_fx *fx)
{
    struct shmc_broker_req q;

    memset(&q, 0, sizeof q);
    memcpy(q.magic, SHMC_BROKER_MAGIC, 8);
    memcpy(q.secret, fx->b.addr.secret, sizeof q.secret);
    q.op = SHMC_BROKER_CREATE;
    return q;
}

static void test_malformed(void **state)
{
    struct broker_fx *fx = *state;
    struct shmc_broker_req q = request(fx);

    /* The well-formed one works: what follows fails for its one flaw. */
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), 0);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 1);
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q - 1), EPROTO);
    q.magic[7] ^= 1;
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), EPROTO);
    q = request(fx);
    q.op = 0;
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), EPROTO);
    q.op = -1;
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), EPROTO);
    q = request(fx);
    q.reserved = 1;
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), EPROTO);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 1);
    assert_int_equal(atomic_load(&fx->b.refused), 5);
    assert_int_equal(atomic_load(&fx->b.served), 1);
}

/* A peer that connects and hangs up, and one that sends nothing: the
 * broker answers each without waiting for more. */
static void test_no_request(void **state)
{
    struct broker_fx *fx = *state;
    struct shmc_broker_req q = request(fx);
    pid_t peer;
    int hold, s = dial(&fx->b.addr, &peer, &hold);

    close(s);
    hang_up(peer, hold);
    /* The broker serves one at a time: this reply means it is done with
     * the one that hung up. */
    assert_int_equal(ask_raw(&fx->b.addr, q, sizeof q), 0);
    assert_int_equal(atomic_load(&fx->b.refused), 1);
    /* Silent: dropped after the broker's wait (about a second). */
    assert_int_equal(ask_raw(&fx->b.addr, q, 0), EPROTO);
    assert_int_equal(atomic_load(&fx->b.refused), 2);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 1);
}

/* Runs fn in a child; its exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int code = fn(arg);
        SHMC_COVERAGE_FLUSH(); /* _exit writes no coverage counters */
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* The broker, pid 1 of a new PID namespace, started in dir: it sends its
 * address on pipe to[1], waits for EOF on from[0], then sends how many
 * requests it refused. */
struct inner {
    const char *dir;
    int to[2], from[2];
};

static int inner_broker(void *arg)
{
    struct inner *in = arg;
    struct cli_broker b;
    char err[256], c;
    unsigned long n;

    if (cli_broker_start(&b, in->dir, NULL, err, sizeof err) != 0)
        return 70;
    if (write(in->to[1], &b.addr, sizeof b.addr) != (ssize_t)sizeof b.addr)
        return 71;
    if (read(in->from[0], &c, 1) != 0)
        return 72;
    cli_broker_stop(&b);
    n = atomic_load(&b.refused);
    return write(in->to[1], &n, sizeof n) == (ssize_t)sizeof n ? 0 : 73;
}

static int in_new_pidns(void *arg)
{
    struct inner *in = arg;

    /* Only the test may hold the write end of from: its EOF is the
     * signal. */
    close(in->to[0]);
    close(in->from[1]);
    if (unshare(CLONE_NEWPID) != 0)
        return 80; /* needs root: the test skips */
    return in_child(inner_broker, arg);
}

/* Our pid is nothing the broker can see: refused, whatever we claim. */
static void test_peer_without_pid(void **state)
{
    struct broker_fx *fx = *state;
    struct inner in = {fx->dir, {-1, -1}, {-1, -1}};
    struct shmc_broker a;
    unsigned long refused = 0;
    uint32_t image = 0;
    int status;

    assert_int_equal(pipe(in.to), 0);
    assert_int_equal(pipe(in.from), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int code = in_new_pidns(&in);
        SHMC_COVERAGE_FLUSH();
        _exit(code);
    }
    close(in.to[1]);
    close(in.from[0]);
    ssize_t n = read(in.to[0], &a, sizeof a);
    if (n == (ssize_t)sizeof a) {
        assert_int_equal(shmc_broker_open(&a, SHMC_BROKER_CREATE, 0, &image),
                         -1);
        assert_int_equal(errno, EPERM);
        assert_int_equal(
            shmc_broker_open(&a, SHMC_BROKER_CREATE, getpid(), &image), -1);
        assert_int_equal(errno, EPERM);
    }
    close(in.from[1]);
    if (n == (ssize_t)sizeof a)
        assert_int_equal(read(in.to[0], &refused, sizeof refused),
                         sizeof refused);
    close(in.to[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 80)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(refused, 2);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 0);
}

/* cli_broker_start with room for only `room` more descriptors. */
struct squeeze {
    const char *dir;
    int room;
    const char *want;
};

static int start_squeezed(void *arg)
{
    const struct squeeze *s = arg;
    struct rlimit rl = {3 + (rlim_t)s->room, 3 + (rlim_t)s->room};
    struct cli_broker b;
    char err[256];

    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 90;
    if (cli_broker_start(&b, s->dir, NULL, err, sizeof err) != -1)
        return 91;
    if (strstr(err, s->want) == NULL || strstr(err, strerror(EMFILE)) == NULL)
        return 92;
    /* Everything it had opened is closed again. */
    int fd = open("/", O_RDONLY | O_CLOEXEC);
    return fd == 3 ? 0 : 93;
}

static void test_start_without_descriptors(void **state)
{
    struct broker_fx *fx = *state;
    struct squeeze sock = {fx->dir, 1, "journal broker: socket: "};
    struct squeeze pipe = {fx->dir, 3, "journal broker: pipe: "};

    assert_int_equal(in_child(start_squeezed, &sock), 0);
    assert_int_equal(in_child(start_squeezed, &pipe), 0);
}

/* The address space this process has mapped, in bytes; 0 if unknown.
 * Read without stdio: nothing here may allocate. */
static rlim_t mapped(void)
{
    char buf[128] = "";
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    return n > 0 ? (rlim_t)strtoull(buf, NULL, 10) * (rlim_t)getpagesize() : 0;
}

/* No room for a thread's stack: the start fails and closes what it had
 * opened (its pipe too). Run before any thread of this program existed,
 * so that no stack a thread left is there to be reused. */
static int start_without_memory(void *arg)
{
    rlim_t used = mapped();
    struct rlimit rl = {used + (1u << 20), used + (1u << 20)};
    struct cli_broker b;
    char err[256];

    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    if (used == 0 || setrlimit(RLIMIT_AS, &rl) != 0)
        return 100;
    if (cli_broker_start(&b, arg, NULL, err, sizeof err) != -1)
        return 101;
    if (strncmp(err, "journal broker: thread: ", 24) != 0)
        return 102;
    int fd = open("/", O_RDONLY | O_CLOEXEC);
    return fd == 3 ? 0 : 103;
}

static void test_start_without_thread(void **state)
{
    char dir[64];

    (void)state;
    mk_dir(dir, sizeof dir);
    assert_int_equal(in_child(start_without_memory, dir), 0);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_without_thread),
        cmocka_unit_test_setup_teardown(test_malformed, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_no_request, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_peer_without_pid, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_start_without_descriptors,
                                        broker_setup, broker_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
