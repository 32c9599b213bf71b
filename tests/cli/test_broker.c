/*
 * test_broker.c - the journal broker (src/cli/broker.c, client
 * src/journal/broker.c): a descendant that knows the secret gets its own
 * files, created and reopened in the log directory, whatever its
 * credentials; a wrong secret, another pid's file, a malformed request and
 * a process outside the tree get nothing. The address text round-trips
 * and malformed texts are refused.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "fixtures.h"
#include "journal/compiler.h"
#include "journal/reader.h"
#include "journal/writer.h"

/* Runs fn in a child (a descendant of the broker); its exit status. */
static int in_child(int (*fn)(struct broker_fx *), struct broker_fx *fx)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int code = fn(fx);
        SHMC_COVERAGE_FLUSH(); /* _exit writes no coverage counters */
        _exit(code);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* As nobody when we are root: credentials do not matter. */
static int create_reopen_messages(struct broker_fx *fx)
{
    const struct shmc_broker *a = &fx->b.addr;
    uint32_t image = 99, again;
    struct stat s1, s2;
    int fd, fd2, m;

    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        return 10;
    if ((fd = shmc_broker_open(a, SHMC_BROKER_CREATE, getpid(), &image)) < 0)
        return 11;
    if (image != 0 || write(fd, "x", 1) != 1 || fstat(fd, &s1) != 0)
        return 12;
    /* A second CREATE takes the next image. */
    if ((fd2 = shmc_broker_open(a, SHMC_BROKER_CREATE, getpid(), &again)) < 0 ||
        again != 1)
        return 13;
    close(fd2);
    image = 0;
    if ((fd2 = shmc_broker_open(a, SHMC_BROKER_REOPEN, getpid(), &image)) < 0 ||
        fstat(fd2, &s2) != 0 || s1.st_ino != s2.st_ino)
        return 14;
    if ((m = shmc_broker_open(a, SHMC_BROKER_MESSAGES, getpid(), NULL)) < 0 ||
        write(m, "hello\n", 6) != 6)
        return 15;
    image = 7; /* no such image */
    if (shmc_broker_open(a, SHMC_BROKER_REOPEN, getpid(), &image) >= 0 ||
        errno != ENOENT)
        return 16;
    return 0;
}

static void test_descendant_gets_its_files(void **state)
{
    struct broker_fx *fx = *state;
    char path[128];
    struct stat st;

    assert_int_equal(in_child(create_reopen_messages, fx), 0);
    /* The files are the broker's, mode 0600, in its directory. */
    assert_int_equal(find_files(fx->dir, ".shmj", path, sizeof path), 2);
    assert_int_equal(find_files(fx->dir, ".messages", NULL, 0), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_uid, getuid());
}

static int refused(struct broker_fx *fx)
{
    struct shmc_broker wrong = fx->b.addr;
    uint32_t image = 0;

    wrong.secret[3] ^= 1;
    if (shmc_broker_open(&wrong, SHMC_BROKER_CREATE, getpid(), &image) >= 0 ||
        errno != EPERM)
        return 20;
    /* Another process's journal. */
    if (shmc_broker_open(&fx->b.addr, SHMC_BROKER_CREATE, getppid(), &image) >=
            0 ||
        errno != EPERM)
        return 21;
    /* No such operation. */
    if (shmc_broker_open(&fx->b.addr, 77, getpid(), &image) >= 0 ||
        errno != EPROTO)
        return 22;
    return 0;
}

static void test_refusals(void **state)
{
    struct broker_fx *fx = *state;

    assert_int_equal(in_child(refused, fx), 0);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 0);
    assert_true(atomic_load(&fx->b.refused) >= 3);
}

/* A grandchild whose parent has exited is reparented to init or to a
 * subreaper above us: no longer of the tree. It writes what it got into
 * the pipe fx->result. */
static int result_pipe[2];

static int orphan(struct broker_fx *fx)
{
    int gone[2];
    pid_t parent = getpid(), pid;
    char c;

    if (pipe(gone) != 0)
        return 31;
    if ((pid = fork()) == 0) {
        uint32_t image = 0;
        close(gone[1]);
        if (read(gone[0], &c, 1) != 0) /* EOF: our parent is exiting */
            _exit(32);
        while (getppid() == parent) /* until the kernel reparents us */
            sched_yield();
        int fd =
            shmc_broker_open(&fx->b.addr, SHMC_BROKER_CREATE, getpid(), &image);
        c = fd < 0 && errno == EPERM ? 'r' : 's';
        int ok = write(result_pipe[1], &c, 1) == 1;
        SHMC_COVERAGE_FLUSH();
        _exit(ok ? 0 : 33);
    }
    _exit(pid > 0 ? 0 : 34); /* closes gone[1]: the orphan goes on */
}

static void test_outside_the_tree(void **state)
{
    struct broker_fx *fx = *state;
    char c = 0;

    assert_int_equal(pipe(result_pipe), 0);
    assert_int_equal(in_child(orphan, fx), 0);
    close(result_pipe[1]);
    assert_int_equal(read(result_pipe[0], &c, 1), 1);
    close(result_pipe[0]);
    assert_int_equal(c, 'r');
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 0);
}

/* A writer in a process that dropped root, in a directory it cannot
 * write: the broker creates the journal and reopens it at each growth;
 * 20,000 records later nothing is lost. Exit status: what failed. */
#define RECORDS 20000
static int write_as_nobody(struct broker_fx *fx)
{
    struct shmc_jwriter w;

    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        return 40;
    if (shmc_jwriter_open_via(&w, &fx->b.addr, fx->dir, NULL, getpid(), 1, 0, 0,
                              0) != 0)
        return 41;
    for (int i = 0; i < RECORDS; i++) {
        struct shmc_jrec *r =
            shmc_jwriter_begin(&w, SHMC_JREC_HEADER, SHMC_J_SHMDT);
        if (r == NULL)
            return 42;
        shmc_jwriter_commit(&w, r);
    }
    shmc_jwriter_close(&w);
    return w.lost == 0 ? 0 : 43;
}

static void test_writer_through_broker(void **state)
{
    struct broker_fx *fx = *state;
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    char path[128];
    struct stat st;
    int n = 0;

    assert_int_equal(in_child(write_as_nobody, fx), 0);
    assert_int_equal(find_files(fx->dir, ".shmj", path, sizeof path), 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(st.st_size > 16 * 16384); /* it grew several times */
    void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(data != MAP_FAILED);
    assert_int_equal(shmc_jreader_init(&r, data, (size_t)st.st_size), SHMC_JOK);
    assert_int_equal(r.header.lost, 0);
    while (shmc_jreader_next(&r, &rec) == SHMC_JOK)
        n++;
    assert_int_equal(n, RECORDS);
    munmap(data, (size_t)st.st_size);
    close(fd);
}

/* No broker to ask: the writer fails with the reason its own open had. */
static int write_without_broker(struct broker_fx *fx)
{
    struct shmc_jwriter w;
    struct shmc_broker gone = fx->b.addr;

    gone.name[0] ^= 1;
    if (getuid() != 0)
        return 0; /* the directory is ours: nothing to refuse */
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 50;
    if (shmc_jwriter_open_via(&w, &gone, fx->dir, NULL, getpid(), 1, 0, 0, 0) ==
        0)
        return 51;
    return errno == EACCES ? 0 : 52;
}

static void test_writer_without_broker(void **state)
{
    struct broker_fx *fx = *state;

    assert_int_equal(in_child(write_without_broker, fx), 0);
    assert_int_equal(find_files(fx->dir, ".shmj", NULL, 0), 0);
}

/* Not a regular file where the journal or the messages would be: a FIFO
 * (open for reading, so that opening it to write would work) and a
 * directory: refused, the broker never blocks on them. */
static int not_files(struct broker_fx *fx)
{
    char path[128];
    uint32_t image = 3;

    snprintf(path, sizeof path, "%s/%d.messages", fx->dir, (int)getpid());
    if (mkfifo(path, 0600) != 0 || open(path, O_RDONLY | O_NONBLOCK) < 0)
        return 60;
    if (shmc_broker_open(&fx->b.addr, SHMC_BROKER_MESSAGES, getpid(), NULL) >=
            0 ||
        errno != EINVAL)
        return 61;
    snprintf(path, sizeof path, "%s/%d.3.shmj", fx->dir, (int)getpid());
    if (mkdir(path, 0700) != 0)
        return 62;
    if (shmc_broker_open(&fx->b.addr, SHMC_BROKER_REOPEN, getpid(), &image) >=
            0 ||
        errno != EISDIR)
        return 63;
    return 0;
}

static void test_not_files(void **state)
{
    assert_int_equal(in_child(not_files, *state), 0);
}

static void test_in_tree(void **state)
{
    int status;
    pid_t gone = fork();

    (void)state;
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, &status, 0), gone);
    assert_false(cli_broker_in_tree(gone, getpid())); /* no /proc entry */
    assert_true(cli_broker_in_tree(getpid(), getppid()));
    assert_false(cli_broker_in_tree(getppid(), getpid()));
    assert_false(cli_broker_in_tree(1, getpid()));
    assert_false(cli_broker_in_tree(-1, getpid()));
}

static void test_address_text(void **state)
{
    struct broker_fx *fx = *state;
    struct shmc_broker b;
    char text[SHMC_BROKER_TEXT], bad[SHMC_BROKER_TEXT + 8];
    const char *eq = strchr(fx->b.env, '=');

    assert_non_null(eq);
    assert_int_equal(shmc_broker_parse(eq + 1, &b), 0);
    assert_memory_equal(&b, &fx->b.addr, sizeof b);
    shmc_broker_format(&b, text);
    assert_string_equal(text, eq + 1);
    const char *bads[] = {"",
                          ":",
                          "name",
                          "name:",
                          "na/me:"
                          "00",
                          "n:0g",
                          "n:00112233445566778899aabbccddeeff00",
                          "n:00112233445566778899aabbccddeeF",
                          "n:00112233445566778899aabbccddeef"};
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
        assert_int_equal(shmc_broker_parse(bads[i], &b), -1);
    assert_int_equal(
        shmc_broker_parse("n:00112233445566778899AABBCCDDEEFF", &b), 0);
    assert_int_equal(b.secret[15], 0xff);
    memset(bad, 'a', sizeof bad - 1);
    bad[sizeof bad - 1] = '\0';
    assert_int_equal(shmc_broker_parse(bad, &b), -1); /* name too long */
}

static void test_no_broker(void **state)
{
    struct broker_fx *fx = *state;
    struct shmc_broker gone = fx->b.addr;
    struct cli_broker b;
    char err[256];
    uint32_t image = 0;

    gone.name[0] ^= 1; /* nobody listens there */
    assert_int_equal(
        shmc_broker_open(&gone, SHMC_BROKER_CREATE, getpid(), &image), -1);
    assert_int_equal(errno, ECONNREFUSED);
    assert_int_equal(
        cli_broker_start(&b, "/nonexistent/dir", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "log directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_descendant_gets_its_files,
                                        broker_setup, broker_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_outside_the_tree, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_address_text, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_no_broker, broker_setup,
                                        broker_teardown),
        cmocka_unit_test_setup_teardown(test_writer_through_broker,
                                        broker_setup, broker_teardown),
        cmocka_unit_test_setup_teardown(test_writer_without_broker,
                                        broker_setup, broker_teardown),
        cmocka_unit_test_setup_teardown(test_not_files, broker_setup,
                                        broker_teardown),
        cmocka_unit_test(test_in_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
