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
 * The traced processes are real: fuzz/worker/worker.c, started with the
 * tracer preloaded and driven through pipes (one command, one answer).
 * Coverage: libFuzzer sees this process, which runs the analysis (the
 * code under test here); AFL++ also sees the workers' edges only if they
 * were instrumented, which they are not: the tracer is judged by its
 * output. Everything runs in a private IPC namespace entered in
 * LLVMFuzzerInitialize (after AFL++ attached its map); it must be empty
 * after each input.
 *
 * Input: four bytes per op (OP, P, A, B), up to MAX_OPS: OP % 8 is
 * 0 shmget, 1 shmat, 2 shmdt, 3 IPC_RMID, 4 IPC_STAT, 5 fork, 6 exit,
 * 7 exec; P % 4 the process; A and B the op's arguments (see step();
 * corpus/tracer.dict names one of each).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "refmodel.h"
#include "worker/protocol.h"

#define MAX_OPS 24
#define KEY1 0x5eed0001
#define KEY2 0x5eed0002

static char worker[PATH_MAX], tracer[PATH_MAX], logdir[PATH_MAX];

/* One input's world: the model, and the real processes behind its slots. */
struct world {
    struct model m;
    int cmd[W_SLOTS], reply[W_SLOTS]; /* our ends of each slot's pipes */
    int pid_of_serial[64];
    int shmid_of_seg[MODEL_SEGS];
    int64_t bogus[W_SLOTS]; /* per slot: an address never attached */
    char trace[8192];       /* the decoded sequence, for a failure */
    size_t tlen;
};

static void note(struct world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->trace + w->tlen, sizeof w->trace - w->tlen, fmt, ap);
    va_end(ap);
    if (n > 0 && w->tlen + (size_t)n < sizeof w->trace)
        w->tlen += (size_t)n;
}

static _Noreturn void fail(struct world *w, const char *what)
{
    fprintf(stderr, "fuzz_tracer: %s\nsequence:\n%s", what, w->trace);
    abort();
}

/* Paths: from SHMC_FUZZ_WORKER / SHMC_TRACE_SO, else where the build puts
 * them (build/fuzz/ENGINE/fuzz_tracer: ../tracer_worker and
 * ../../libshmcheck-trace.so), else next to this program (OSS-Fuzz $OUT). */
static void find(const char *env, const char *rel, const char *name, char *out)
{
    char self[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n;

    if (getenv(env) && realpath(getenv(env), out))
        return;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(path, sizeof path, "%s/%s", self, rel);
    if (realpath(path, out) != NULL)
        return;
    snprintf(path, sizeof path, "%s/%s", self, name);
    if (realpath(path, out) == NULL) {
        fprintf(stderr, "fuzz_tracer: cannot find %s (set %s)\n", name, env);
        exit(1);
    }
}

/* Unlinks every entry of dir (the tracer's journals; no subdirectories). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            (void)unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
}

static void empty_logdir(void)
{
    empty_dir(logdir);
}

/* At exit of the process that made it (engines fork after setup). */
static pid_t logdir_pid;
static void remove_logdir(void)
{
    if (getpid() == logdir_pid) {
        empty_dir(logdir);
        rmdir(logdir);
    }
}

/* The journal directories of runs that were killed (AFL++ kills children
 * that overrun their time, and crashes skip atexit): removed when the pid
 * in their name is gone, so that fuzzing leaves nothing in /tmp. */
static void sweep_stale_dirs(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *e;
    char path[PATH_MAX];
    int pid;

    while (d && (e = readdir(d)) != NULL)
        if (sscanf(e->d_name, "shmc-fuzz-tracer.%d", &pid) == 1 && pid > 0 &&
            kill(pid, 0) != 0 && errno == ESRCH) {
            snprintf(path, sizeof path, "/tmp/%s", e->d_name);
            empty_dir(path);
            (void)rmdir(path);
        }
    if (d)
        closedir(d);
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

static void setup(void)
{
    find("SHMC_FUZZ_WORKER", "../tracer_worker", "tracer_worker", worker);
    find("SHMC_TRACE_SO", "../../libshmcheck-trace.so", "libshmcheck-trace.so",
         tracer);
    if (unshare(CLONE_NEWIPC) != 0) {
        perror("fuzz_tracer: unshare(CLONE_NEWIPC) (run as root)");
        exit(1);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    sweep_stale_dirs();
    snprintf(logdir, sizeof logdir, "/tmp/shmc-fuzz-tracer.%d.XXXXXX",
             (int)getpid());
    if (mkdtemp(logdir) == NULL) {
        perror("fuzz_tracer: mkdtemp");
        exit(1);
    }
    logdir_pid = getpid();
    atexit(remove_logdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!SETUP_AT_FIRST_INPUT)
        setup();
    return 0;
}

/* The engines' timers (libFuzzer's SIGALRM) interrupt blocking calls:
 * retry them rather than take EINTR for a dead worker. */
static ssize_t full(int fd, void *buf, size_t len, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? write(fd, (char *)buf + done, len - done)
                            : read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return done ? (ssize_t)done : n;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static struct w_reply ask(struct world *w, int slot, const struct w_cmd *c)
{
    struct w_reply r;
    if (full(w->cmd[slot], (void *)c, sizeof *c, 1) != (ssize_t)sizeof *c ||
        full(w->reply[slot], &r, sizeof r, 0) != (ssize_t)sizeof r)
        fail(w, "a worker stopped answering");
    return r;
}

static struct w_reply hello(struct world *w, int slot)
{
    struct w_reply r;
    if (full(w->reply[slot], &r, sizeof r, 0) != (ssize_t)sizeof r)
        fail(w, "a worker did not start");
    w->bogus[slot] = r.bogus;
    return r;
}

/* Slot 0's process, with every slot's pipes and the life pipe. */
static int start(struct world *w, int *life)
{
    int in[W_SLOTS][2], out[W_SLOTS][2], lp[2];
    char env_pre[PATH_MAX + 16], env_log[PATH_MAX + 32];
    pid_t pid;

    if (pipe(lp) != 0)
        return -1;
    for (int s = 0; s < W_SLOTS; s++)
        if (pipe2(in[s], O_CLOEXEC) != 0 || pipe2(out[s], O_CLOEXEC) != 0)
            return -1;
    snprintf(env_pre, sizeof env_pre, "LD_PRELOAD=%s", tracer);
    snprintf(env_log, sizeof env_log, "SHMCHECK_LOG_DIR=%s", logdir);
    char *envp[] = {env_pre,
                    env_log,
                    "SHMCHECK_REPORT=none",
                    "SHMCHECK_EXITCODE=0",
                    "SHMCHECK_STACKS=off",
                    NULL};
    if ((pid = fork()) == 0) {
        /* Out of the way first, so that no dup2 below hits a pipe end
         * still to be moved; dup2 then clears O_CLOEXEC. */
        int high[2 * W_SLOTS + 1];
        high[2 * W_SLOTS] = fcntl(lp[1], F_DUPFD, 100);
        for (int s = 0; s < W_SLOTS; s++) {
            high[2 * s] = fcntl(in[s][0], F_DUPFD, 100);
            high[2 * s + 1] = fcntl(out[s][1], F_DUPFD, 100);
        }
        dup2(high[2 * W_SLOTS], W_LIFE);
        for (int s = 0; s < W_SLOTS; s++) {
            dup2(high[2 * s], W_FD + 2 * s);
            dup2(high[2 * s + 1], W_FD + 2 * s + 1);
        }
        execve(worker, (char *[]){worker, "0", NULL}, envp);
        _exit(127);
    }
    close(lp[1]);
    for (int s = 0; s < W_SLOTS; s++) {
        close(in[s][0]);
        close(out[s][1]);
        w->cmd[s] = in[s][1];
        w->reply[s] = out[s][0];
    }
    *life = lp[0];
    return pid;
}

/* A raw call's real result must be the model's. */
static void same(struct world *w, const struct model_res *want,
                 const struct w_reply *got)
{
    int failed = got->ret == -1;
    if (failed != (want->err_no != 0) || (failed && got->err != want->err_no))
        fail(w, "a call's result differs from the model's");
}

static int seg_arg(const struct world *w, int b)
{
    return w->m.nseg ? b % w->m.nseg : -1;
}

/* One operation from 4 input bytes: [op, process, a, b]. */

/* Returns once process pid has ended: the answer to W_EXIT comes before
 * its exit, and the model takes an exit to detach everything at once. A
 * pidfd turns readable when the process is a zombie, after the kernel
 * released its memory and with it its attachments (an AFL++ run saw
 * IPC_STAT still find a segment an exiting child kept attached). */
static void wait_gone(struct world *w, pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int n;

    if (fd < 0) {
        if (errno == ESRCH)
            return; /* already reaped */
        fail(w, "pidfd_open of an exiting worker failed");
    }
    while ((n = poll(&pf, 1, 5000)) < 0 && errno == EINTR)
        ;
    close(fd);
    if (n != 1)
        fail(w, "a worker did not end within 5 s of its exit");
}

static void step(struct world *w, const uint8_t *in)
{
    int p = in[1] % W_SLOTS, a = in[2], b = in[3];
    struct model_proc *pr = &w->m.proc[p];
    struct w_cmd c = {0};
    struct model_res r;
    struct w_reply got;

    if (!pr->alive)
        return;
    switch (in[0] % 8) {
    case 0: { /* shmget */
        static const int32_t keys[] = {IPC_PRIVATE, KEY1, KEY2};
        int32_t key = keys[a % 3];
        int flags = (b & 1 ? MODEL_CREAT : 0) | (b & 2 ? MODEL_EXCL : 0);
        size_t size = (size_t)(b >> 2) % 3 * 4096;
        r = model_raw_get(&w->m, p, key, size, flags);
        if (r.skip)
            return;
        c = (struct w_cmd){W_GET,
                           key,
                           (flags & MODEL_CREAT ? IPC_CREAT : 0) |
                               (flags & MODEL_EXCL ? IPC_EXCL : 0),
                           0,
                           (int64_t)size,
                           0};
        got = ask(w, p, &c);
        note(w, "p%d shmget(key %#x, %zu, %d) -> %lld %d\n", p, key, size,
             flags, (long long)got.ret, got.err);
        same(w, &r, &got);
        if (got.ret >= 0 && r.seg >= 0) {
            if (r.created)
                w->shmid_of_seg[r.seg] = (int)got.ret;
            else if (w->shmid_of_seg[r.seg] != (int)got.ret)
                fail(w, "shmget found another segment than the model");
        }
        return;
    }
    case 1: /* shmat */
        if ((a = seg_arg(w, a)) < 0)
            return;
        r = model_raw_at(&w->m, p, a);
        if (r.skip)
            return;
        c = (struct w_cmd){W_AT, 0, 0, 0, 0, w->shmid_of_seg[a]};
        got = ask(w, p, &c);
        note(w, "p%d shmat(seg %d) -> %#llx %d\n", p, a,
             (unsigned long long)got.ret, got.err);
        same(w, &r, &got);
        if (r.att >= 0)
            model_label(&w->m, p, r.att, (uint64_t)got.ret);
        return;
    case 2: { /* shmdt of a record's address, or of one never attached */
        uint64_t addr = pr->natt && !(b & 1) ? pr->att[a % pr->natt].addr
                                             : (uint64_t)w->bogus[p];
        r = model_raw_dt(&w->m, p, addr);
        if (r.skip)
            return;
        c = (struct w_cmd){W_DT, 0, 0, 0, 0, (int64_t)addr};
        got = ask(w, p, &c);
        note(w, "p%d shmdt(%#llx) -> %lld %d\n", p, (unsigned long long)addr,
             (long long)got.ret, got.err);
        same(w, &r, &got);
        return;
    }
    case 3: /* IPC_RMID */
    case 4: /* IPC_STAT */
        if ((a = seg_arg(w, a)) < 0)
            return;
        r = in[0] % 8 == 3 ? model_raw_rmid(&w->m, p, a)
                           : model_raw_stat(&w->m, p, a);
        if (r.skip)
            return;
        c = (struct w_cmd){
            in[0] % 8 == 3 ? W_RMID : W_STAT, 0, 0, 0, 0, w->shmid_of_seg[a]};
        got = ask(w, p, &c);
        note(w, "p%d shmctl(seg %d, %s) -> %lld %d\n", p, a,
             in[0] % 8 == 3 ? "IPC_RMID" : "IPC_STAT", (long long)got.ret,
             got.err);
        same(w, &r, &got);
        return;
    case 5: { /* fork into a free slot */
        int child = a % W_SLOTS, serial;
        if (w->m.proc[child].alive ||
            (serial = model_fork(&w->m, p, child)) < 0)
            return;
        c = (struct w_cmd){W_FORK, 0, 0, child, 0, 0};
        got = ask(w, p, &c);
        struct w_reply h = hello(w, child);
        note(w, "p%d fork -> p%d (pid %d)\n", p, child, h.pid);
        if (got.ret != h.pid || serial >= 64)
            fail(w, "fork went wrong");
        w->pid_of_serial[serial] = h.pid;
        return;
    }
    case 6: { /* exit */
        pid_t pid = w->pid_of_serial[w->m.proc[p].serial];
        if (p == 0 || model_exit(&w->m, p) != 0)
            return; /* slot 0 ends last, with the tree */
        c.op = W_EXIT;
        ask(w, p, &c);
        note(w, "p%d exit\n", p);
        wait_gone(w, pid);
        return;
    }
    default: /* exec: traced again, attachments end */
        if (model_exec(&w->m, p) != 0)
            return;
        c.op = W_EXEC; /* the new image's hello is the answer */
        if (full(w->cmd[p], &c, sizeof c, 1) != (ssize_t)sizeof c)
            fail(w, "a worker stopped listening");
        got = hello(w, p);
        note(w, "p%d exec (pid %d)\n", p, got.pid);
        if (got.ret != 0)
            fail(w, "exec failed");
        return;
    }
}

/* A finding as both sides can state it. */
struct key {
    int kind, pid, shmid, inherited, ended;
    uint64_t addr;
};

static int key_cmp(const void *x, const void *y)
{
    return memcmp(x, y, sizeof(struct key));
}

static size_t expected(struct world *w, struct key *k, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < w->m.nfinding && n < max; i++) {
        const struct model_finding *f = &w->m.finding[i];
        struct key *e = &k[n++];
        memset(e, 0, sizeof *e);
        e->pid = w->pid_of_serial[f->proc];
        e->shmid = -1;
        switch (f->kind) {
        case MODEL_LEAKED_SEGMENT:
            e->kind = CLI_LEAKED_SEGMENT;
            e->shmid = w->shmid_of_seg[f->seg];
            break;
        case MODEL_UNMATCHED_ATTACH:
            e->kind = CLI_UNMATCHED_ATTACH;
            e->shmid = w->shmid_of_seg[f->seg];
            e->addr = f->addr;
            e->inherited = f->inherited;
            e->ended = f->ended == MODEL_END_EXEC ? CLI_END_EXEC : CLI_END_EXIT;
            break;
        default:
            e->kind = CLI_INVALID_DETACH;
            e->addr = f->addr;
            break;
        }
    }
    return n;
}

static size_t found(const struct cli_run *run, struct key *k, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nfindings && n < max; i++) {
        const struct cli_finding *f = &run->findings[i];
        struct key *e;
        if (f->kind != CLI_LEAKED_SEGMENT && f->kind != CLI_UNMATCHED_ATTACH &&
            f->kind != CLI_INVALID_DETACH)
            continue;
        e = &k[n++];
        memset(e, 0, sizeof *e);
        e->kind = (int)f->kind;
        e->pid = f->kind == CLI_LEAKED_SEGMENT ? f->creator_pid : f->pid;
        e->shmid = f->kind == CLI_INVALID_DETACH ? -1 : f->shmid;
        if (f->kind != CLI_LEAKED_SEGMENT)
            e->addr = f->addr;
        if (f->kind == CLI_UNMATCHED_ATTACH) {
            e->inherited = f->inherited;
            e->ended = (int)f->ended_by;
        }
    }
    return n;
}

static void judge(struct world *w, int top)
{
    static struct key want[MODEL_FINDINGS], got[MODEL_FINDINGS];
    struct cli_kseg *kernel = NULL;
    struct cli_run run = {0};
    long nk = cli_kernel_segments(NULL, &kernel);
    struct cli_inputs in = {logdir, kernel, nk > 0 ? (size_t)nk : 0, NULL, 0,
                            top,    0};

    if (cli_analyze(&in, &run) != 0)
        fail(w, "analysis ran out of memory");
    size_t nw = expected(w, want, MODEL_FINDINGS);
    size_t ng = found(&run, got, MODEL_FINDINGS);
    qsort(want, nw, sizeof *want, key_cmp);
    qsort(got, ng, sizeof *got, key_cmp);
    if (nw != ng || memcmp(want, got, nw * sizeof *want) != 0) {
        for (size_t i = 0; i < nw; i++)
            note(w, "model: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
                 want[i].kind, want[i].pid, want[i].shmid,
                 (unsigned long long)want[i].addr, want[i].inherited,
                 want[i].ended);
        for (size_t i = 0; i < ng; i++)
            note(w, "found: kind %d pid %d shmid %d addr %#llx inh %d end %d\n",
                 got[i].kind, got[i].pid, got[i].shmid,
                 (unsigned long long)got[i].addr, got[i].inherited,
                 got[i].ended);
        for (size_t i = 0; run.warnings && run.warnings[i]; i++)
            note(w, "warning: %s\n", run.warnings[i]);
        fail(w, "the tracer's findings differ from the model's");
    }
    cli_run_free(&run);
    free(kernel);
}

/* Every segment gone, every process reaped, the namespace empty. */
static void clean_up(struct world *w)
{
    struct cli_kseg *k = NULL;
    long n = cli_kernel_segments(NULL, &k);
    struct shm_info info;

    for (long i = 0; i < n; i++)
        shmctl(k[i].shmid, IPC_RMID, NULL);
    free(k);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    empty_logdir();
    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0 ||
        info.used_ids != 0)
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
    model_init(&w.m, 1u); /* slot 0 alive */
    empty_logdir();
    if ((top = start(&w, &life)) < 0)
        fail(&w, "cannot start the first worker");
    w.pid_of_serial[w.m.proc[0].serial] = hello(&w, 0).pid;
    for (size_t i = 0; i + 4 <= size && i < 4 * MAX_OPS; i += 4)
        step(&w, data + i);
    /* The tree ends: each live process exits, in slot order. */
    for (int p = 0; p < W_SLOTS; p++) {
        struct w_cmd cmd = {W_EXIT, 0, 0, 0, 0, 0};
        if (!w.m.proc[p].alive)
            continue;
        ask(&w, p, &cmd);
        note(&w, "p%d exit (end)\n", p);
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
    /* The life pipe said every worker ended: reap them without blocking,
     * never waiting for children that are not ours (the sanitizer's
     * llvm-symbolizer is a child of this process too). */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    judge(&w, top);
    clean_up(&w);
    return 0;
}
