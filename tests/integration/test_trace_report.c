/*
 * test_trace_report.c - what the tracer records and reports, and how it
 * copes when things go wrong: the stacks of each SHMCHECK_STACKS mode and
 * depth, a corrupt frame chain, the report's caps and its kinds of
 * invalid detach, segments other processes remove or use, where the
 * report goes (or does not), long lines, a journal that cannot be created
 * or grow, memory exhaustion, and a signal handler that uses shared
 * memory while the tracer is busy reporting. tprog (tests/trace/tprog.c)
 * is the traced program.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "journal/writer.h"
#include "trace_harness.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FAKE_RET 0x1234567u /* tprog's fake return address */

/* The load bias of tprog in j (its MODULE record). */
static uint64_t exe_bias(const struct journal *j)
{
    for (int n = 0; rec_of(j, SHMC_J_MODULE, n) != NULL; n++)
        if (strcmp(rec_of(j, SHMC_J_MODULE, n)->payload, SHMC_TPROG) == 0)
            return (uint64_t)rec_of(j, SHMC_J_MODULE, n)->args[0];
    fail_msg("no MODULE record for tprog");
    return 0;
}

struct stack_case {
    const char *settings;
    int stacks_flag; /* SHMC_JF_STACKS in the header */
    int nframes;     /* 0: more than 3 */
};

/* The stack of a shmget called through a known chain of three functions,
 * as each mode records it: fast (frame pointers) and full (the unwinder)
 * agree frame by frame; STACK_DEPTH cuts both; off keeps the call site. */
static void stacks_of_each_mode_and_depth(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct stack_case cases[] = {
        {"SHMCHECK_STACKS=fast", 1, 0},
        {"SHMCHECK_STACKS=full", 1, 0},
        {"SHMCHECK_STACKS=fast SHMCHECK_STACK_DEPTH=3", 1, 3},
        {"SHMCHECK_STACKS=full SHMCHECK_STACK_DEPTH=2", 1, 2},
        {"SHMCHECK_STACKS=fast SHMCHECK_STACK_DEPTH=1", 1, 1},
        {"SHMCHECK_STACKS=off", 0, 1},
    };
    uint64_t chain[4] = {0};

    for (size_t i = 0; i < NELEM(cases); i++) {
        reset(fx);
        run_traced(fx, &r, (char *[]){SHMC_TPROG, "stacks", NULL},
                   cases[i].settings);
        read_journals(fx);

        assert_exit(r.status, 0);
        assert_int_equal(fx->nj, 1);
        const struct journal *j = &fx->j[0];
        const struct rec *get = rec_of(j, SHMC_J_SHMGET, 0);
        uint64_t bias = exe_bias(j);
        assert_int_equal((j->flags & SHMC_JF_STACKS) != 0,
                         cases[i].stacks_flag);
        if (cases[i].nframes == 0)
            assert_true(get->nframes > 3 && get->nframes <= 8);
        else
            assert_int_equal(get->nframes, cases[i].nframes);
        for (unsigned k = 0; k < 4 && k < get->nframes; k++) {
            if (i == 0)
                chain[k] = get->frames[k] - bias;
            assert_int_equal(get->frames[k] - bias, chain[k]);
        }
    }
}

/* Code without frame pointers may leave anything in the frame pointer
 * register: the fast walk stops at a frame that is not above the last,
 * past the stack's top, too far away, misaligned or has an impossible
 * return address, keeping what came before. A frame that is in no
 * object is reported as a bare address. */
static void corrupt_frame_chain_ends_the_walk(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *kinds[] = {"down", "top", "misaligned", "gap", "lowret"};
    const int nframes[] = {2, 2, 2, 2, 1};
    char line[64];

    for (size_t i = 0; i < NELEM(kinds); i++) {
        char *argv[] = {SHMC_TPROG, "badframe", (char *)kinds[i], NULL};
        reset(fx);
        run_traced(fx, &r, argv, NULL);
        if (strncmp(r.out, "skip", 4) == 0)
            skip();
        read_journals(fx);

        assert_exit(r.status, i == 0 ? 23 : 0); /* "down" leaks */
        const struct rec *get = rec_of(&fx->j[0], SHMC_J_SHMGET, 0);
        assert_non_null(get);
        assert_int_equal(get->nframes, nframes[i]);
        if (nframes[i] == 2)
            assert_int_equal(get->frames[1], FAKE_RET);
    }
    reset(fx);
    run_traced(fx, &r, (char *[]){SHMC_TPROG, "badframe", "down", NULL}, NULL);
    snprintf(line, sizeof line, "==%d==     #1 0x%x\n", (int)r.pid, FAKE_RET);
    assert_non_null(strstr(r.err, line));
}

static void hide_proc(const void *arg)
{
    (void)arg;
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", "/proc", "tmpfs", 0, NULL) != 0)
        _exit(125);
}

/* Without /proc (a sandbox that hides it): the tracer starts all the
 * same; it cannot know the program's path, command line or main stack,
 * so the journal starts with an empty path and a stack has the call site
 * only; the leak is reported and the exit status says so. Needs a mount
 * namespace (root). */
static void without_the_proc_file_system(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct how h = {fx->dir, NULL, hide_proc, NULL};

    run(fx, &r, &h, (char *[]){SHMC_TPROG, "leave", "exit", NULL});
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 125)
        skip();
    read_journals(fx);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_int_equal(fx->nj, 1);
    const struct rec *start = rec_of(&fx->j[0], SHMC_J_START, 0);
    assert_int_equal(start->payload_len, 1); /* "" and no arguments */
    assert_int_equal(rec_of(&fx->j[0], SHMC_J_SHMGET, 0)->nframes, 1);
}

/* Writes n bytes of data to path. */
static void write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* A program that loads more modules than the tracer keeps (256): the
 * first 256 with code are journaled, the rest and one without code are
 * not, and the program goes on. */
static void more_modules_than_the_tracer_keeps(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char lib[64 << 10];
    char path[256], cc[512];
    struct stat st;
    int fd;

    snprintf(path, sizeof path, "%s/empty.c", fx->dir);
    write_file(path, "int shmc_empty;\n", 16);
    snprintf(path, sizeof path, "%s/data.c", fx->dir);
    write_file(path, "const int shmc_data = 1;\n", 25);
    snprintf(cc, sizeof cc,
             "cc -shared -fPIC -o %1$s/lib0.so %1$s/empty.c 2>/dev/null && "
             "cc -shared -nostdlib -o %1$s/data.so %1$s/data.c 2>/dev/null",
             fx->dir);
    if (system(cc) != 0)
        skip();
    snprintf(path, sizeof path, "%s/lib0.so", fx->dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0 && fstat(fd, &st) == 0);
    assert_true((size_t)st.st_size <= sizeof lib);
    assert_int_equal(read(fd, lib, sizeof lib), st.st_size);
    close(fd);
    for (int i = 1; i < 260; i++) { /* copies are distinct modules */
        snprintf(path, sizeof path, "%s/lib%d.so", fx->dir, i);
        write_file(path, lib, (size_t)st.st_size);
    }

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "modules", fx->dir, NULL}, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "modules 1 260\n");
    assert_int_equal(fx->j[0].count[SHMC_J_MODULE], 256);
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_MODULE, n) != NULL; n++)
        assert_null(
            strstr(rec_of(&fx->j[0], SHMC_J_MODULE, n)->payload, "data.so"));
}

/* 35 call sites with unmatched attaches and 70 failed calls: 30 blocks
 * of each, the rest counted; the summary has every one. */
static void report_caps_call_sites_and_failed_calls(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "sites", NULL}, NULL);

    assert_exit(r.status, 0); /* warnings only */
    assert_int_equal(
        count_lines(r.err, "WARNING: unmatched attach: 1 attachment(s)"), 30);
    assert_non_null(
        strstr(r.err, "... and 5 more call sites with unmatched attaches\n"));
    assert_int_equal(
        count_lines(r.err, "WARNING: failed call: shmat(shmid -1, addr 0x0"),
        64);
    assert_non_null(
        strstr(r.err, "... and 6 more failed calls or invalid detaches\n"));
    assert_non_null(strstr(r.err, "35 unmatched attach(es), 0 inherited "
                                  "unmatched, 0 invalid detach(es), 70 "
                                  "failed call(s)"));
}

/* Each kind of invalid detach says what it is; the program's results are
 * unchanged. */
static void invalid_detaches_say_why(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "detaches", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);

    assert_string_equal(bare.out, "-1 -1 0 -1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: invalid detach"), 3);
    assert_non_null(strstr(traced.err, "not page-aligned"));
    assert_non_null(
        strstr(traced.err, "not the start of an attachment of this process"));
    assert_non_null(strstr(traced.err, "double detach: shmid"));
    assert_non_null(strstr(traced.err, " 3 invalid detach(es)"));
}

/* Segments this process created are not its leaks when another process
 * removed one, marked one for removal, or still has one attached: the
 * report at exec says nothing of them. */
static void segments_others_handle_are_not_leaks(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "others", NULL}, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "reaped 0 0\n");
    assert_null(strstr(r.err, "leaked segment:"));
    assert_non_null(strstr(r.err, "still attached at exec"));
    assert_non_null(strstr(r.err, "0 leaked segment(s) (0 bytes), 1 "
                                  "unmatched attach(es), 0 inherited"));
    assert_false(segment_left_by(r.pid));
}

/* IPC_SET journals the mode it sets; ftok of no path and of a path too
 * long for a record are journaled (the path cut to fit, never dropped);
 * results and errno are unchanged. */
static void ipc_set_and_ftok_are_journaled(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "calls", NULL};
    const struct rec *set = NULL, *set_null = NULL;

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, bare.out);
    assert_non_null(strstr(bare.out, "IPC_SET 0 0\nIPC_SET(NULL) -1 14\n"));
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_SHMCTL, n) != NULL; n++) {
        const struct rec *c = rec_of(&fx->j[0], SHMC_J_SHMCTL, n);
        if (c->args[1] == IPC_SET)
            *(c->result == 0 ? &set : &set_null) = c;
    }
    assert_non_null(set);
    assert_int_equal(set->args[2], 0640);
    assert_non_null(set_null);
    assert_int_equal(set_null->err, EFAULT);
    assert_int_equal(set_null->args[2], 0);
    const struct rec *none = rec_of(&fx->j[0], SHMC_J_FTOK, 0);
    const struct rec *cut = rec_of(&fx->j[0], SHMC_J_FTOK, 1);
    assert_int_equal(none->err, EFAULT);
    assert_int_equal(none->payload_len, 0);
    assert_int_equal(cut->size, SHMC_JMAX_RECORD);
    assert_int_equal(cut->payload_len,
                     SHMC_JMAX_RECORD - SHMC_JREC_HEADER - 8u * cut->nframes);
}

/* An attachment the tracer never saw (made with the system call itself)
 * detached through libc: not an invalid detach, journaled as unknown. */
static void detach_of_an_unseen_attachment(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TPROG, "rawshmat", NULL}, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "raw 0\n");
    assert_string_equal(r.err, "");
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 0);
    const struct rec *dt = rec_of(&fx->j[0], SHMC_J_SHMDT, 0);
    assert_int_equal(dt->result, 0);
    assert_int_equal(dt->args[1], -1); /* shmid unknown */
    assert_int_equal(dt->args[2], 0);  /* not attached as far as we know */
}

static void close_stderr(const void *arg)
{
    (void)arg;
    close(2);
}

static void stderr_to(const void *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 2) != 2)
        _exit(126);
}

static void stderr_to_closed_pipe(const void *arg)
{
    int p[2];

    (void)arg;
    if (pipe(p) != 0 || dup2(p[1], 2) != 2)
        _exit(126);
    close(p[0]);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

/* The report goes to the stderr the program started with, and nowhere
 * when it is gone: closed at start, replaced by the program (a daemon's
 * log file is not ours to write), full, or a pipe nobody reads (which
 * must not kill the program with SIGPIPE, warnings included). The exit
 * status still says errors were found. */
static void report_without_a_usable_stderr(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *leave[] = {SHMC_TPROG, "leave", "exit", NULL};
    char file[128];
    struct stat st;
    const struct how closed = {fx->dir, NULL, close_stderr, NULL};
    const struct how full = {fx->dir, NULL, stderr_to, "/dev/full"};
    const struct how broken = {fx->dir, "SHMCHECK_BOGUS=1",
                               stderr_to_closed_pipe, NULL};

    snprintf(file, sizeof file, "%s/daemon.log", fx->dir);
    run_traced(fx, &r, (char *[]){SHMC_TPROG, "redirect", file, NULL}, NULL);
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_size, 0);

    run(fx, &r, &closed, leave);
    assert_exit(r.status, 23);
    run(fx, &r, &full, leave);
    assert_exit(r.status, 23);
    run(fx, &r, &broken, leave);
    assert_exit(r.status, 23);
    assert_string_equal(r.out, "ready\n");
}

/* Creates the report names tprog would use for this pid, 0..999. */
static void take_report_names(const void *dir)
{
    char path[256];

    for (int n = 0; n < 1000; n++) {
        snprintf(path, sizeof path, "%s/%d.%d.exit.report", (const char *)dir,
                 (int)getpid(), n);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            _exit(126);
        close(fd);
    }
}

/* The first report file of pid's that is not empty, into out. */
static int read_report(const struct fx *fx, int pid, char *out, size_t len)
{
    char path[256];

    for (int n = 0; n < 1000; n++) {
        snprintf(path, sizeof path, "%s/%d.%d.exit.report", fx->dir, pid, n);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 0;
        ssize_t got = read(fd, out, len - 1);
        close(fd);
        if (got > 0) {
            out[got] = '\0';
            return 1;
        }
    }
    return 0;
}

/* SHMCHECK_REPORT=logdir writes <pid>.<n>.<how>.report with the first
 * free n; when 1000 are taken, or the directory is missing, the report
 * goes nowhere; SHMCHECK_REPORT=none writes none. The exit status is the
 * same in every case. */
static void report_files_and_none(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char report[OUT_MAX];
    char *leave[] = {SHMC_TPROG, "leave", "exit", NULL};
    const struct how taken = {fx->dir, "SHMCHECK_REPORT=logdir",
                              take_report_names, fx->dir};

    run_traced(fx, &r, leave, "SHMCHECK_REPORT=logdir");
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_true(read_report(fx, r.pid, report, sizeof report));
    assert_non_null(strstr(report, "SUMMARY: shmcheck: 1 leaked segment(s)"));

    run(fx, &r, &taken, leave);
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
    assert_false(read_report(fx, r.pid, report, sizeof report));

    run_traced(fx, &r, leave,
               "SHMCHECK_REPORT=logdir SHMCHECK_LOG_DIR=/nonexistent/shmc");
    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "\n"), 1); /* the journal warning */
    assert_non_null(strstr(r.err, "cannot create a journal"));

    run_traced(fx, &r, leave, "SHMCHECK_REPORT=none");
    assert_exit(r.status, 23);
    assert_string_equal(r.err, "");
}

/* A report line longer than the line buffer (a program deep in the file
 * system) is cut at 511 bytes, not dropped. */
static void long_lines_are_cut(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char dir[PATH_MAX], exe[PATH_MAX + 16], cp[2 * PATH_MAX], start[401];
    size_t len = (size_t)snprintf(dir, sizeof dir, "%s", fx->dir);

    for (int level = 0; level < 3; level++) {
        len += (size_t)snprintf(dir + len, sizeof dir - len, "/%0200d", level);
        assert_int_equal(mkdir(dir, 0700), 0);
    }
    snprintf(exe, sizeof exe, "%s/tprog", dir);
    snprintf(cp, sizeof cp, "cp %s %s", SHMC_TPROG, exe);
    assert_int_equal(system(cp), 0);

    run_traced(fx, &r, (char *[]){exe, "leave", "exit", NULL}, NULL);

    assert_exit(r.status, 23);
    assert_true(strlen(exe) > 600);
    assert_true(strcspn(r.err, "\n") >= 511);
    snprintf(start, sizeof start, "%.400s", exe);
    assert_non_null(strstr(r.err, start));
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
}

static void limit_file_size(const void *bytes)
{
    struct rlimit rl = {*(const rlim_t *)bytes, RLIM_INFINITY};

    signal(SIGXFSZ, SIG_DFL);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(126);
}

static void limit_address_space(const void *bytes)
{
    struct rlimit rl = {*(const rlim_t *)bytes, RLIM_INFINITY};

    if (setrlimit(RLIMIT_AS, &rl) != 0)
        _exit(126);
}

/* A file size limit below one journal chunk: the tracer warns and goes on
 * without a journal; it once raised SIGXFSZ and killed the program. A
 * limit of a chunk and a half: the journal stops at its first chunk,
 * whole and readable, and the report still knows everything. An address
 * space too small for the journal's reserved range: warns, goes on. */
static void journal_limits_do_not_hurt_the_program(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const rlim_t small = 64 << 10, chunk_and_half = SHMC_JCHUNK * 3 / 2;
    const rlim_t address_space = 256 << 20;
    const struct how tiny = {fx->dir, NULL, limit_file_size, &small};
    const struct how frozen = {fx->dir, NULL, limit_file_size, &chunk_and_half};
    const struct how no_room = {fx->dir, NULL, limit_address_space,
                                &address_space};

    run(fx, &r, &tiny, (char *[]){SHMC_TPROG, "leave", "exit", NULL});
    read_journals(fx);
    assert_exit(r.status, 23);
    assert_non_null(strstr(r.err, "cannot create a journal"));
    assert_non_null(strstr(r.err, "ERROR: leaked segment"));
    assert_int_equal(fx->nj, 0);

    run(fx, &r, &frozen, (char *[]){SHMC_TPROG, "churn", NULL});
    read_journals(fx);
    assert_exit(r.status, 23);
    assert_string_equal(r.out, "churned\n");
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].file_size, SHMC_JCHUNK);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
    assert_true(fx->j[0].count[SHMC_J_SHMAT] > 1000);
    assert_true(fx->j[0].count[SHMC_J_SHMAT] < 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 0);

    reset(fx);
    run(fx, &r, &no_room, (char *[]){SHMC_TPROG, "clean", NULL});
    read_journals(fx);
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "clean "));
    assert_non_null(strstr(r.err, "cannot create a journal"));
    assert_int_equal(fx->nj, 0);
}

/* With the address space capped, the tracer's tables cannot grow: what
 * it cannot store it does not report in detail (a leak without its
 * stack, an unmatched attach counted but not shown), it never fails the
 * program's calls or changes their results, and the journal has them
 * all. */
static void memory_exhaustion(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TPROG, "nomem", NULL};
    char block_end[64];

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "nomem start\nnomem 1 1 0 0 1 1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    snprintf(block_end, sizeof block_end, "(IPC_RMID):\n==%d== SUMMARY",
             (int)traced.pid);
    assert_non_null(strstr(traced.err, block_end)); /* no stack */
    assert_null(strstr(traced.err, "unmatched attach:"));
    assert_non_null(strstr(traced.err, "1 leaked segment(s) (4096 bytes), 1 "
                                       "unmatched attach(es)"));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 1);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
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
    fail_msg("tprog never blocked writing its report");
    return -1;
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
        execv(SHMC_TPROG, (char *[]){SHMC_TPROG, "sighandler", NULL});
        _exit(127);
    }
    if (fx->npids < MAX_PIDS)
        fx->pids[fx->npids++] = pid;
    close(po[1]);
    close(pe[1]);
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
    fcntl(pe[0], F_SETFL, O_NONBLOCK);
    for (;;) { /* both pipes until the program is gone */
        struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        assert_true(poll(p, 2, RUN_TIMEOUT * 1000) > 0);
        read_some(pe[0], err, &nerr, sizeof err);
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(po[0], out + nout, sizeof out - 1 - nout);
            if (n <= 0)
                break;
            nout += (size_t)n;
            out[nout] = '\0';
        }
    }
    fcntl(pe[0], F_SETFL, 0);
    read_some(pe[0], err, &nerr, sizeof err);
    close(po[0]);
    close(pe[0]);
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
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(stacks_of_each_mode_and_depth),
        T(corrupt_frame_chain_ends_the_walk),
        T(without_the_proc_file_system),
        T(more_modules_than_the_tracer_keeps),
        T(report_caps_call_sites_and_failed_calls),
        T(invalid_detaches_say_why),
        T(segments_others_handle_are_not_leaks),
        T(ipc_set_and_ftok_are_journaled),
        T(detach_of_an_unseen_attachment),
        T(report_without_a_usable_stderr),
        T(report_files_and_none),
        T(long_lines_are_cut),
        T(journal_limits_do_not_hurt_the_program),
        T(memory_exhaustion),
        T(signal_handler_during_the_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
