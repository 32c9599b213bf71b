/*
 * image.c - the lineage of a process image (API: image.h): a journal of
 * its own from its start, or, under the CLI, a record in the image
 * registry until it first needs a journal (its first System V call, a
 * fork while it holds attachments, a lineage event the registry cannot
 * take), when the journal is made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "journal/textbuf.h"
#include "emit.h"
#include "image.h"
#include "messages.h"
#include "modules.h"
#include "registry.h"
#include "stack.h"
#include "state.h"

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

/* What a journal needs that a process without one never pays for: the
 * executable's path, and, for fast stacks, where the main thread's stack
 * ends (glibc reads /proc for it). */
static void journal_needs(void)
{
    struct shmc_trace *t = &shmc__trace;

    shmc__exe();
    if (t->cfg.stacks == SHMC_STACKS_FAST && t->main_stack_top == 0)
        t->main_stack_top = shmc__thread_stack_top();
}

static void journal_start(pid_t ppid)
{
    shmc__resolve(); /* the journal's start may call the real functions */
    struct shmc_trace *t = &shmc__trace;
    char payload[SHMC_JMAX_RECORD - 256];
    size_t exe_len, n;
    int64_t args[4] = {ppid, 0, 0, 0};

    journal_needs();
    exe_len = strlen(t->exe) + 1;

    if (shmc_jwriter_open_via(&t->journal, t->broker_on ? &t->broker : NULL,
                              t->cfg.log_dir, &t->dir_pin, t->pid, ppid,
                              t->cfg.stacks ? SHMC_JF_STACKS : 0, t->start_ns,
                              0) != 0) {
        const char *name = strerrorname_np(errno);
        char text[256];
        struct shmc_textbuf o;
        shmc_textbuf_init(&o, text, sizeof text);
        shmc_textbuf_printf(&o, /* LCOV_EXCL_BR_LINE: each errno has a name */
                            "shmcheck: cannot create a journal in "
                            "SHMCHECK_LOG_DIR: errno %d (%s); tracing "
                            "without one\n",
                            errno, name ? name : "?");
        shmc__say(text);
        t->journal_on = 0;
        return;
    }
    t->journal_on = 1;
    memcpy(payload, t->exe, exe_len);
    n = read_cmdline(payload + exe_len, sizeof payload - exe_len);
    shmc__journal_write(SHMC_J_START, NULL, 0, args, payload, exe_len + n);
}

void shmc__journal_inherited(void)
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
        /* Where the parent attached it (NULL: the depot ran out of memory) */
        if (s != NULL) { /* LCOV_EXCL_BR_LINE: only out of memory */
            c.nframes = s->nframes;
            memcpy(c.frames, s->frames, 8u * s->nframes);
        }
        shmc__journal(SHMC_J_INHERIT, &c, 0, args, NULL, 0);
    }
}

/* The journal of an image that had none (journal_wanted 1), made at its
 * first System V call or when the registry cannot take a record. One
 * thread makes it; one that comes meanwhile waits for it. */
void shmc__journal_now(void)
{
    struct shmc_trace *t = &shmc__trace;
    int wanted = 1;

    if (atomic_compare_exchange_strong(&t->journal_wanted, &wanted, 2)) {
        journal_start(t->ppid);
        if (t->journal_on)
            shmc__modules_scan();
        else /* its calls go unrecorded from now on: the CLI must know */
            shmc__registry_write(SHMC_REG_NOJOURNAL, errno, NULL, NULL);
        atomic_store(&t->journal_wanted, 0);
        return;
    }
    /* LCOV_EXCL_START: a second thread's first call while the first makes
     * the journal: tests run such threads, the timing decides */
    while (atomic_load(&t->journal_wanted) == 2)
        sched_yield();
    /* LCOV_EXCL_STOP */
}

/* Whether the process holds an attachment (after a fork: inherited). */
int shmc__holds_attachments(void)
{
    size_t pos = 0;
    uint64_t addr;
    void *v;

    while (shmc_table_next(&shmc__trace.atts, &pos, &addr, &v))
        if (!((const struct shmc_att *)v)->detached)
            return 1;
    return 0;
}

/* Where the image's lineage goes from its start: under the CLI, while it
 * needs no journal, one registry record (how it started); else, or when
 * the registry cannot take it, a journal now. */
void shmc__image_start(pid_t ppid, enum shmc_reg_start how, int needs)
{
    struct shmc_trace *t = &shmc__trace;
    extern void *__libc_stack_end; /* ld.so's: argc, then argv */
    char **argv = (char **)__libc_stack_end + 1;

    t->ppid = ppid;
    atomic_store(&t->journal_wanted, 0);
    if (!needs && t->registry_on &&
        shmc__registry_write(SHMC_REG_START, how, argv, NULL) == 0) {
        atomic_store(&t->journal_wanted, 1);
        return;
    }
    journal_start(ppid);
    shmc__modules_scan();
}
