/*
 * replay.c - one process image's journal, replayed record by record: the
 * process and its command line, its modules (to place its stack frames)
 * and its children (replay_process.c), its attachments, the segments it
 * created and removed, and the findings that follow from them; what it
 * left attached when it ended is an unmatched attach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ghost.h"
#include "journal/reader.h"
#include "jwindow.h"
#include "lineage.h"
#include "lints.h"
#include "replay.h"
#include "replay_process.h"
#include "timeline.h"
#include "untraced.h"

/* s, noting that memory ran out when it is NULL. */
static const struct cli_dstack *kept(struct analysis *a,
                                     const struct cli_dstack *s)
{
    if (s == NULL)
        a->oom = 1;
    return s;
}

static void on_shmget(struct image *im, const struct shmc_jrec *r)
{
    struct analysis *a = im->a;
    struct cli_stack stack;

    if (r->err) {
        cli_lint_failed_call(im, r);
        return;
    }
    cli_lint_shmget(im, r);
    if (!r->args[3]) /* joined, not created */
        return;
    cli_image_stack(im, r, &stack);
    cli_timeline_created(a->tl, (int)r->result, (int32_t)r->args[0],
                         (uint64_t)r->args[1], im->pid, r->time_ns);
    cli_analysis_created(
        a, (int)r->result,
        &(struct created){
            .pid = im->pid,
            .key = (int)r->args[0],
            .size = (uint64_t)r->args[1],
            .when = r->time_ns,
            .stack = kept(a, cli_depot_stack(&a->depot, &stack)),
        });
}

/* An attachment made by shmat, or inherited through fork (INHERIT). */
static void on_shmat(struct image *im, const struct shmc_jrec *r)
{
    int inherit = r->type == SHMC_J_INHERIT;
    struct att *t;

    if (r->err) {
        cli_lint_failed_call(im, r);
        return;
    }
    if (!inherit)
        cli_lint_shmat(im, r);
    t = cli_analysis_need(
        im->a,
        shmc_table_put(&im->atts, (uint64_t)(inherit ? r->args[0] : r->result),
                       NULL));
    if (t == NULL) /* LCOV_EXCL_BR_LINE: out of memory */
        return;    /* LCOV_EXCL_LINE: mmap of a page failed: out of memory */
    t->shmid = (int)(inherit ? r->args[1] : r->args[0]);
    t->inherited = inherit;
    t->when = r->time_ns;
    t->tl = cli_timeline_attached(im->a->tl, im->pid, t->shmid,
                                  (uint64_t)(inherit ? r->args[0] : r->result),
                                  r->time_ns);
    /* Raw: placed in the modules only if it ends unmatched (at the end
     * of the image, as then). */
    t->pcs = kept(
        im->a, cli_depot_pcs(&im->a->depot, shmc_jrec_frames(r), r->nframes));
}

static void on_shmdt(struct image *im, const struct shmc_jrec *r)
{
    struct cli_finding *f;
    const struct att *t;

    if (!r->err) {
        if (im->a->tl && (t = shmc_table_get(&im->atts, (uint64_t)r->args[0])))
            cli_timeline_ended(im->a->tl, t->tl, r->time_ns, CLI_TL_DETACHED,
                               CLI_TL_NONE);
        shmc_table_del(&im->atts, (uint64_t)r->args[0]);
        return;
    }
    f = cli_analysis_finding(im->a, CLI_INVALID_DETACH, im->pid);
    if (f == NULL)
        return;
    f->addr = (uint64_t)r->args[0];
    f->err = r->err;
    f->shmid = (int)r->args[1];
    f->message = r->args[1] >= 0 && !r->args[2]
                     ? "double detach: the address was attached and already "
                       "detached"
                 : r->args[2] && r->args[3]
                     ? "remap_file_pages replaced the first page of the "
                       "attachment at this address: shmdt no longer finds "
                       "it; it stays attached until unmapped or the end of "
                       "the process"
                     : "not the start of an attachment of this process";
    f->when = r->time_ns;
    cli_image_stack(im, r, &f->stack);
    cli_timeline_mark(im->a->tl, im->pid, r->time_ns, CLI_TL_INVALID_DETACH,
                      f->id);
}

/* A munmap, mremap or mmap(MAP_FIXED) that took pages of an attachment
 * away: with none of it left it ended there, detached by the kernel
 * without shmdt (a lint); moved whole by mremap, it goes on at its new
 * address; with a part left (always, for remap_file_pages, which only
 * replaces pages by others of the segment), it is still attached. */
static void on_unmap(struct image *im, const struct shmc_jrec *r)
{
    uint64_t addr = (uint64_t)r->args[0];
    struct att *t = shmc_table_get(&im->atts, addr), *n, copy;

    if (t == NULL || r->args[3] == SHMC_JLEFT_PART)
        return;
    copy = *t;
    shmc_table_del(&im->atts, addr);
    if (r->args[3] != SHMC_JLEFT_MOVED) {
        cli_timeline_ended(im->a->tl, copy.tl, r->time_ns, CLI_TL_DETACHED,
                           CLI_TL_NONE);
        cli_lint_unmap(im, r, addr, copy.shmid);
        return;
    }
    n = cli_analysis_need(im->a,
                          shmc_table_put(&im->atts, (uint64_t)r->result, NULL));
    if (n != NULL) /* LCOV_EXCL_BR_LINE: NULL only if mmap of a page fails */
        *n = copy;
}

static void on_shmctl(struct image *im, const struct shmc_jrec *r)
{
    if (r->err) {
        cli_lint_failed_call(im, r);
        return;
    }
    cli_lint_shmctl(im, r);
    if ((int)r->args[1] != IPC_RMID)
        return;
    cli_analysis_removed(im->a, (int)r->args[0]);
    cli_timeline_removed(im->a->tl, (int)r->args[0], r->time_ns);
}

static void on_ftok(struct image *im, const struct shmc_jrec *r)
{
    if (r->err)
        cli_lint_failed_call(im, r);
}

typedef void replay_fn(struct image *im, const struct shmc_jrec *r);

/* What each type of record does. FORK and SPAWN name a child of the
 * tree: it has a journal of its own only if it loaded the tracer, and the
 * CLI reaps it only if it outlived its parent (untraced.h). */
static replay_fn *const replay[SHMC_J_TYPE_MAX] = {
    [SHMC_J_START] = cli_replay_start,    [SHMC_J_MODULE] = cli_replay_module,
    [SHMC_J_SHMGET] = on_shmget,          [SHMC_J_SHMAT] = on_shmat,
    [SHMC_J_INHERIT] = on_shmat,          [SHMC_J_SHMDT] = on_shmdt,
    [SHMC_J_SHMCTL] = on_shmctl,          [SHMC_J_FTOK] = on_ftok,
    [SHMC_J_EXEC] = cli_replay_exec,      [SHMC_J_EXEC_FAIL] = cli_replay_exec,
    [SHMC_J_EXIT] = cli_replay_exit_call, [SHMC_J_UNMAP] = on_unmap,
    [SHMC_J_FORK] = cli_replay_child,     [SHMC_J_SPAWN] = cli_replay_child,
};

/* The raw stack s placed in the image's modules. */
static void place_pcs(const struct image *im, const struct cli_dstack *s,
                      struct cli_stack *out)
{
    uint64_t pcs[CLI_MAX_FRAMES];
    unsigned n = s != NULL ? s->n : 0;

    for (unsigned i = 0; i < n; i++)
        pcs[i] = s->f[i].pc;
    cli_image_place(im, pcs, n, out);
}

/* Every attachment still live ends here: unmatched. */
static void end_attachments(struct image *im, enum cli_end how)
{
    size_t pos = 0;
    uint64_t addr;
    void *v;

    while (!im->lost && shmc_table_next(&im->atts, &pos, &addr, &v)) {
        const struct att *t = v;
        struct cli_finding *f =
            cli_analysis_finding(im->a, CLI_UNMATCHED_ATTACH, im->pid);
        cli_timeline_ended(im->a->tl, t->tl,
                           how == CLI_END_EXEC ? im->exec_ns : im->last_ns,
                           how == CLI_END_EXEC ? CLI_TL_EXECED : CLI_TL_EXITED,
                           f != NULL ? f->id : CLI_TL_NONE);
        if (f == NULL)
            return;
        f->shmid = t->shmid;
        f->addr = addr;
        f->inherited = t->inherited;
        f->ended_by = how;
        f->when = t->when;
        place_pcs(im, t->pcs, &f->stack);
    }
    shmc_table_clear(&im->atts);
}

/* How the image ended: exec, a normal exit, or a signal. */
static enum cli_end image_end(const struct image *im)
{
    int status;

    if (im->exec_pending)
        return CLI_END_EXEC;
    if (!im->exited && cli_analysis_reaped(im->a, im->pid, &status) &&
        WIFSIGNALED(status))
        return CLI_END_SIGNAL;
    return CLI_END_EXIT;
}

/* The process has a journal: it is traced, its parent is the header's
 * (a START record says it again), and it was not left untraced by the
 * exec that ended its image before, if any. */
static void image_begin(struct image *im, const struct shmc_jheader *h)
{
    struct cli_process *p = cli_analysis_process(im->a, im->pid);

    cli_untraced_note(im->a, &(struct kin){.pid = (int)h->pid,
                                           .ppid = (int)h->ppid,
                                           .journal = 1,
                                           .start_ns = h->start_ns});
    if (p == NULL)
        return;
    p->traced = 1;
    p->ppid = (int)h->ppid;
}

/* An image ended by an exec: the next image of its pid, if one is
 * traced, has the next journal (replayed later, image_begin). */
static void image_exec(struct image *im)
{
    const char *path = im->exec_path[0] ? im->exec_path : "?";

    if (!im->exec_pending) /* pending: exec_path is its EXEC's */
        return;
    cli_lineage_note(im->a, im->pid, im->exec_ns, path);
}

/* An image that called exit, with nothing lost: when its pid was last
 * its (kernel.c: a segment made with that pid later is not the tree's).
 * A later image of the pid (a process of the tree that took it again)
 * replaces it, or, if it did not exit, removes it. */
static void note_exit(struct image *im)
{
    int existed;
    uint64_t *t;

    if (!im->exited || im->lost) {
        shmc_table_del(&im->a->exited, (uint64_t)im->pid);
        return;
    }
    t = shmc_table_put(&im->a->exited, (uint64_t)im->pid, &existed);
    if (t != NULL) /* LCOV_EXCL_BR_LINE: NULL only when mmap fails (ENOMEM) */
        *t = im->last_ns;
}

/* The records of the journal w reads, then the image's end. */
static void replay_image(struct analysis *a, const char *path,
                         struct cli_jwin *w)
{
    struct image im = {.a = a, .pid = w->rd.header.pid};
    const struct shmc_jrec *r;
    enum shmc_jstatus st;
    uint64_t first = w->rd.header.start_ns;

    shmc_table_init(&im.atts, sizeof(struct att));
    int any = 0;

    image_begin(&im, &w->rd.header);
    while ((st = cli_jwin_next(w, &r)) == SHMC_JOK) {
        if (!any++) { /* the image began traced by its first record */
            cli_lineage_note(a, im.pid, r->time_ns, NULL);
            first = r->time_ns;
        }
        im.last_ns = r->time_ns > im.last_ns ? r->time_ns : im.last_ns;
        a->repeat = shmc_jrec_repeat(r);   /* its findings count 1 + repeat */
        if (shmc_jrec_ghost(r) && !r->err) /* its effect was netted out */
            cli_ghost_judge(&im, r);
        else if (replay[r->type] != NULL) /* LCOV_EXCL_BR_LINE: all have */
            replay[r->type](&im, r);
    }
    a->repeat = 0;
    if (st == SHMC_JTRUNCATED)
        cli_analysis_warn(
            a, "%s: damaged at byte %zu: read up to the last whole record",
            path, cli_jwin_offset(w));
    /* LCOV_EXCL_START: w->err is set only when a mapping fails, out of
     * memory (jwindow.c) */
    if (w->err != 0)
        cli_analysis_warn(a, "%s: cannot map at byte %zu: %s", path,
                          cli_jwin_offset(w), strerror(w->err));
    /* LCOV_EXCL_STOP */
    if (!any)
        cli_lineage_note(a, im.pid, w->rd.header.start_ns, NULL);
    im.lost = cli_analysis_lost(a, path, &w->rd.header);
    note_exit(&im);
    cli_timeline_span(a->tl, im.pid, first, any ? im.last_ns : first);
    if (im.exec_pending)
        cli_timeline_exec(a->tl, im.pid, im.exec_ns);
    end_attachments(&im, image_end(&im));
    image_exec(&im);
    shmc_table_destroy(&im.atts);
    free(im.mods);
}

void cli_replay_journal(struct analysis *a, const char *path)
{
    struct cli_jwin w;
    struct stat sb = {0}; /* a failed fstat reads as not a regular file */
    int st;
    /* O_NONBLOCK: a FIFO in a --replay directory must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

    if (fd < 0) {
        cli_analysis_warn(a, "%s: cannot read: %s", path, strerror(errno));
        return;
    }
    /* LCOV_EXCL_BR_START: fstat of a descriptor just opened cannot fail */
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        /* LCOV_EXCL_BR_STOP */
        /* empty: its process ended before the tracer wrote the header */
        cli_analysis_warn(a, "%s: %s, not a shmcheck journal", path,
                          S_ISREG(sb.st_mode) ? "empty" : "not a regular file");
        close(fd);
        return;
    }
    /* A window at a time (jwindow.h): nothing of the journal stays
     * resident, nor referenced, once its records are replayed. */
    st = cli_jwin_open(&w, fd, cli_journal_extent(fd, (size_t)sb.st_size));
    if (st < 0) {
        cli_analysis_warn(a, "%s: cannot map: %s", path, strerror(errno));
        return;
    }
    if (st != SHMC_JOK)
        cli_analysis_warn(
            a, "%s: not a shmcheck journal (bad magic or version)", path);
    else
        replay_image(a, path, &w);
    cli_jwin_close(&w);
}
