/*
 * test_broker_client.c - the journal broker's client (src/journal/
 * broker.c) against a fake broker: a thread of this test that listens on
 * an abstract socket of its own and answers one request with a reply it
 * was told to send. A well-formed reply gives its descriptor and image;
 * a refusal gives its errno; a reply that is short, has no descriptor or
 * two of them, a nonsense errno, a broker that hangs up or resets the
 * connection all give -1 with EPROTO (or the reset's errno), never a
 * descriptor. Out of descriptors, or refused its timeouts (a seccomp
 * filter in a child), the client fails before it connects; a request it
 * cannot send is its errno.
 * The names the address text accepts are checked character by character.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker_server.h"
#include "fixtures.h"
#include "journal/broker.h"

#define NO_FILTER 77 /* a child's exit status: no seccomp filter here */

/* One request, answered as fb says; errno as the client left it. */
static int ask(struct fake_broker *fb, int op, uint32_t *image)
{
    fake_broker_run(fb);
    int fd = shmc_broker_open(&fb->addr, op, getpid(), image);
    int err = errno;
    fake_broker_wait(fb);
    errno = err;
    return fd;
}

static void test_descriptor_and_image(void **state)
{
    struct fake_broker *fb = *state;
    uint32_t image = 5;
    struct stat a, b;

    fb->reply.image = 12;
    int fd = ask(fb, SHMC_BROKER_REOPEN, &image);
    assert_true(fd >= 0);
    assert_int_equal(image, 12);
    /* The very file the broker sent, close-on-exec. */
    assert_int_equal(fstat(fd, &a), 0);
    assert_int_equal(fstat(fb->fds[0], &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    /* The request: magic, secret, op, pid, the image asked for. */
    assert_int_equal(fb->got_len, sizeof fb->got);
    assert_memory_equal(fb->got.magic, SHMC_BROKER_MAGIC, 8);
    assert_memory_equal(fb->got.secret, fb->addr.secret, SHMC_BROKER_SECRET);
    assert_int_equal(fb->got.op, SHMC_BROKER_REOPEN);
    assert_int_equal(fb->got.pid, getpid());
    assert_int_equal(fb->got.image, 5);
    assert_int_equal(fb->got.reserved, 0);
    /* Without image: nothing asked for (0), nothing to set. */
    assert_true((fd = ask(fb, SHMC_BROKER_MESSAGES, NULL)) >= 0);
    close(fd);
    assert_int_equal(fb->got.image, 0);
}

/* Whether no descriptor from first to first + 3 is open. */
static int none_open_from(int first)
{
    for (int fd = first; fd < first + 4; fd++)
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            return 0;
    return 1;
}

static void test_refusal_closes_its_descriptor(void **state)
{
    struct fake_broker *fb = *state;
    uint32_t image = 0;
    int first = dup(0);

    /* A refusal is its errno, with or without a descriptor; one that came
     * with it is closed, as is the socket: nothing from the lowest free
     * descriptor on is left open. */
    assert_true(first >= 0);
    close(first);
    fb->reply.err = EACCES;
    assert_int_equal(ask(fb, SHMC_BROKER_CREATE, &image), -1);
    assert_int_equal(errno, EACCES);
    assert_true(none_open_from(first));
    fb->nfds = 0;
    fb->reply.err = ENOENT;
    assert_int_equal(ask(fb, SHMC_BROKER_CREATE, &image), -1);
    assert_int_equal(errno, ENOENT);
    assert_true(none_open_from(first));
    assert_int_equal(image, 0); /* untouched */
}

/* Our descriptors that are not sockets (the fake broker's connection
 * comes and goes on its own thread): the files it hands over. */
static int open_files(void)
{
    char path[64], link[64];
    int n = 0;

    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, link, sizeof link - 1);
        n += len > 0 && strncmp(link, "socket:", 7) != 0;
    }
    return n;
}

/* EPROTO, the image untouched, and no descriptor of the reply kept. */
static void expect_eproto(struct fake_broker *fb)
{
    uint32_t image = 3;
    int before = open_files();

    assert_int_equal(ask(fb, SHMC_BROKER_CREATE, &image), -1);
    assert_int_equal(errno, EPROTO);
    assert_int_equal(image, 3);
    assert_int_equal(open_files(), before);
}

static void test_malformed_replies(void **state)
{
    struct fake_broker *fb = *state;

    fb->reply_len = 4; /* short, with a descriptor */
    expect_eproto(fb);
    fb->reply_len = sizeof fb->reply;
    fb->nfds = 0; /* success without a descriptor */
    expect_eproto(fb);
    fb->nfds = 2; /* two descriptors where one is expected */
    expect_eproto(fb);
    fb->nfds = 1;
    fb->reply.err = -3; /* not an errno */
    expect_eproto(fb);
}

static void test_broker_hangs_up(void **state)
{
    struct fake_broker *fb = *state;

    fb->how = FAKE_HANG_UP; /* reads the request, answers nothing */
    expect_eproto(fb);
    assert_int_equal(fb->got_len, sizeof fb->got);
    fb->how = FAKE_RESET; /* leaves the request unread */
    uint32_t image = 3;
    assert_int_equal(ask(fb, SHMC_BROKER_CREATE, &image), -1);
    assert_int_equal(errno, ECONNRESET);
}

static void test_out_of_descriptors(void **state)
{
    struct fake_broker *fb = *state;
    struct rlimit old, low;
    uint32_t image = 0;
    int next = dup(0);

    /* The next descriptor would be past the limit: socket fails. */
    assert_true(next >= 0);
    close(next);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)next;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fd = shmc_broker_open(&fb->addr, SHMC_BROKER_CREATE, getpid(), &image);
    int err = errno;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(fd, -1);
    assert_int_equal(err, EMFILE);
    assert_false(fake_broker_pending(fb)); /* it never connected */
}

/* In a child: the client with system call nr refused (argument arg being
 * value) fails with that errno. */
static void expect_refused(struct fake_broker *fb, int nr, int arg,
                           uint32_t value, int err)
{
    pid_t pid = fork();

    if (pid == 0) {
        uint32_t image = 0;
        if (refuse_syscall(nr, arg, value, err) != 0)
            child_exit(NO_FILTER);
        int fd = shmc_broker_open(&fb->addr, SHMC_BROKER_CREATE, 1, &image);
        child_exit(fd == -1 && errno == err ? 0 : 1);
    }
    int how = reap(pid);
    if (how == NO_FILTER)
        skip();
    assert_int_equal(how, 0);
}

static void test_calls_refused(void **state)
{
    struct fake_broker *fb = *state;

    /* Without its timeouts, it could wait for ever on a broker that
     * stopped answering: it does not even connect. */
    expect_refused(fb, SYS_setsockopt, 2, SO_RCVTIMEO, ENOBUFS);
    assert_false(fake_broker_pending(fb));
    expect_refused(fb, SYS_setsockopt, 2, SO_SNDTIMEO, ENOBUFS);
    assert_false(fake_broker_pending(fb));
    /* Connected, the request not sent. */
    expect_refused(fb, SYS_sendto, 3, MSG_NOSIGNAL, EPIPE);
    assert_true(fake_broker_pending(fb));
}

static void test_name_characters(void **state)
{
    static const char hex[] = ":00112233445566778899aabbccddeeff";
    struct shmc_broker b;
    char text[SHMC_BROKER_TEXT];

    (void)state;
    /* Letters of both cases, digits and . _ - are a name's. */
    assert_int_equal(shmc_broker_parse("azAZ09._-:00112233445566778899aabb"
                                       "ccddeeff",
                                       &b),
                     0);
    assert_string_equal(b.name, "azAZ09._-");
    shmc_broker_format(&b, text);
    assert_string_equal(text, "azAZ09._-:00112233445566778899aabbccddeeff");
    /* Each neighbour of those ranges is not: below and past each. */
    const char *bad = "`{@[/;,+ ~\x7f\x80";
    for (const char *c = bad; *c != '\0'; c++) {
        char value[64] = "ab";
        value[2] = *c;
        memcpy(value + 3, hex, sizeof hex);
        assert_int_equal(shmc_broker_parse(value, &b), -1);
    }
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, fake_broker_setup, fake_broker_teardown)
    const struct CMUnitTest tests[] = {
        T(test_descriptor_and_image),
        T(test_refusal_closes_its_descriptor),
        T(test_malformed_replies),
        T(test_broker_hangs_up),
        T(test_out_of_descriptors),
        T(test_calls_refused),
        cmocka_unit_test(test_name_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
