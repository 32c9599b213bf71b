/*
 * state.h - the bottom of the tracer: its one state struct, and the
 * primitives every layer above builds on (the lock, the recursion guard,
 * the thread id, the clock, the real functions, a write that cannot raise
 * SIGPIPE).
 *
 * The tracer's layers; a file calls and includes only files below it:
 *   5  interpose.c process.c  the interposed functions (exports.map)
 *   4  start.c finish.c       the lifecycle: start and fork; exit and exec
 *   3  report.c image.c       the report at the end of a process image;
 *                             its lineage (journal, or registry record)
 *   2  record.c modules.c     what each call leaves; the module list;
 *      query.c                the stacks the library's leak check asks
 *                             for (src/lib/trace_query.h)
 *   1  emit.c stack.c env.c   journal records; call stacks and their
 *      root.c messages.c      depot; the environment passed on at exec;
 *      registry.c             the root of the traced tree; the tracer's
 *                             messages, the log directory; the image
 *                             registry (lineage without a journal)
 *   0  state.c                the state and its primitives (this header)
 * What libc starts on its own (fork's handlers, the end of the process)
 * enters through the handlers the lifecycle registers: pthread_atfork in
 * start.c, the destructor and on_exit in finish.c. Each file's header
 * declares only what the layers above it use.
 */
#ifndef SHMC_TRACE_STATE_H
#define SHMC_TRACE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/types.h>
#include <unistd.h>

#include "journal/compiler.h"
#include "journal/settings.h"
#include "journal/table.h"
#include "journal/writer.h"

#define SHMC_MAX_FINDINGS 64 /* kept in detail per process; more counted */
#define SHMC_MAX_MODULES 256

/* What an interposer knows about the call it is making. */
struct shmc_call {
    uint64_t time_ns;
    int err;
    uint16_t nframes;
    uint64_t frames[SHMC_JMAX_FRAMES];
};

/* A call stack, stored once in the stack depot (keyed by its hash) and
 * referred to by that key, so the per-attachment tables stay small and
 * cache-friendly however many attachments there are. */
struct shmc_stack {
    uint16_t nframes;
    uint64_t frames[SHMC_JMAX_FRAMES];
};

/* One live (or detached) attachment of this process, keyed by address. */
struct shmc_att {
    int shmid;
    int shmflg;
    uint64_t segsz;
    uint64_t stack;    /* depot key of where it was attached            */
    uint32_t gen;      /* tells this attachment from a later one there  */
    uint8_t inherited; /* came through fork                             */
    uint8_t detached;  /* shmdt succeeded, or its pages were unmapped;
                          kept to explain double detach              */
    uint8_t remapped;  /* remap_file_pages replaced its first page:
                          shmdt of its address fails (EINVAL)        */
    uint64_t lo, hi;   /* [lo, hi): what is still mapped where it was
                          attached (record.c; hi 0: size unknown)    */
};

/* A segment this process created, keyed by shmid; its IPC_RMID by this
 * process deletes the entry. */
struct shmc_seg {
    int32_t key;
    uint64_t size;
    uint64_t stack; /* depot key of where it was created             */
};

/* A failed call or an invalid detach, for the exit report. */
struct shmc_event {
    int op;    /* enum shmc_jtype */
    int err;   /* errno */
    int check; /* enum shmc_err from the validator, 0 if it accepted */
    int shmid; /* for an invalid detach: the segment once attached there */
    int64_t args[4];
    uint16_t nframes;
    uint64_t frames[SHMC_JMAX_FRAMES];
};

struct shmc_module {
    uintptr_t start, end;
};

/* Objects seen by one dl_iterate_phdr walk, before they are merged. */
struct shmc_scan {
    unsigned n;
    struct {
        uintptr_t bias, start, end;
        const char *path; /* the loader's string, valid while loaded */
    } obj[SHMC_MAX_MODULES];
};

/* The functions the tracer interposes, as libc defines them. */
struct shmc_real {
    int (*shmget)(key_t, size_t, int);
    void *(*shmat)(int, const void *, int);
    int (*shmdt)(const void *);
    int (*shmctl)(int, int, void *);
    key_t (*ftok)(const char *, int);
    pid_t (*fork)(void);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    SHMC_NORETURN void (*_exit_)(int);
    void *(*dlopen)(const char *, int);
    int (*posix_spawn)(pid_t *, const char *, const void *, const void *,
                       char *const[], char *const[]);
    int (*posix_spawnp)(pid_t *, const char *, const void *, const void *,
                        char *const[], char *const[]);
};

/* Names the root of the traced tree, "<pid>:<start time>" (root.c); the
 * SHMCHECK__ prefix keeps it out of the settings (settings.h). */
#define SHMC_ROOT_ENV "SHMCHECK__ROOT"

enum shmc_phase { SHMC_OFF = 0, SHMC_STARTING, SHMC_READY, SHMC_DONE };

/* The tracer's state: the only mutable global of the tracer. `lock`
 * guards the tables, the findings and the module list; the journal has its
 * own synchronisation. After fork, the child resets the lock and starts a
 * journal of its own. */
struct shmc_trace {
    /* What every image touches at its start first, together, then the
     * large tables only an image that makes System V calls uses: a
     * process that never does touches as few pages as can be. */
    _Atomic int phase;
    struct shmc_real real;
    _Atomic int lock; /* shmc__lock/shmc__unlock                      */
    pid_t pid;
    pid_t ppid; /* the parent when this image (or fork child) started  */
    uint64_t start_ns;
    int journal_on;
    /* Under the CLI an image journals only once it needs to (start.c):
     * until then its lineage goes to the CLI's image registry
     * (registry.h). 1: no journal yet, one is to be made at the first
     * System V call; 2: one thread is making it; 0: made, or none due. */
    _Atomic int journal_wanted;
    void (*journal_now)(void); /* start.c's: makes that journal now;
                                  lower layers call it through this, as
                                  libc calls the lifecycle's handlers  */
    int registry_on; /* the CLI's registry (SHMC_REGISTRY_ENV) is known */
    uint64_t registry_dev, registry_ino;
    int broker_on; /* under the CLI: journals through its broker */
    struct shmc_broker broker;
    struct shmc_jdir_pin dir_pin; /* under the CLI: its log directory  */
    struct shmc_table atts;       /* addr -> struct shmc_att          */
    struct shmc_table segs;       /* shmid -> struct shmc_seg         */
    struct shmc_table depot;      /* stack hash -> struct shmc_stack */
    dev_t stderr_dev;             /* fd 2 at start: report only if unchanged */
    ino_t stderr_ino;
    int stderr_ok;
    uint32_t gen;      /* attachment generations, under lock */
    int root;          /* the root of the traced tree (root.c): the only
                          process whose exit status may change        */
    char root_env[64]; /* SHMC_ROOT_ENV entry to pass on at exec     */
    uintptr_t main_stack_top;
    const char *self_path; /* this library (the loader's name for it, which
                              lives as long as it): LD_PRELOAD after exec */
    /* The two large parts of the start, last and together: with what is
     * above, they span two pages, the first shared with the end of the
     * tracer's .data, which the loader has already touched. */
    struct shmc_trace_config cfg;
    char env_keep[4096]; /* SHMCHECK_* entries at start, NUL-separated,
                            ending with an empty string: kept across exec */
    unsigned nevents, events_lost;
    unsigned long invalid_detaches, failed_calls, attaches, detaches;
    unsigned nmodules;
    pthread_mutex_t scan_lock; /* one module scan at a time            */
    /* The large part: what a fork child resets is all above. */
    struct shmc_jwriter journal;
    struct shmc_event events[SHMC_MAX_FINDINGS];
    struct shmc_module modules[SHMC_MAX_MODULES];
    struct shmc_scan scan; /* under scan_lock                        */
    char exe[PATH_MAX];
};

extern struct shmc_trace shmc__trace;

/* The stamp: nonzero; a MADV_WIPEONFORK page once started, which reads 0
 * in a child made by a raw clone (no CLONE_VM). */
extern int *shmc__stamp;

/* The real functions (resolved by shmc__resolve): a call through them
 * never reaches the tracer's own interposers. */
#define SHMC_REAL (shmc__trace.real)

/* Resolves the real functions (idempotent; safe before start). */
void shmc__resolve(void);

/* The state lock (a spin lock; see state.c). */
void shmc__lock(void);
void shmc__unlock(void);

/* The recursion guard: set while this thread runs the tracer's own code,
 * so that the calls it makes meanwhile (and the program's calls from its
 * atfork handlers while ours hold the lock) pass straight through. */
extern __thread int shmc__in_tracer;

/* The end of a traced call: this thread leaves the tracer. */
static inline void shmc__leave(void)
{
    shmc__in_tracer = 0;
}

/* Whether a file of size bytes can take len more (and slack for other
 * writers) within the file size limit: a write past it would raise
 * SIGXFSZ in the program. */
int shmc__fits(off_t size, size_t len, size_t slack);

/* The executable's path (shmc__trace.exe), read from /proc once, when
 * first needed: a process that needs no journal never pays for it. */
const char *shmc__exe(void);

/* Thread id, cached per thread; the monotonic clock in nanoseconds. */
int shmc__tid(void);
uint64_t shmc__now_ns(void);

/* The same clock by a system call rather than the vDSO: for what every
 * image does once (its start, its registry records), so that a process
 * that never needs the vDSO's clock does not fault its pages in. */
uint64_t shmc__now_ns_cold(void);

/* 0 in a vfork or posix_spawn child, or a raw clone: it shares or copied
 * this process's memory, state included, and must leave it alone. */
static inline int shmc__own_process(void)
{
    return getpid() == shmc__trace.pid;
}

/* 1 in a child made by a raw clone without CLONE_VM that has not taken
 * a journal of its own yet (start.c): the kernel gave it a zero page for
 * the stamp. One load and a compare: the interposers' fast path. */
static inline int shmc__cloned(void)
{
    return SHMC_UNLIKELY(*shmc__stamp == 0);
}

/* In a forked child, first of all: the locks as if no other thread held
 * them, and this process's pid and tid. */
void shmc__state_after_fork(void);

/* The kernel's view of a segment (IPC_STAT through the real shmctl). */
struct shmid_ds;
static inline int shmc__kernel_stat(int shmid, struct shmid_ds *ds)
{
    return SHMC_REAL.shmctl(shmid, IPC_STAT, ds);
}

/* Writes all of buf to fd (retrying short writes and EINTR), ignoring
 * failures and never raising SIGPIPE in the program: a reader that went
 * away (prog 2>&1 | head) must not kill it. */
void shmc__write_all(int fd, const char *buf, size_t len);

#endif
