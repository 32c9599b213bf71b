/*
 * start.c - the tracer's start (API: start.h): the settings, the tables,
 * the journal and the module list; and fork, after which the child starts
 * a journal of its own with the attachments it inherited.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "emit.h"
#include "env.h"
#include "modules.h"
#include "stack.h"
#include "start.h"
#include "state.h"

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

/* From our prepare handler to our parent or child handler the lock is
 * held: the program's atfork handlers that run then (those registered
 * before ours) pass their calls through; the others are traced. */
static void atfork_prepare(void)
{
    shmc__lock();
    shmc__in_tracer = 1;
}

static void atfork_parent(void)
{
    shmc__in_tracer = 0;
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

    shmc__state_after_fork();
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
    shmc__in_tracer = 0;
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

    if (dladdr((void *)&shmc__enter, &info) && info.dli_fname &&
        strlen(info.dli_fname) < sizeof shmc__trace.self_path)
        strcpy(shmc__trace.self_path, info.dli_fname);
    n = readlink("/proc/self/exe", shmc__trace.exe, sizeof shmc__trace.exe - 1);
    shmc__trace.exe[n > 0 ? n : 0] = '\0';
}

static void init(void)
{
    struct shmc_trace *t = &shmc__trace;
    char **env = shmc__start_env(), warnings[2048];

    shmc__resolve();
    if (shmc_trace_config_parse(&t->cfg, env, getauxval(AT_SECURE) != 0,
                                warnings, sizeof warnings) > 0)
        say(warnings);
    shmc__keep_settings(env);
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
        shmc__in_tracer = 1;
        init();
        shmc__in_tracer = 0;
        atomic_store(&shmc__trace.phase, SHMC_READY);
    }
    errno = saved;
    return atomic_load(&shmc__trace.phase) == SHMC_READY;
}

int shmc__enter(void)
{
    if (SHMC_UNLIKELY(shmc__in_tracer)) {
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
    shmc__in_tracer = 1;
    return 1;
}

int shmc__enter_own(void)
{
    return shmc__own_process() && shmc__enter();
}

SHMC_CONSTRUCTOR static void trace_constructor(void)
{
    start();
}
