/*
 * start.c - the tracer's start (API: start.h): the settings, the tables,
 * the journal and the module list; and fork, after which the child starts
 * a journal of its own with the attachments it inherited. A child made by
 * a raw clone (no fork handler runs) does the same at its first traced
 * call or its end: it finds the stamp page wiped (state.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "journal/broker.h"
#include "journal/procstat.h"
#include "journal/reader.h"
#include "journal/textbuf.h"
#include "emit.h"
#include "image.h"
#include "env.h"
#include "modules.h"
#include "registry.h"
#include "root.h"
#include "stack.h"
#include "messages.h"
#include "start.h"
#include "state.h"

static void atfork_parent(void)
{
    shmc__in_tracer = 0;
    shmc__unlock();
}

/* Attachments are inherited; segments were created by the parent, which
 * reports them, so the child starts with none; findings are the parent's. */
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

/* The new process, first of all (after a fork or a raw clone): its locks
 * and ids, its stamp, and its lineage (a journal of its own, with the
 * attachments it inherited, or a registry record), parent `parent`. */
static void start_child(pid_t parent, enum shmc_reg_start how)
{
    struct shmc_trace *t = &shmc__trace;

    shmc__state_after_fork();
    *shmc__stamp = 1;
    t->root = 0; /* its status is its own (finish.c) */
    if (t->journal_on)
        shmc_jwriter_abandon(&t->journal);
    t->journal_on = 0;
    atomic_store(&t->journal_wanted, 0);
    inherit_tables();
    /* A fork after the final report (phase DONE) is not traced. */
    if (t->cfg.log_dir[0] && atomic_load(&t->phase) == SHMC_READY) {
        t->nmodules = 0; /* journal every module again, in the new file */
        shmc__image_start(parent, how, shmc__holds_attachments());
        shmc__journal_inherited();
    }
}

/* From our prepare handler to our parent or child handler the lock is
 * held: the program's atfork handlers that run then (those registered
 * before ours) pass their calls through; the others are traced. A raw
 * clone child that forks takes its own journal first. */
static void atfork_prepare(void)
{
    shmc__adopt_clone();
    shmc__lock();
    shmc__in_tracer = 1;
}

static void atfork_child(void)
{
    start_child(shmc__trace.pid, SHMC_REG_FORKED);
    shmc__in_tracer = 0;
}

/* The stamp: a private page that the kernel gives a raw clone child (no
 * CLONE_VM) as zeros. Without MADV_WIPEONFORK: the static one, never wiped. */
static void map_stamp(void)
{
    size_t len = (size_t)getauxval(AT_PAGESZ);
    int *page = mmap(NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (page == MAP_FAILED) /* LCOV_EXCL_BR_LINE: only out of memory */
        return;             /* LCOV_EXCL_LINE: (at start-up) */
    /* LCOV_EXCL_BR_START: fails only before Linux 4.14 */
    if (madvise(page, len, MADV_WIPEONFORK) != 0) {
        munmap(page, len); /* LCOV_EXCL_LINE */
        return;            /* LCOV_EXCL_LINE */
    }
    /* LCOV_EXCL_BR_STOP */
    *page = 1;
    shmc__stamp = page;
}

/* Whether this process has an address space of its own, not ppid's:
 * kcmp(2) tells; where it cannot (no CONFIG_KCMP; ppid not ours to look
 * at), no: the process is not adopted. */
static int own_memory(pid_t ppid)
{
    return syscall(SYS_kcmp, getpid(), ppid, KCMP_VM, 0, 0) > 0;
}

/* Whether pid has ended: gone, or a zombie (a parent's children are
 * reparented before it becomes one, so an orphan may see it so). */
static int ended(pid_t pid)
{
    char state = '?';
    int ppid;

    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    /* 'X' (dead) shows only in the instant between reaping and release. */
    return shmc_proc_stat((int)pid, &state, &ppid) == 0 &&
           (state == 'Z' || state == 'X'); /* LCOV_EXCL_BR_LINE: 'X' fleeting */
}

int shmc__adopt_clone(void)
{
    struct shmc_trace *t = &shmc__trace;
    int saved = errno, was = shmc__in_tracer;

    if (!shmc__cloned() || was ||
        atomic_load_explicit(&t->phase, memory_order_acquire) != SHMC_READY)
        return 1;
    pid_t ppid = getppid(), parent = t->pid;
    /* Not its parent's child any more: an orphan if that parent ended (a
     * vfork child's waits for it); else the raw clone child of a raw clone
     * child that made no traced call yet, or a vfork child of such a child
     * (same memory, same zero page: it passes through); kcmp tells. */
    if (ppid != t->pid && !ended(t->pid)) {
        if (!own_memory(ppid))
            return 0;
        parent = ppid;
    }
    shmc__in_tracer = 1;
    start_child(parent, SHMC_REG_CLONED);
    shmc__in_tracer = was;
    errno = saved;
    return 1;
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

    /* LCOV_EXCL_BR_START: dladdr finds this object, by a name */
    if (dladdr((void *)&shmc__enter, &info) && info.dli_fname &&
        info.dli_fname[0] != '\0')
        shmc__trace.self_path = info.dli_fname;
    /* LCOV_EXCL_BR_STOP */
}

static void init(void)
{
    struct shmc_trace *t = &shmc__trace;
    char **env = shmc__start_env(), warnings[2048];

    /* The real functions are looked up at the first call that needs them
     * (shmc__enter), not here: most programs never call one. */
    if (shmc_trace_config_parse(&t->cfg, env, getauxval(AT_SECURE) != 0,
                                warnings, sizeof warnings) > 0)
        shmc__say(warnings);
    shmc__keep_settings(env);
    shmc__find_root(env);
    shmc__find_cli(env, getauxval(AT_SECURE) != 0);
    shmc__find_registry(env, getauxval(AT_SECURE) != 0);
    t->journal_now = shmc__journal_now;
    t->pid = getpid();
    t->start_ns = shmc__now_ns_cold();
    shmc_table_init(&t->atts, sizeof(struct shmc_att));
    shmc_table_init(&t->segs, sizeof(struct shmc_seg));
    shmc_table_init(&t->depot, sizeof(struct shmc_stack));
    if (t->cfg.report != SHMC_REPORT_NONE) /* where a report would go */
        remember_stderr();
    find_self();
    map_stamp();
    if (t->cfg.stacks == SHMC_STACKS_FULL) {
        void *prime[2]; /* loads the unwinder now, not inside a call */
        backtrace(prime, 2);
    }
    if (t->cfg.log_dir[0])
        shmc__image_start(getppid(), SHMC_REG_EXECED, 0);
    else if (t->cfg.stacks == SHMC_STACKS_FAST) /* for the report's stacks */
        t->main_stack_top = shmc__thread_stack_top();
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
    shmc__resolve();
    if (SHMC_UNLIKELY(shmc__in_tracer))
        return 0;
    if (SHMC_UNLIKELY(
            atomic_load_explicit(&shmc__trace.phase, memory_order_acquire) !=
            SHMC_READY)) {
        if (!start()) {
            shmc__resolve();
            return 0;
        }
    }
    if (shmc__cloned() && !shmc__adopt_clone())
        return 0; /* a vfork child of a raw clone child */
    shmc__in_tracer = 1;
    return 1;
}

int shmc__enter_sysv(void)
{
    if (!shmc__enter())
        return 0;
    if (SHMC_UNLIKELY(atomic_load_explicit(&shmc__trace.journal_wanted,
                                           memory_order_acquire) != 0)) {
        int saved = errno; /* the program's, which the call may keep */
        shmc__journal_now();
        errno = saved;
    }
    return 1;
}

int shmc__enter_own(void)
{
    return shmc__adopt_clone() && shmc__own_process() && shmc__enter();
}

SHMC_CONSTRUCTOR static void trace_constructor(void)
{
    start();
}
