/*
 * test_finish.c - the end of a process image (src/trace/finish.c, and the
 * lock and guard of src/trace/state.c): calls made after the final report
 * pass through; the report comes after library destructors; and a signal
 * handler that uses shared memory while the tracer is busy reporting is
 * not blocked (the interposer guard).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Calls made after the final report (a stdio stream flushed by exit
 * after every exit handler) go straight to libc: same results and errno,
 * nothing journaled, and the _exit there keeps its status. */
static void calls_after_the_report_pass_through(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "late", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 4);
    assert_exit(traced.status, 4);
    assert_string_equal(bare.out, "main done\nlate 0 1 1 7 2 0 9\n");
    assert_string_equal(traced.out, bare.out);
    assert_string_equal(traced.err, "");
    assert_int_equal(fx->nj, 1); /* the late children have no journal */
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_FTOK], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_FORK], 0);
    assert_int_equal(fx->j[0].count[SHMC_J_SPAWN], 0);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
}

static const char dtor_lib[] =
    "#include <stdio.h>\n"
    "#include <sys/shm.h>\n"
    "#include <unistd.h>\n"
    "/* Removes the segments this process created, as a library's\n"
    " * destructor may (a C++ global that owns one). */\n"
    "__attribute__((destructor)) static void cleanup(void)\n"
    "{\n"
    "    FILE *f = fopen(\"/proc/sysvipc/shm\", \"re\");\n"
    "    char line[512];\n"
    "    int key, id, cpid, n = 0;\n"
    "    while (f && fgets(line, sizeof line, f))\n"
    "        if (sscanf(line, \"%d %d %*o %*u %d\", &key, &id, &cpid) == 3\n"
    "            && cpid == getpid())\n"
    "            n += shmctl(id, IPC_RMID, NULL) == 0;\n"
    "    if (f)\n"
    "        fclose(f);\n"
    "    fprintf(stderr, \"dtor removed %d\\n\", n);\n"
    "}\n";

/* A library finalised after the tracer (here preloaded after it; also
 * every library the program links) may remove segments in its
 * destructor: the report comes after it, and the tracer does not cut the
 * exit short before it (it once did, leaving the segment behind). */
static void report_comes_after_library_destructors(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char src[128], lib[128], cc[512], preload[PATH_MAX + 160];
    FILE *f;

    snprintf(src, sizeof src, "%s/dtor.c", fx->dir);
    snprintf(lib, sizeof lib, "%s/libdtor.so", fx->dir);
    f = fopen(src, "w");
    assert_non_null(f);
    fputs(dtor_lib, f);
    fclose(f);
    snprintf(cc, sizeof cc, "cc -shared -fPIC -o %s %s 2>/dev/null", lib, src);
    if (system(cc) != 0)
        skip();
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s:%s", SHMC_TRACE_SO, lib);

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL},
               preload);
    read_journals(fx);

    assert_exit(r.status, 0); /* an unmatched attach is a warning */
    assert_non_null(strstr(r.err, "dtor removed 1\n"));
    assert_null(strstr(r.err, "leaked segment:"));
    assert_non_null(strstr(r.err, "WARNING: unmatched attach"));
    assert_false(segment_left_by(r.pid));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMCTL], 1); /* traced too */
}

/* Reads what is there on fd (non-blocking) onto buf (NUL-terminated). */
static void read_some(int fd, char *buf, size_t *len, size_t max)
{
    ssize_t n;

    while (*len + 1 < max && (n = read(fd, buf + *len, max - 1 - *len)) > 0)
        *len += (size_t)n;
    buf[*len] = '\0';
}

/* Reads fd (blocking) onto buf until it holds text. */
static void read_until(int fd, char *buf, size_t *len, size_t max,
                       const char *text)
{
    while (strstr(buf, text) == NULL) {
        ssize_t n = read(fd, buf + *len, max - 1 - *len);
        assert_true(n > 0);
        *len += (size_t)n;
        buf[*len] = '\0';
    }
}

/* Waits until pid is blocked in write(2, ...) (/proc/PID/syscall), or
 * 30 s. 0 when it is, -1 without /proc/PID/syscall. */
static int wait_blocked_in_write(pid_t pid)
{
    char path[64], text[128], want[32];
    time_t end = time(NULL) + 30;

    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    snprintf(want, sizeof want, "%d 0x2 ", (int)SYS_write);
    while (time(NULL) < end) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            return -1;
        text[n] = '\0';
        if (strncmp(text, want, strlen(want)) == 0)
            return 0;
        sched_yield();
    }
    fail_msg("traced_prog never blocked writing its report");
    return -1;
}

/* Starts the traced program's "sighandler" with stdout and stderr on the
 * pipes po and pe (their write ends closed here); its pid. */
static pid_t start_sighandler(struct fx *fx, int po[2], int pe[2])
{
    assert_int_equal(pipe2(po, O_CLOEXEC), 0);
    assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        const struct how h = {fx->dir, NULL, NULL, NULL};
        dup2(po[1], 1);
        dup2(pe[1], 2);
        child_env(&h);
        alarm(RUN_TIMEOUT);
        execv(SHMC_TRACED_PROG,
              (char *[]){SHMC_TRACED_PROG, "sighandler", NULL});
        _exit(127);
    }
    if (fx->npids < MAX_PIDS)
        fx->pids[fx->npids++] = pid;
    close(po[1]);
    close(pe[1]);
    return pid;
}

/* Reads both pipes until the program is gone, then closes them. */
static void read_both(int po, int pe, char *out, size_t *nout, size_t omax,
                      char *err, size_t *nerr, size_t emax)
{
    fcntl(pe, F_SETFL, O_NONBLOCK);
    for (;;) {
        struct pollfd p[2] = {{po, POLLIN, 0}, {pe, POLLIN, 0}};
        assert_true(poll(p, 2, RUN_TIMEOUT * 1000) > 0);
        read_some(pe, err, nerr, emax);
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(po, out + *nout, omax - 1 - *nout);
            if (n <= 0)
                break;
            *nout += (size_t)n;
            out[*nout] = '\0';
        }
    }
    fcntl(pe, F_SETFL, 0);
    read_some(pe, err, nerr, emax);
    close(po);
    close(pe);
}

/* A signal handler that uses shared memory while the tracer writes its
 * report (holding its lock, blocked on a full stderr pipe) gets the real
 * results: its calls pass through, nothing deadlocks, the interrupted
 * write goes on, and the report is whole. */
static void signal_handler_during_the_report(void **state)
{
    struct fx *fx = *state;
    static char out[OUT_MAX], err[OUT_MAX * 4];
    size_t nout = 0, nerr = 0;
    int po[2], pe[2], status;
    char want[64];

    pid_t pid = start_sighandler(fx, po, pe);
    read_until(po[0], out, &nout, sizeof out, "ready\n");
    if (wait_blocked_in_write(pid) != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        skip();
    }
    assert_int_equal(kill(pid, SIGUSR1), 0);
    /* Only once the handler ran (and the write returned EINTR) is there
     * room in the pipe: the write is then retried. */
    read_until(po[0], out, &nout, sizeof out, "handler");
    read_both(po[0], pe[0], out, &nout, sizeof out, err, &nerr, sizeof err);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    read_journals(fx);

    assert_exit(status, 23);
    snprintf(want, sizeof want, "ready\nhandler %d 0\n", SIGUSR1);
    assert_string_equal(out, want);
    assert_non_null(strstr(err, "SUMMARY: shmcheck: 40 leaked segment(s)"));
    assert_int_equal(count_lines(err, "ERROR: leaked segment:"), 30);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 40); /* not the handler's */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(calls_after_the_report_pass_through),
        T(report_comes_after_library_destructors),
        T(signal_handler_during_the_report),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
