/*
 * analyze.c - replays each journal and judges the segments the tree left
 * (DESIGN.md, "Leak semantics").
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "journal/reader.h"
#include "shmcheck.h"
#include "journal/table.h"

long cli_kernel_segments(const char *path, struct cli_kseg **out)
{
    FILE *f = fopen(path ? path : "/proc/sysvipc/shm", "re");
    struct cli_kseg *v = NULL, k;
    size_t n = 0, cap = 0;
    char line[512];

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long size;
        if (sscanf(line, "%d %d %o %llu %d %d %lu %*u %*u %*u %*u %*d %*d %ld",
                   &k.key, &k.shmid, &k.mode, &size, &k.cpid, &k.lpid,
                   &k.nattch, &k.ctime) != 8)
            continue; /* the header line */
        k.size = size;
        if (n == cap) {
            struct cli_kseg *w =
                realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v);
            if (w == NULL) {
                free(v);
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            v = w;
        }
        v[n++] = k;
    }
    fclose(f);
    *out = v;
    return (long)n;
}

/* ---- growing arrays ---- */

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? 2 * *cap : 16;
    void *q = realloc(p, c * size);
    if (q != NULL)
        *cap = c;
    return q;
}

struct analysis {
    const struct cli_inputs *in;
    struct cli_run *run;
    size_t cap_procs, cap_findings, cap_warnings;
    struct shmc_table created; /* shmid -> struct created */
    struct shmc_table removed; /* shmid -> (nothing): IPC_RMID seen */
    int oom;
};

/* A segment some process of the tree created. */
struct created {
    int pid;
    int32_t key;
    uint64_t size;
    struct cli_stack *stack;
};

/* p, noting that memory ran out when it is NULL. */
static void *need(struct analysis *a, void *p)
{
    if (p == NULL)
        a->oom = 1;
    return p;
}

static void warn(struct analysis *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct analysis *a, const char *fmt, ...)
{
    struct cli_run *run = a->run;
    char *text;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    char **w =
        grow(run->warnings, &a->cap_warnings, run->nwarnings + 1, sizeof *w);
    if (w != NULL) { /* the run owns it, and frees it, from now on */
        run->warnings = w;
        w[run->nwarnings] = NULL;
    }
    if (text == NULL || w == NULL) {
        free(text);
        a->oom = 1;
        return;
    }
    w[run->nwarnings++] = text;
    w[run->nwarnings] = NULL;
}

static struct cli_finding *add_finding(struct analysis *a, enum cli_kind kind,
                                       int pid)
{
    struct cli_run *run = a->run;
    struct cli_finding *f =
        grow(run->findings, &a->cap_findings, run->nfindings, sizeof *f);
    if (f == NULL) {
        a->oom = 1;
        return NULL;
    }
    run->findings = f;
    f = &f[run->nfindings];
    memset(f, 0, sizeof *f);
    f->order = run->nfindings++;
    f->kind = kind;
    f->pid = pid;
    f->shmid = -1;
    return f;
}

static struct cli_process *process(struct analysis *a, int pid)
{
    struct cli_run *run = a->run;

    for (size_t i = 0; i < run->nprocs; i++)
        if (run->procs[i].pid == pid)
            return &run->procs[i];
    struct cli_process *p =
        grow(run->procs, &a->cap_procs, run->nprocs, sizeof *p);
    if (p == NULL) {
        a->oom = 1;
        return NULL;
    }
    run->procs = p;
    p = &p[run->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->ppid = -1;
    return p;
}

/* ---- one process image ---- */

struct module {
    uint64_t bias, start, end;
    const char *path;
};

struct image {
    struct analysis *a;
    int pid;
    struct module *mods;
    size_t nmods, cap_mods;
    struct shmc_table atts; /* addr -> struct att */
    int exec_pending;       /* an EXEC not (yet) followed by EXEC_FAIL */
    int exited;
};

struct att {
    int shmid;
    int inherited;
    const struct shmc_jrec *rec; /* where it was attached */
};

static void to_stack(struct image *im, const struct shmc_jrec *r,
                     struct cli_stack *out)
{
    const uint64_t *pcs = shmc_jrec_frames(r);

    out->n = 0;
    for (unsigned i = 0; i < r->nframes && i < CLI_MAX_FRAMES; i++) {
        struct cli_frame *f = &out->f[out->n++];
        memset(f, 0, sizeof *f);
        f->pc = pcs[i];
        for (size_t m = 0; m < im->nmods; m++)
            if (pcs[i] >= im->mods[m].start && pcs[i] < im->mods[m].end) {
                f->module = im->mods[m].path;
                f->offset = pcs[i] - im->mods[m].bias;
                break;
            }
    }
}

static void on_start(struct image *im, const struct shmc_jrec *r)
{
    struct cli_process *p = process(im->a, im->pid);
    const char *pl = shmc_jrec_payload(r), *end = pl + r->payload;
    size_t n = 0;
    char **argv;

    if (p == NULL)
        return;
    p->ppid = (int)r->args[0];
    p->traced = 1;
    pl += strnlen(pl, (size_t)(end - pl)) + 1; /* skip the exe path */
    for (const char *s = pl; s < end; s += strnlen(s, (size_t)(end - s)) + 1)
        n++;
    if ((argv = need(im->a, calloc(n + 1, sizeof *argv))) == NULL)
        return;
    n = 0;
    for (const char *s = pl; s < end; s += strnlen(s, (size_t)(end - s)) + 1)
        if ((argv[n] = need(im->a, strndup(s, (size_t)(end - s)))) != NULL)
            n++;
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = argv;
    p->argc = (int)n;
}

static void on_module(struct image *im, const struct shmc_jrec *r)
{
    struct module *m =
        need(im->a, grow(im->mods, &im->cap_mods, im->nmods, sizeof *m));
    if (m == NULL)
        return;
    im->mods = m;
    m = &m[im->nmods++];
    m->bias = (uint64_t)r->args[0];
    m->start = (uint64_t)r->args[1];
    m->end = (uint64_t)r->args[2];
    /* The payload is untrusted: its path ends at its NUL or its end. */
    char path[SHMC_JMAX_RECORD + 1];
    size_t n = strnlen(shmc_jrec_payload(r), r->payload);
    memcpy(path, shmc_jrec_payload(r), n);
    path[n] = '\0';
    if ((m->path = cli_run_strdup(im->a->run, path)) == NULL)
        im->a->oom = 1;
}

static void lint(struct image *im, const struct shmc_jrec *r, const char *rule,
                 int shmid, const char *message)
{
    struct cli_finding *f = add_finding(im->a, CLI_LINT, im->pid);
    if (f == NULL)
        return;
    f->rule = rule;
    f->shmid = shmid;
    f->message = message;
    to_stack(im, r, &f->stack);
}

/* The calls a failed_call can be: a failed shmdt is an invalid detach. */
static const char *call_name(int type)
{
    switch (type) {
    case SHMC_J_SHMGET:
        return "shmget";
    case SHMC_J_SHMAT:
        return "shmat";
    case SHMC_J_SHMCTL:
        return "shmctl";
    default: /* SHMC_J_FTOK */
        return "ftok";
    }
}

/* What the validator says about the arguments of a call of those kinds. */
static enum shmc_err check(const struct shmc_jrec *r)
{
    const int64_t *a = r->args;
    struct shmid_ds ds;

    switch (r->type) {
    case SHMC_J_SHMGET:
        return shmc_validate_get((key_t)a[0], (size_t)a[1], (int)a[2], NULL);
    case SHMC_J_SHMAT:
        return shmc_validate_at((int)a[0], (const void *)(uintptr_t)a[1],
                                (int)a[2], NULL);
    case SHMC_J_SHMCTL:
        memset(&ds, 0, sizeof ds);
        ds.shm_perm.mode = (unsigned short)a[2];
        return shmc_validate_ctl((int)a[0], (int)a[1], &ds);
    default: /* SHMC_J_FTOK */
        return shmc_validate_proj((int)a[0]);
    }
}

static void failed_call(struct image *im, const struct shmc_jrec *r)
{
    struct cli_finding *f = add_finding(im->a, CLI_FAILED_CALL, im->pid);
    enum shmc_err why = check(r);

    if (f == NULL)
        return;
    f->err = r->err;
    f->call = call_name(r->type);
    memcpy(f->args, r->args, sizeof f->args);
    f->message = why != SHMC_OK ? shmc_strerror(why) : NULL;
    if (r->type == SHMC_J_SHMAT || r->type == SHMC_J_SHMCTL)
        f->shmid = (int)r->args[0];
    to_stack(im, r, &f->stack);
}

static void on_shmget(struct image *im, const struct shmc_jrec *r)
{
    struct analysis *a = im->a;
    int key = (int)r->args[0], flg = (int)r->args[2];
    int shmid = (int)r->result;

    if (r->err) {
        failed_call(im, r);
        return;
    }
    if (check(r) != SHMC_OK)
        lint(im, r, "ignored_bits", shmid, shmc_strerror(check(r)));
    if (key != IPC_PRIVATE && (flg & IPC_CREAT) && !(flg & IPC_EXCL))
        lint(im, r, "create_without_excl", shmid,
             "IPC_CREAT without IPC_EXCL on a key: two processes racing to "
             "create cannot tell who created it");
    if ((flg & IPC_CREAT) && (flg & 0002))
        lint(im, r, "world_writable", shmid,
             "mode lets any user write the segment");
    if (!r->args[3]) { /* joined: the size asked should be the size */
        const struct created *c = shmc_table_get(&a->created, (uint64_t)shmid);
        if (c && r->args[1] != 0 && (uint64_t)r->args[1] != c->size)
            lint(im, r, "size_mismatch", shmid,
                 "joined an existing segment asking for a different size");
        return;
    }
    struct created *c =
        need(a, shmc_table_put(&a->created, (uint64_t)shmid, NULL));
    if (c == NULL)
        return; /* LCOV_EXCL_LINE: mmap of a page failed: out of memory */
    free(c->stack);
    c->pid = im->pid;
    c->key = key;
    c->size = (uint64_t)r->args[1];
    if ((c->stack = need(a, malloc(sizeof *c->stack))) != NULL)
        to_stack(im, r, c->stack);
}

static void on_shmat(struct image *im, const struct shmc_jrec *r, int inherit)
{
    struct att *t;

    if (r->err) {
        failed_call(im, r);
        return;
    }
    if (!inherit && check(r) != SHMC_OK)
        lint(im, r, "ignored_bits", (int)r->args[0], shmc_strerror(check(r)));
    t = need(im->a, shmc_table_put(&im->atts,
                                   (uint64_t)(inherit ? r->args[0] : r->result),
                                   NULL));
    if (t == NULL)
        return; /* LCOV_EXCL_LINE: mmap of a page failed: out of memory */
    t->shmid = (int)(inherit ? r->args[1] : r->args[0]);
    t->inherited = inherit;
    t->rec = r;
}

static void on_shmdt(struct image *im, const struct shmc_jrec *r)
{
    struct cli_finding *f;

    if (!r->err) {
        shmc_table_del(&im->atts, (uint64_t)r->args[0]);
        return;
    }
    if ((f = add_finding(im->a, CLI_INVALID_DETACH, im->pid)) == NULL)
        return;
    f->addr = (uint64_t)r->args[0];
    f->err = r->err;
    f->shmid = (int)r->args[1];
    f->message = r->args[1] >= 0 && !r->args[2]
                     ? "double detach: the address was attached and already "
                       "detached"
                     : "not the start of an attachment of this process";
    to_stack(im, r, &f->stack);
}

static void on_shmctl(struct image *im, const struct shmc_jrec *r)
{
    int cmd = (int)r->args[1];

    if (r->err) {
        failed_call(im, r);
        return;
    }
    if (check(r) != SHMC_OK)
        lint(im, r, "ignored_bits", (int)r->args[0], shmc_strerror(check(r)));
    if (cmd == IPC_SET && (r->args[2] & 0002))
        lint(im, r, "world_writable", (int)r->args[0],
             "IPC_SET gives any user write access");
    if (cmd == IPC_RMID)
        need(im->a,
             shmc_table_put(&im->a->removed, (uint64_t)r->args[0], NULL));
}

/* Every attachment still live ends here: unmatched. */
static void end_attachments(struct image *im, enum cli_end how)
{
    size_t pos = 0;
    uint64_t addr;
    void *v;

    while (shmc_table_next(&im->atts, &pos, &addr, &v)) {
        const struct att *t = v;
        struct cli_finding *f =
            add_finding(im->a, CLI_UNMATCHED_ATTACH, im->pid);
        if (f == NULL)
            return;
        f->shmid = t->shmid;
        f->addr = addr;
        f->inherited = t->inherited;
        f->ended_by = how;
        to_stack(im, t->rec, &f->stack);
    }
    shmc_table_clear(&im->atts);
}

/* The status exit() or _exit() was called with, for processes the CLI
 * did not reap itself (their parent did); -1 when main returned. */
static void exit_status(struct image *im, const struct shmc_jrec *r)
{
    struct cli_process *p = process(im->a, im->pid);
    if (p != NULL && r->args[0] >= 0 && r->args[0] <= 255) {
        p->end = CLI_END_EXIT;
        p->value = (int)r->args[0];
    }
}

static void replay(struct image *im, const struct shmc_jrec *r)
{
    switch (r->type) {
    case SHMC_J_START:
        on_start(im, r);
        break;
    case SHMC_J_MODULE:
        on_module(im, r);
        break;
    case SHMC_J_SHMGET:
        on_shmget(im, r);
        break;
    case SHMC_J_SHMAT:
        on_shmat(im, r, 0);
        break;
    case SHMC_J_INHERIT:
        on_shmat(im, r, 1);
        break;
    case SHMC_J_SHMDT:
        on_shmdt(im, r);
        break;
    case SHMC_J_SHMCTL:
        on_shmctl(im, r);
        break;
    case SHMC_J_FTOK:
        if (r->err)
            failed_call(im, r);
        break;
    case SHMC_J_EXEC:
        im->exec_pending = 1;
        break;
    case SHMC_J_EXEC_FAIL:
        im->exec_pending = 0;
        break;
    case SHMC_J_EXIT:
        im->exited = 1;
        exit_status(im, r);
        break;
    default:
        break;
    }
}

static int reaped_status(const struct cli_inputs *in, int pid, int *status)
{
    for (size_t i = 0; i < in->nreaped; i++)
        if (in->reaped[i].pid == pid) {
            *status = in->reaped[i].status;
            return 1;
        }
    return 0;
}

/* How the image ended: exec, a normal exit, or a signal. */
static enum cli_end image_end(const struct image *im)
{
    int status;

    if (im->exec_pending)
        return CLI_END_EXEC;
    if (!im->exited && reaped_status(im->a->in, im->pid, &status) &&
        WIFSIGNALED(status))
        return CLI_END_SIGNAL;
    return CLI_END_EXIT;
}

static void read_journal(struct analysis *a, const char *path)
{
    struct image im = {.a = a};
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    enum shmc_jstatus st;
    struct stat sb = {0}; /* a failed fstat reads as not a regular file */
    void *data;
    /* O_NONBLOCK: a FIFO in a --replay directory must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

    if (fd < 0) {
        warn(a, "%s: cannot read: %s", path, strerror(errno));
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        /* empty: its process ended before the tracer wrote the header */
        warn(a, "%s: %s, not a shmcheck journal", path,
             S_ISREG(sb.st_mode) ? "empty" : "not a regular file");
        close(fd);
        return;
    }
    data = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) {
        warn(a, "%s: cannot map: %s", path, strerror(errno));
        return;
    }
    if (shmc_jreader_init(&rd, data, (size_t)sb.st_size) != SHMC_JOK) {
        warn(a, "%s: not a shmcheck journal (bad magic or version)", path);
        munmap(data, (size_t)sb.st_size);
        return;
    }
    im.pid = rd.header.pid;
    shmc_table_init(&im.atts, sizeof(struct att));
    process(a, im.pid);
    while ((st = shmc_jreader_next(&rd, &r)) == SHMC_JOK)
        replay(&im, r);
    if (st == SHMC_JTRUNCATED)
        warn(a, "%s: damaged at byte %zu: read up to the last whole record",
             path, rd.off);
    end_attachments(&im, image_end(&im));
    shmc_table_destroy(&im.atts);
    free(im.mods);
    /* Records stay referenced by nothing now; the stacks were copied. */
    munmap(data, (size_t)sb.st_size);
}

/* ---- the whole tree ---- */

static int is_journal(const struct dirent *d)
{
    size_t n = strlen(d->d_name), k = strlen(SHMC_JSUFFIX);
    return n > k && strcmp(d->d_name + n - k, SHMC_JSUFFIX) == 0;
}

static int in_tree(const struct analysis *a, int pid)
{
    for (size_t i = 0; i < a->run->nprocs; i++)
        if (a->run->procs[i].pid == pid)
            return 1;
    return 0;
}

static void leaked_segments(struct analysis *a)
{
    const struct cli_inputs *in = a->in;

    for (size_t i = 0; i < in->nkernel; i++) {
        const struct cli_kseg *k = &in->kernel[i];
        const struct created *c =
            shmc_table_get(&a->created, (uint64_t)k->shmid);
        struct cli_finding *f;
        if (k->mode & SHM_DEST)
            continue;
        if (c == NULL || c->pid != k->cpid) {
            /* Not in any journal: a static binary or a raw syscall; the
             * kernel's creator pid says whether the tree made it. */
            if (!in_tree(a, k->cpid) || k->ctime < in->start_time)
                continue;
            c = NULL;
        }
        if ((f = add_finding(a, CLI_LEAKED_SEGMENT, k->cpid)) == NULL)
            return;
        f->shmid = k->shmid;
        f->key = k->key;
        f->size = k->size;
        f->creator_pid = k->cpid;
        f->seen_by_kernel = c == NULL;
        if (c && c->stack)
            f->stack = *c->stack;
    }
}

/* Segments the tree created and nobody in it removed, that are gone or
 * marked anyway (someone outside the tree removed them). */
static void never_removed(struct analysis *a)
{
    size_t pos = 0;
    uint64_t id;
    void *v;

    while (shmc_table_next(&a->created, &pos, &id, &v)) {
        const struct created *c = v;
        int leaked = 0;
        struct cli_finding *f;
        if (shmc_table_get(&a->removed, id))
            continue;
        for (size_t i = 0; i < a->run->nfindings; i++)
            leaked |= a->run->findings[i].kind == CLI_LEAKED_SEGMENT &&
                      a->run->findings[i].shmid == (int)id;
        if (leaked || (f = add_finding(a, CLI_LINT, c->pid)) == NULL)
            continue;
        f->rule = "never_removed";
        f->shmid = (int)id;
        f->message = "no process of the tree called IPC_RMID on this "
                     "segment; something outside it removed it";
        if (c->stack)
            f->stack = *c->stack;
    }
}

static void exits(struct analysis *a)
{
    const struct cli_inputs *in = a->in;

    for (size_t i = 0; i < in->nreaped; i++)
        process(a, in->reaped[i].pid);
    for (size_t i = 0; i < a->run->nprocs; i++) {
        struct cli_process *p = &a->run->procs[i];
        int status;
        if (!reaped_status(in, p->pid, &status))
            continue;
        p->end = WIFSIGNALED(status) ? CLI_END_SIGNAL : CLI_END_EXIT;
        p->value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
        if (p->pid == in->top_pid) {
            a->run->end = p->end;
            a->run->value = p->value;
        }
    }
}

static int by_pid(const void *x, const void *y)
{
    const struct cli_process *a = x, *b = y;
    return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Errors first, then warnings, then the rest; within a kind by process,
 * segment and address, then in the order found, so that reports are the
 * same whatever the qsort (glibc's falls back from a stable merge sort to
 * quicksort when it cannot allocate). */
static int finding_order(const void *x, const void *y)
{
    static const int rank[CLI_KIND_COUNT] = {0, 2, 1, 3, 4};
    const struct cli_finding *a = x, *b = y;

    if (rank[a->kind] != rank[b->kind])
        return rank[a->kind] - rank[b->kind];
    if (a->pid != b->pid)
        return (a->pid > b->pid) - (a->pid < b->pid);
    if (a->shmid != b->shmid)
        return (a->shmid > b->shmid) - (a->shmid < b->shmid);
    if (a->addr != b->addr)
        return (a->addr > b->addr) - (a->addr < b->addr);
    return (a->order > b->order) - (a->order < b->order);
}

int cli_analyze(const struct cli_inputs *in, struct cli_run *run)
{
    struct analysis a = {.in = in, .run = run};
    struct dirent **names = NULL;
    char path[4096];
    int n = scandir(in->log_dir, &names, is_journal, versionsort);
    size_t pos = 0;
    uint64_t id;
    void *v;

    shmc_table_init(&a.created, sizeof(struct created));
    shmc_table_init(&a.removed, 1);
    if (n < 0) {
        a.oom = errno == ENOMEM;
        warn(&a, "%s: cannot list journals: %s", in->log_dir, strerror(errno));
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", in->log_dir, names[i]->d_name);
        read_journal(&a, path);
        free(names[i]);
    }
    free(names);
    exits(&a);
    leaked_segments(&a);
    never_removed(&a);
    while (shmc_table_next(&a.created, &pos, &id, &v))
        free(((struct created *)v)->stack);
    shmc_table_destroy(&a.created);
    shmc_table_destroy(&a.removed);
    if (run->nprocs) /* qsort's array may not be NULL, even when empty */
        qsort(run->procs, run->nprocs, sizeof *run->procs, by_pid);
    if (run->nfindings)
        qsort(run->findings, run->nfindings, sizeof *run->findings,
              finding_order);
    cli_summarize(run);
    return a.oom ? -1 : 0;
}
