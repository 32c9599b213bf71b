/*
 * state.h - the tracer's one state struct and the functions the
 * interposers share.
 *
 * Every interposer has the same shape:
 *     guard (shmc__enter) -> call the real function -> save errno ->
 *     record -> restore errno -> return
 * so the program sees exactly the result and errno it would see without
 * the tracer. Calls made before initialisation, from inside the tracer
 * (recursion) or after the final report go straight to the real function.
 */
#ifndef SHMC_TRACE_STATE_H
#define SHMC_TRACE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "journal/compiler.h"
#include "journal/settings.h"
#include "journal/writer.h"
#include "journal/table.h"

#define SHMC_MAX_FINDINGS                              \
    64 /* kept in detail per process; more are counted \
        */
#define SHMC_MAX_MODULES 256

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
    uint8_t detached;  /* shmdt succeeded; kept to explain double detach */
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

enum shmc_phase { SHMC_OFF = 0, SHMC_STARTING, SHMC_READY, SHMC_DONE };

/* The tracer's state: the only mutable global of the tracer. `lock`
 * guards the tables, the findings and the module list; the journal has its
 * own synchronisation. After fork, the child resets the lock and starts a
 * journal of its own. */
struct shmc_trace {
    _Atomic int phase;
    struct shmc_real real;
    struct shmc_trace_config cfg;
    _Atomic int lock; /* shmc__lock/shmc__unlock                      */
    pid_t pid;
    uint64_t start_ns;
    int journal_on;
    struct shmc_jwriter journal;
    struct shmc_table atts;  /* addr -> struct shmc_att          */
    struct shmc_table segs;  /* shmid -> struct shmc_seg         */
    struct shmc_table depot; /* stack hash -> struct shmc_stack */
    struct shmc_event events[SHMC_MAX_FINDINGS];
    unsigned nevents, events_lost;
    unsigned long invalid_detaches, failed_calls, attaches, detaches;
    struct shmc_module modules[SHMC_MAX_MODULES];
    unsigned nmodules;
    pthread_mutex_t scan_lock; /* one module scan at a time            */
    struct shmc_scan scan;     /* under scan_lock                        */
    uintptr_t main_stack_top;
    char self_path[PATH_MAX]; /* this library, for LD_PRELOAD after exec */
    dev_t stderr_dev;         /* fd 2 at start: report only if unchanged */
    ino_t stderr_ino;
    int stderr_ok;
    char exe[PATH_MAX];
    char env_keep[4096]; /* SHMCHECK_* entries at start, NUL-separated,
                            ending with an empty string: kept across exec */
    uint32_t gen;        /* attachment generations, under lock */
};

extern struct shmc_trace shmc__trace;

/* What an interposer knows about the call it is making. */
struct shmc_call {
    uint64_t time_ns;
    int err;
    uint16_t nframes;
    uint64_t frames[SHMC_JMAX_FRAMES];
};

/* The state lock (a spin lock; see state.c). */
void shmc__lock(void);
void shmc__unlock(void);

/* 1: record this call (the real functions are resolved); 0: pass it
 * straight through (resolving the real function first). */
int shmc__enter(void);
void shmc__leave(void);
/* Resolves the real functions (idempotent; safe before init). */
void shmc__resolve(void);

/* Stores call's stack in the depot (lock held); returns its key. */
uint64_t shmc__stack_save(const struct shmc_call *call);
/* The stack stored under key, or NULL. */
const struct shmc_stack *shmc__stack_get(uint64_t key);

/* Fills call->frames from the interposer's frame and return address. */
void shmc__capture(struct shmc_call *call, void *frame, void *ret);
/* The top (end) of the calling thread's stack, or 0 if unknown. For the
 * main thread glibc reads /proc/self/maps, allocating: ask at start. */
uintptr_t shmc__thread_stack_top(void);

/* Writes one record; payload may be NULL. Call it through shmc__journal,
 * which costs nothing without a journal (the check is inline); a closed
 * writer refuses the record anyway. */
void shmc__journal_write(uint16_t type, const struct shmc_call *call,
                         int64_t result, const int64_t args[4],
                         const void *payload, size_t payload_len);
#define shmc__journal(...)                    \
    do {                                      \
        if (shmc__trace.journal_on)           \
            shmc__journal_write(__VA_ARGS__); \
    } while (0)

/* What shmdt needs to know before the attachment is gone. */
struct shmc_dt {
    int shmid;        /* -1 when the address was never attached here */
    int was_attached; /* attached and not yet detached               */
    uint32_t gen;
};

/* Per call kind: journal it, update the tables, note failures. */
struct shmid_ds;
void shmc__on_shmget(struct shmc_call *c, key_t key, size_t size, int flg,
                     int r);
void shmc__on_shmat(struct shmc_call *c, int shmid, const void *addr, int flg,
                    void *p);
void shmc__before_shmdt(const void *addr, struct shmc_dt *d);
void shmc__on_shmdt(struct shmc_call *c, const void *addr,
                    const struct shmc_dt *d, int r);
void shmc__on_shmctl(struct shmc_call *c, int shmid, int cmd,
                     const struct shmid_ds *buf, int r);
void shmc__on_ftok(struct shmc_call *c, const char *path, int proj, key_t r);

/* Thread id, cached per thread. */
int shmc__tid(void);
uint64_t shmc__now_ns(void);

/* Module list: rescan after dlopen (journals new modules). */
void shmc__modules_scan(void);

/* Writes all of buf to fd (retrying short writes and EINTR), ignoring
 * failures and never raising SIGPIPE in the program: a reader that went
 * away (prog 2>&1 | head) must not kill it. */
void shmc__write_all(int fd, const char *buf, size_t len);

/* The report for this process image; how = "exit", "_exit" or "exec".
 * Returns 1 when it found errors (by cfg.errors). */
int shmc__report(const char *how);

/* End of this image (once): journal EXIT, report, close the journal.
 * Returns 1 when the caller must exit with cfg.exitcode instead of its
 * status (errors were found and SHMCHECK_EXITCODE is not 0). */
int shmc__finish(const char *how, int status, int exit_how);

#endif
