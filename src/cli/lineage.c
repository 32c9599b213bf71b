/*
 * lineage.c - the processes' images from the journals and the image
 * registry (API: lineage.h; the registry's format: journal/registry.h,
 * docs/journal-format.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/reader.h" /* SHMC_MESSAGES_SUFFIX */
#include "journal/registry.h"
#include "lineage.h"
#include "timeline.h"
#include "untraced.h"

/* The latest lineage event of a pid. */
struct event {
    uint64_t t;
    const char *exec_path; /* NULL: an image began (or an exec returned) */
    uint64_t exited;       /* 1: the event is an exit without a journal  */
};

_Static_assert(sizeof(struct event) == CLI_LINEAGE_VALUE,
               "the lineage table's value");

void cli_lineage_note(struct analysis *a, int pid, uint64_t t, const char *path)
{
    int existed;
    struct event *e = cli_analysis_need(
        a, shmc_table_put(&a->lineage, (uint64_t)(uint32_t)pid, &existed));

    if (e == NULL || (existed && e->t > t))
        return;
    e->t = t;
    e->exec_path = NULL;
    e->exited = 0;
    if (path != NULL &&
        (e->exec_path = cli_run_strdup(a->run, path[0] ? path : "?")) == NULL)
        a->oom = 1;
}

/* The NUL-terminated strings of a payload into a new argv. */
static char **argv_of(struct analysis *a, const char *pl, size_t len, int *argc)
{
    const char *end = pl + len;
    size_t n = 0;
    char **argv;

    for (const char *s = pl; s < end && *s;
         s += strnlen(s, (size_t)(end - s)) + 1)
        n++;
    /* LCOV_EXCL_BR_START: out of memory */
    if ((argv = cli_analysis_need(a, calloc(n + 1, sizeof *argv))) == NULL)
        return NULL; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
    n = 0;
    for (const char *s = pl; s < end && *s;
         s += strnlen(s, (size_t)(end - s)) + 1)
        /* LCOV_EXCL_BR_START: strndup fails only without memory */
        if ((argv[n] = cli_analysis_need(a, strndup(s, (size_t)(end - s)))))
            n++;
    /* LCOV_EXCL_BR_STOP */
    *argc = (int)n;
    return argv;
}

/* An image that began traced without a journal: the process is traced;
 * its parent and command line are the registry's unless a journal gave
 * them (journals say more: replayed first, they set traced). */
static void on_start(struct analysis *a, const struct shmc_reg_rec *r,
                     const char *pl, size_t len)
{
    struct cli_process *p = cli_analysis_process(a, r->pid);

    cli_untraced_note(a, &(struct kin){.pid = r->pid,
                                       .ppid = r->ppid,
                                       .journal = 1,
                                       .start_ns = r->time_ns});
    cli_lineage_note(a, r->pid, r->time_ns, NULL);
    if (p == NULL || p->traced == 1)
        return;
    p->traced = 2; /* by the registry alone, so far */
    p->ppid = r->ppid;
    if (r->arg != SHMC_REG_EXECED && p->argv != NULL)
        return; /* a fork child runs what its parent ran */
    int argc = 0;
    char **argv = argv_of(a, pl, len, &argc);
    if (argv == NULL) /* LCOV_EXCL_BR_LINE: out of memory */
        return;       /* LCOV_EXCL_LINE */
    for (int i = 0; p->argv && p->argv[i]; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = argv;
    p->argc = argc;
}

/* The status exit() or _exit() was called with, for a process the CLI
 * did not reap (its parent did); the time, as a journal's EXIT gives it,
 * for the judgement of a pid taken again (kernel.c). */
static void on_exit_call(struct analysis *a, const struct shmc_reg_rec *r)
{
    struct cli_process *p = cli_analysis_process(a, r->pid);
    struct event *e;

    cli_lineage_note(a, r->pid, r->time_ns, NULL);
    e = shmc_table_get(&a->lineage, (uint64_t)(uint32_t)r->pid);
    if (e != NULL && e->t == r->time_ns)
        e->exited = 1;
    if (p != NULL && r->arg >= 0 && r->arg <= 255) {
        p->end = CLI_END_EXIT;
        p->value = (int)r->arg;
    }
}

/* A process whose journal could not be made when it first needed one:
 * its System V calls went unrecorded. Unless a journal of it was read,
 * it counts as untraced, with why. */
static void no_journal(struct analysis *a, const struct shmc_reg_rec *r)
{
    struct cli_process *p = cli_analysis_process(a, r->pid);
    const char *name = strerrorname_np((int)r->arg);
    char why[256];

    if (p == NULL || p->traced == 1)
        return;
    snprintf(why, sizeof why,
             "its journal could not be created in the log directory at its "
             "first System V call: %s (%s)",
             name ? name : "?", strerror((int)r->arg));
    p->traced = 3; /* untraced: the registry says so */
    /* Its image ran then. Noted, cli_lineage_finish sees the pid even
     * when the image's START was lost (a write cut short): traced 3
     * becomes 0 there, not a process counted traced without a warning. */
    cli_lineage_note(a, r->pid, r->time_ns, NULL);
    /* LCOV_EXCL_BR_START: out of memory */
    if ((p->reason = cli_run_strdup(a->run, why)) == NULL)
        a->oom = 1; /* LCOV_EXCL_LINE */
    /* LCOV_EXCL_BR_STOP */
}

static void on_record(struct analysis *a, const struct shmc_reg_rec *r,
                      const char *pl, size_t len)
{
    char path[SHMC_REG_MAX + 1];
    size_t n = strnlen(pl, len);

    memcpy(path, pl, n);
    path[n] = '\0';
    /* An image without a journal: its span and execs from here. */
    cli_timeline_span(a->tl, r->pid, r->time_ns, r->time_ns);
    if (r->kind == SHMC_REG_EXEC)
        cli_timeline_exec(a->tl, r->pid, r->time_ns);
    else if (r->kind == SHMC_REG_EXEC_FAIL)
        cli_timeline_exec_failed(a->tl, r->pid);
    switch (r->kind) {
    case SHMC_REG_START:
        on_start(a, r, pl, len);
        break;
    case SHMC_REG_EXEC:
        cli_lineage_note(a, r->pid, r->time_ns, path);
        break;
    case SHMC_REG_EXEC_FAIL:
        cli_lineage_note(a, r->pid, r->time_ns, NULL);
        break;
    case SHMC_REG_SPAWN:
        if (r->arg > 0 && r->arg <= INT32_MAX)
            cli_untraced_note(a, &(struct kin){.pid = (int)r->arg,
                                               .ppid = r->pid,
                                               .name = n ? path : NULL});
        break;
    case SHMC_REG_NOJOURNAL:
        no_journal(a, r);
        break;
    default: /* SHMC_REG_EXIT */
        on_exit_call(a, r);
        break;
    }
}

/* Every record of the registry, if the log directory has one. */
static void read_registry(struct analysis *a)
{
    char path[PATH_MAX + sizeof SHMC_REGISTRY_NAME + 1];
    struct shmc_reg_reader rd;
    const struct shmc_reg_rec *r;
    const char *pl;
    size_t len;
    struct stat sb;
    void *data;
    int fd;

    snprintf(path, sizeof path, "%s/%s", a->in->log_dir, SHMC_REGISTRY_NAME);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            cli_analysis_warn(a, "%s: cannot read: %s", path, strerror(errno));
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        if (!S_ISREG(sb.st_mode))
            cli_analysis_warn(a,
                              "%s: not a regular file, not an image "
                              "registry",
                              path);
        close(fd);
        return;
    }
    data = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    /* LCOV_EXCL_START: mapping a regular file open for reading fails only
     * without memory or address space */
    if (data == MAP_FAILED) {
        cli_analysis_warn(a, "%s: cannot map: %s", path, strerror(errno));
        return;
    }
    /* LCOV_EXCL_STOP */
    shmc_reg_reader_init(&rd, data, (size_t)sb.st_size);
    while ((r = shmc_reg_next(&rd, &pl, &len)) != NULL)
        on_record(a, r, pl, len);
    if (rd.skipped)
        cli_analysis_warn(a,
                          "%s: %zu byte(s) that are no record skipped "
                          "(a write cut short, or damage)",
                          path, rd.skipped);
    munmap(data, (size_t)sb.st_size);
}

/* Whether pid's messages say its journal could not be made (the tracer
 * says so there too when even the registry could not take it). */
static int said_no_journal(const struct analysis *a, int pid)
{
    char path[PATH_MAX + 32], text[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "%s/%d" SHMC_MESSAGES_SUFFIX, a->in->log_dir,
             pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
        return 0;
    n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    return strstr(text, "cannot create a journal") != NULL;
}

static void note_exited(struct analysis *a, uint64_t pid, uint64_t t)
{
    uint64_t *when =
        cli_analysis_need(a, shmc_table_put(&a->exited, pid, NULL));

    if (when != NULL && *when < t)
        *when = t;
}

void cli_lineage_finish(struct analysis *a)
{
    size_t pos = 0;
    uint64_t pid;
    void *v;

    if (a->in->log_dir != NULL)
        read_registry(a);
    while (shmc_table_next(&a->lineage, &pos, &pid, &v)) {
        const struct event *e = v;
        struct cli_process *p = cli_analysis_process(a, (int)(uint32_t)pid);
        uint64_t *when;
        if (p == NULL)
            return;
        if (p->traced == 2 && a->in->log_dir != NULL &&
            said_no_journal(a, p->pid))
            p->traced = 0; /* untraced.c says why, from the messages */
        p->traced = p->traced == 1 || p->traced == 2;
        p->exec_path = p->traced ? e->exec_path : NULL;
        when = shmc_table_get(&a->exited, pid);
        if (e->exited) /* the last image of the pid exited: since when */
            note_exited(a, pid, e->t);
        else if (when != NULL && *when < e->t) /* the pid went on after */
            shmc_table_del(&a->exited, pid);
    }
}
