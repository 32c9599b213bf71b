/*
 * fuzz_tracer.c - the tracer oracle. Property: for any sequence of raw
 * System V calls, forks, execs and exits over up to MODEL_PROCS processes,
 * run under libshmcheck-trace.so and judged by the CLI's analysis
 * (cli_analyze over the journals and the kernel's view), the findings --
 * leaked segments, unmatched attaches (own and inherited, ended by exit
 * or exec) and invalid detaches -- equal the reference model's (refmodel.h)
 * exactly: no false positive, no false negative. Every call's result and
 * errno must also be the model's.
 *
 * The traced processes are real: tracer_worker (tracer/worker_main.c),
 * started with the tracer preloaded and driven through pipes (one command,
 * one answer).
 * Coverage: libFuzzer sees this process, which runs the analysis (the
 * code under test here); AFL++ also sees the workers' edges only if they
 * were instrumented, which they are not: the tracer is judged by its
 * output. As root, everything runs in a private IPC namespace entered in
 * LLVMFuzzerInitialize (after AFL++ attached its map); it must be empty
 * after each input. Without the privilege (an unprivileged runner, as
 * ClusterFuzzLite's) the target says so once and runs in the namespace it
 * is in: KEY1 and KEY2 become keys no segment has, the kernel's view it
 * judges and cleans keeps to the tree's segments (made by its processes,
 * or under its keys), and a guard (fuzz/guard/guard.h) removes what an
 * input that crashed it left.
 *
 * Every worker must exit with status 0 (the tracer never kills or fails
 * the program, unless told to abort: below), and the CLI's journal broker runs
 * as under the CLI (workers that dropped root journal through it).
 *
 * Input: four bytes per op (OP, P, A, B), up to MAX_OPS: OP % 10 is
 * 0 shmget, 1 shmat, 2 shmdt, 3 IPC_RMID, 4 IPC_STAT, 5 fork, 6 exit,
 * 7 exec, 8 raw clone (syscall(SYS_clone, SIGCHLD): a fork that runs no
 * atfork handler), 9 setuid (setgroups, setgid and setuid to nobody for
 * good; a no-op where the fuzzer cannot: not root, or a user namespace);
 * P % 4 the process; A and B the op's arguments (see tracer/ops.c;
 * corpus/tracer.dict names one of each). An input whose length is not a
 * multiple of 4 ends in a byte C that says how the journals are written:
 * with C bit 0 set, a capped run: every journal is capped at
 * SHMC_TEST_JOURNAL_CAP = 4096 << (C >> 1 & 3) bytes and every image and
 * child first makes (cap - 4096) / 88 + 2 * (C >> 3) ftok calls (records
 * of 88 bytes), so that the cap falls among its ops' records when C >> 3
 * is near 16 (a journal's first records take about 1 KiB), after them
 * when lower, before them when higher; then a process that lost records
 * may show fewer findings than the model (tracer/judge.c), never others.
 *
 * An input whose length is 2 or 3 past a multiple of 4 has a byte D
 * before C: with D bit 0 set, the tree runs with SHMCHECK_ON_ERROR=abort
 * and SHMCHECK_ERRORS by D >> 1 & 3 (the default, leaked_segment, all,
 * none). Then the processes whose own report (the tracer's, at their
 * exit) has an error must die of SIGABRT having removed the segments it
 * counted as leaked, and only they (tracer/abort.c predicts which); the
 * CLI finds those segments removed by no call of the tree (never_removed
 * lints, those only).
 *
 * SHMC_FUZZ_TRACE=1 prints each input's decoded sequence and verdict;
 * SHMC_FUZZ_ORPHAN_CLONES=0 brings back the work-around of a tracer bug
 * since fixed (tracer/protocol.h, W_ADOPT_ENV).
 *
 * The pieces, in fuzz/tracer/: setup.c finds the programs and makes the
 * namespace, the journal directory and the journal broker; workers.c
 * starts, drives and reaps the traced processes; ops.c runs one op;
 * judge.c compares the CLI's findings with the model's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "tracer/harness.h"

void note(struct world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->trace + w->tlen, sizeof w->trace - w->tlen, fmt, ap);
    va_end(ap);
    if (n > 0 && w->tlen + (size_t)n < sizeof w->trace)
        w->tlen += (size_t)n;
}

_Noreturn void fail(struct world *w, const char *what)
{
    fprintf(stderr, "fuzz_tracer: %s\nsequence:\n%s", what, w->trace);
    abort();
}

/* AFL++ hands test cases over in a System V segment it attaches by id
 * after LLVMFuzzerInitialize, which a new IPC namespace could not find:
 * under AFL++ the namespace is entered at the first input of each
 * fork-server child instead. */
#ifdef __AFL_COMPILER
#define SETUP_AT_FIRST_INPUT 1
#else
#define SETUP_AT_FIRST_INPUT 0
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!SETUP_AT_FIRST_INPUT)
        setup();
    return 0;
}

/* The bytes of the journal record of ftok("/", 1). */
#define FTOK_RECORD 88u

/* The run's journals, from the trailing byte (above). */
static void configure(struct world *w, const uint8_t *data, size_t size)
{
    uint8_t c = size % 4 ? data[size - 1] : 0;

    if (!(c & 1))
        return;
    w->cap = 4096u << (c >> 1 & 3);
    w->fill = (w->cap - 4096u) / FTOK_RECORD + 2u * (c >> 3);
    note(w, "capped run: journals of %u bytes, %u ftok first\n", w->cap,
         w->fill);
}

/* Every segment gone, every process reaped, the namespace empty (in a
 * namespace shared with others: none of the tree's segments left). */
static void clean_up(struct world *w)
{
    struct cli_kseg *k = NULL;
    long n = cli_kernel_segments(NULL, &k);
    struct shm_info info;
    int left = 0;

    for (long i = 0; i < n; i++)
        if (!shared_ns || tree_segment(w, &k[i]))
            shmctl(k[i].shmid, IPC_RMID, NULL);
    free(k);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    empty_journal_dir();
    if (shared_ns) {
        n = cli_kernel_segments(NULL, &k);
        for (long i = 0; i < n; i++)
            left += tree_segment(w, &k[i]);
        free(k);
    } else if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0) {
        left = 1;
    } else {
        left = info.used_ids;
    }
    if (left != 0)
        fail(w, "a segment was left behind");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct world w;
    int life, top;
    char c;

    static int ready;
    if (SETUP_AT_FIRST_INPUT && !ready++)
        setup();
    memset(&w, 0, sizeof w);
    configure(&w, data, size);
    abort_configure(&w, data, size);
    model_init(&w.m, 1u); /* slot 0 alive */
    empty_journal_dir();
    if ((top = start(&w, &life)) < 0)
        fail(&w, "cannot start the first worker");
    w.pid_of_serial[w.m.proc[0].serial] = hello(&w, 0).pid;
    guard_note_pid(w.pid_of_serial[w.m.proc[0].serial]);
    for (size_t i = 0; i + 4 <= size && i < 4 * MAX_OPS; i += 4)
        run_op(&w, data + i);
    /* The tree ends: each live process exits, in slot order, each gone
     * before the next: what one sees at its end (an abort's judgment)
     * must not depend on how far the others got. */
    for (int p = 0; p < W_SLOTS; p++) {
        struct w_cmd cmd = {W_EXIT, 0, 0, 0, 0, 0};
        pid_t pid = w.pid_of_serial[w.m.proc[p].serial];
        if (!w.m.proc[p].alive)
            continue;
        abort_at_exit(&w, p);
        (void)model_exit(&w.m, p);
        ask(&w, p, &cmd);
        note(&w, "p%d exit (end)\n", p);
        wait_gone(&w, pid);
    }
    model_finish(&w.m);
    for (int s = 0; s < W_SLOTS; s++) {
        close(w.cmd[s]);
        close(w.reply[s]);
    }
    /* EOF: every traced process has ended. */
    for (ssize_t n; (n = read(life, &c, 1)) > 0 || (n < 0 && errno == EINTR);)
        ;
    close(life);
    /* The life pipe said every worker ended: each exited with status 0. */
    reap_all(&w);
    judge(&w, top);
    clean_up(&w);
    if (getenv("SHMC_FUZZ_TRACE") != NULL) /* what an input does */
        fprintf(stderr, "%s--\n", w.trace);
    return 0;
}
