/*
 * state.c - the tracer's state: start-up, the interposer guard, fork
 * handling and the end of a process image.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "state.h"

struct shmc_trace shmc__trace = {.scan_lock = PTHREAD_MUTEX_INITIALIZER};

/* Per thread: inside the tracer (recursion guard), and the cached tid. */
static __thread int in_tracer;
static __thread int cached_tid;

static pthread_once_t resolved = PTHREAD_ONCE_INIT;

static void *real(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void resolve_all(void)
{
    struct shmc_real *r = &shmc__trace.real;

    /* dlsym gives void *; POSIX guarantees it converts to a function. */
    *(void **)&r->shmget = real("shmget");
    *(void **)&r->shmat = real("shmat");
    *(void **)&r->shmdt = real("shmdt");
    *(void **)&r->shmctl = real("shmctl");
    *(void **)&r->ftok = real("ftok");
    *(void **)&r->fork = real("fork");
    *(void **)&r->execve = real("execve");
    *(void **)&r->execvpe = real("execvpe");
    *(void **)&r->fexecve = real("fexecve");
    *(void **)&r->_exit_ = real("_exit");
    *(void **)&r->dlopen = real("dlopen");
    *(void **)&r->posix_spawn = real("posix_spawn");
    *(void **)&r->posix_spawnp = real("posix_spawnp");
}

void shmc__resolve(void)
{
    pthread_once(&resolved, resolve_all);
}

int shmc__tid(void)
{
    if (SHMC_UNLIKELY(cached_tid == 0))
        cached_tid = gettid();
    return cached_tid;
}

uint64_t shmc__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void say(const char *text)
{
    /* Warnings go to stderr only, never stdout, and ignore failures. */
    shmc__write_all(2, text, strlen(text));
}

/* The program's command line, for the START record. */
static size_t read_cmdline(char *buf, size_t len)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, len);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

static void journal_start(pid_t ppid)
{
    struct shmc_trace *t = &shmc__trace;
    char payload[SHMC_JMAX_RECORD - 256];
    size_t exe_len = strlen(t->exe) + 1, n;
    int64_t args[4] = {ppid, 0, 0, 0};

    if (shmc_jwriter_open(&t->journal, t->cfg.log_dir, t->pid, ppid,
                          t->cfg.stacks ? SHMC_JF_STACKS : 0, t->start_ns,
                          0) != 0) {
        say("shmcheck: cannot create a journal in SHMCHECK_LOG_DIR; "
            "tracing without one\n");
        t->journal_on = 0;
        return;
    }
    t->journal_on = 1;
    memcpy(payload, t->exe, exe_len);
    n = read_cmdline(payload + exe_len, sizeof payload - exe_len);
    shmc__journal_write(SHMC_J_START, NULL, 0, args, payload, exe_len + n);
}

/* A spin lock: the sections it guards are a few hash-table operations
 * (well under a microsecond), where a mutex costs several times more than
 * the work; a waiter that spins too long yields its CPU. */
void shmc__lock(void)
{
    while (
        atomic_exchange_explicit(&shmc__trace.lock, 1, memory_order_acquire)) {
        for (unsigned spins = 0;
             atomic_load_explicit(&shmc__trace.lock, memory_order_relaxed);)
            if (++spins % 64 == 0)
                sched_yield();
    }
}

void shmc__unlock(void)
{
    atomic_store_explicit(&shmc__trace.lock, 0, memory_order_release);
}

/* From our prepare handler to our parent or child handler the lock is
 * held: the program's atfork handlers that run then (those registered
 * before ours) pass their calls through; the others are traced. */
static void atfork_prepare(void)
{
    shmc__lock();
    in_tracer = 1;
}

static void atfork_parent(void)
{
    in_tracer = 0;
    shmc__unlock();
}

/* Attachments are inherited; segments were created by the parent, which
 * reports them, so the child starts with none; findings are the
 * parent's. */
static void inherit_tables(void)
{
    struct shmc_trace *t = &shmc__trace;
    size_t pos = 0;
    uint64_t addr;
    void *v;

    shmc_table_clear(&t->segs);
    t->nevents = t->events_lost = 0;
    t->invalid_detaches = t->failed_calls = t->attaches = t->detaches = 0;
    while (shmc_table_next(&t->atts, &pos, &addr, &v)) {
        struct shmc_att *a = v;
        a->inherited = 1;
    }
}

static void journal_inherited(void)
{
    struct shmc_trace *t = &shmc__trace;
    size_t pos = 0;
    uint64_t addr;
    void *v;

    while (shmc_table_next(&t->atts, &pos, &addr, &v)) {
        const struct shmc_att *a = v;
        const struct shmc_stack *s = shmc__stack_get(a->stack);
        int64_t args[4] = {(int64_t)addr, a->shmid, (int64_t)a->segsz, 0};
        struct shmc_call c = {.time_ns = shmc__now_ns()};
        if (a->detached)
            continue;
        if (s != NULL) { /* where the parent attached it */
            c.nframes = s->nframes;
            memcpy(c.frames, s->frames, 8u * s->nframes);
        }
        shmc__journal(SHMC_J_INHERIT, &c, 0, args, NULL, 0);
    }
}

static void atfork_child(void)
{
    struct shmc_trace *t = &shmc__trace;
    pid_t parent = t->pid;

    atomic_store(&t->lock, 0); /* another thread may have held it */
    pthread_mutex_init(&t->scan_lock, NULL);
    cached_tid = 0;
    t->pid = getpid();
    if (t->journal_on)
        shmc_jwriter_abandon(&t->journal);
    inherit_tables();
    /* A fork after the final report (phase DONE) is not traced. */
    if (t->cfg.log_dir[0] && atomic_load(&t->phase) == SHMC_READY) {
        journal_start(parent);
        t->nmodules = 0; /* journal every module again, in the new file */
        shmc__modules_scan();
        journal_inherited();
    }
    in_tracer = 0;
}

static void remember_stderr(void)
{
    struct stat st;

    shmc__trace.stderr_ok = fstat(2, &st) == 0;
    shmc__trace.stderr_dev = st.st_dev;
    shmc__trace.stderr_ino = st.st_ino;
}

static void find_self(void)
{
    Dl_info info;
    ssize_t n;

    if (dladdr((void *)&shmc__resolve, &info) && info.dli_fname &&
        strlen(info.dli_fname) < sizeof shmc__trace.self_path)
        strcpy(shmc__trace.self_path, info.dli_fname);
    n = readlink("/proc/self/exe", shmc__trace.exe, sizeof shmc__trace.exe - 1);
    shmc__trace.exe[n > 0 ? n : 0] = '\0';
}

/* The SHMCHECK_* settings this process started with, for exec. */
static void keep_settings(char **envp)
{
    char *out = shmc__trace.env_keep;
    size_t left = sizeof shmc__trace.env_keep - 1;

    for (size_t i = 0; envp[i]; i++) {
        size_t n = strlen(envp[i]) + 1;
        if (strncmp(envp[i], "SHMCHECK_", 9) != 0 || n > left)
            continue;
        memcpy(out, envp[i], n);
        out += n;
        left -= n;
    }
    *out = '\0';
}

/* The environment the settings come from: environ, or, when libc has not
 * set it yet (a call from the program's .preinit_array starts the tracer
 * before libc's own initialisation), the one the kernel put on the
 * initial stack: argc, argv and its NULL, then envp. */
static char **start_env(void)
{
    extern char **environ;
    extern void *__libc_stack_end; /* ld.so's: where argc is */
    const long *argc = __libc_stack_end;

    if (environ != NULL)
        return environ;
    return (char **)(argc + 1) + *argc + 1;
}

static void init(void)
{
    struct shmc_trace *t = &shmc__trace;
    char **env = start_env(), warnings[2048];

    shmc__resolve();
    if (shmc_trace_config_parse(&t->cfg, env, getauxval(AT_SECURE) != 0,
                                warnings, sizeof warnings) > 0)
        say(warnings);
    keep_settings(env);
    t->pid = getpid();
    t->start_ns = shmc__now_ns();
    shmc_table_init(&t->atts, sizeof(struct shmc_att));
    shmc_table_init(&t->segs, sizeof(struct shmc_seg));
    shmc_table_init(&t->depot, sizeof(struct shmc_stack));
    remember_stderr();
    find_self();
    if (t->cfg.stacks == SHMC_STACKS_FAST) /* glibc reads /proc: once, now */
        t->main_stack_top = shmc__thread_stack_top();
    if (t->cfg.stacks == SHMC_STACKS_FULL) {
        void *prime[2]; /* loads the unwinder now, not inside a call */
        backtrace(prime, 2);
    }
    if (t->cfg.log_dir[0]) {
        journal_start(getppid());
        shmc__modules_scan();
    }
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Starts the tracer once; 1 when it is ready. Another thread that arrives
 * while it starts passes its call through rather than wait. Keeps errno:
 * the start may happen inside a call the program made (before our
 * constructor ran), or before main, whose errno starts at 0. */
static int start(void)
{
    int expected = SHMC_OFF, saved = errno;

    if (atomic_compare_exchange_strong(&shmc__trace.phase, &expected,
                                       SHMC_STARTING)) {
        in_tracer = 1;
        init();
        in_tracer = 0;
        atomic_store(&shmc__trace.phase, SHMC_READY);
    }
    errno = saved;
    return atomic_load(&shmc__trace.phase) == SHMC_READY;
}

int shmc__enter(void)
{
    if (SHMC_UNLIKELY(in_tracer)) {
        shmc__resolve();
        return 0;
    }
    if (SHMC_UNLIKELY(
            atomic_load_explicit(&shmc__trace.phase, memory_order_acquire) !=
            SHMC_READY)) {
        if (!start()) {
            shmc__resolve();
            return 0;
        }
    }
    in_tracer = 1;
    return 1;
}

void shmc__leave(void)
{
    in_tracer = 0;
}

SHMC_CONSTRUCTOR static void trace_constructor(void)
{
    start();
}

int shmc__finish(const char *how, int status, int exit_how)
{
    struct shmc_trace *t = &shmc__trace;
    int expected = SHMC_READY, errors;
    int64_t args[4] = {status, exit_how, 0, 0};

    /* Not ours to end: a vfork or raw clone child shares or copied our
     * memory, or this image has already ended (report once). */
    if (getpid() != t->pid ||
        !atomic_compare_exchange_strong(&t->phase, &expected, SHMC_DONE))
        return 0;
    in_tracer = 1;
    shmc__journal(SHMC_J_EXIT, NULL, 0, args, NULL, 0);
    errors = shmc__report(how);
    if (t->journal_on)
        shmc_jwriter_close(&t->journal);
    t->journal_on = 0;
    in_tracer = 0;
    return errors && t->cfg.exitcode != 0;
}

static void finish_exit(int status)
{
    const struct shmc_trace *t = &shmc__trace;

    if (shmc__finish("exit", status, SHMC_JEXIT_EXIT)) {
        /* Errors found: the exit status says so, as LeakSanitizer's does.
         * exit() would flush stdio after us; do it before leaving. */
        fflush(NULL);
        SHMC_COVERAGE_FLUSH();
        t->real._exit_(t->cfg.exitcode); /* LCOV_EXCL_LINE: after the flush */
    }
}

/* Registered by the destructor, so it runs after every destructor: this
 * object is finalised before the libraries the program links (they were
 * initialised before it), and their destructors may still detach and
 * remove segments. gcov wrote this object's counts when it was
 * finalised: count anew from here, and write them at the end. */
static void late_exit(int status, void *arg) /* LCOV_EXCL_LINE: reset below */
{
    (void)arg;
    SHMC_COVERAGE_RESTART(); /* LCOV_EXCL_LINE: it zeroes its own count */
    finish_exit(status);
    SHMC_COVERAGE_FLUSH();
}

/* After main returns or exit() is called: on_exit, unlike atexit in a
 * shared object, queues the handler after the destructors still to run,
 * and tells it the exit status. */
SHMC_DESTRUCTOR static void trace_destructor(void)
{
    /* on_exit fails only out of memory: then report now, before the rest. */
    if (on_exit(late_exit, NULL) != 0) /* LCOV_EXCL_BR_LINE: ENOMEM only */
        finish_exit(-1); /* LCOV_EXCL_LINE: ENOMEM only; status unknown */
}
