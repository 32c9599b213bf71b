/*
 * kernel.c - the kernel's view: the segments /proc/sysvipc/shm lists once
 * the tree has ended, judged against what the journals say the tree
 * created and removed (what counts as a leak: docs/leak-semantics.md);
 * and the removal of the leaked ones (--cleanup).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

#include "analysis.h"
#include "kernel.h"
#include "timeline.h"

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
        struct cli_kseg *w = cli_analysis_grow(v, &cap, n, sizeof *v);
        if (w == NULL) {
            free(v);
            fclose(f);
            errno = ENOMEM;
            return -1;
        }
        v = w;
        v[n++] = k;
    }
    fclose(f);
    *out = v;
    return (long)n;
}

/* CLOCK_REALTIME seconds of a CLOCK_MONOTONIC time in ns (the journals'
 * clock), by the offset between the two clocks now. */
static double realtime_of(uint64_t mono_ns)
{
    struct timespec r, m;

    clock_gettime(CLOCK_REALTIME, &r);
    clock_gettime(CLOCK_MONOTONIC, &m);
    double offset =
        (double)(r.tv_sec - m.tv_sec) + (double)(r.tv_nsec - m.tv_nsec) / 1e9;
    return (double)mono_ns / 1e9 + offset;
}

static int in_tree(const struct analysis *a, int pid)
{
    return cli_analysis_find_process(a, pid) != NULL;
}

/* Whether k, which no journal says its creator created, is the tree's:
 * in the tree's own IPC namespace (--isolate) every segment is; else its
 * creator pid must be a process of the tree (untraced ones included,
 * untraced.h), or one that made it in a journal's name (sharing the
 * memory of that journal's process: a CLONE_VM child), and it must be
 * younger than the run. Such a creator becomes a process of the tree. */
static int tree_made(struct analysis *a, const struct cli_kseg *k,
                     const struct created *c)
{
    const struct cli_inputs *in = a->in;
    struct cli_process *p;

    if (!in->isolated &&
        (k->ctime < in->start_time ||
         (!in_tree(a, k->cpid) &&
          (c == NULL || shmc_table_get(&a->removed, (uint64_t)k->shmid)))))
        return 0;
    if (k->cpid <= 0 || in_tree(a, k->cpid))
        return 1;
    if ((p = cli_analysis_process(a, k->cpid)) != NULL && c != NULL) {
        char why[256];
        snprintf(why, sizeof why,
                 "no journal: the journal of pid %d has the creation of "
                 "shmid %d, which the kernel says pid %d made: it shares "
                 "the memory of pid %d (CLONE_VM), or the journal's pids "
                 "are of another PID namespace",
                 c->pid, k->shmid, k->cpid, c->pid);
        if ((p->reason = cli_run_strdup(a->run, why)) == NULL)
            a->oom = 1;
    }
    return 1;
}

/* Whether k was made with the pid of a process of the tree after that
 * process exited (its journal's last record, plus the slack of a
 * creation time in whole seconds): another process took the pid, and k
 * is not the tree's. Said, since it is judged by times. */
static int after_exit(struct analysis *a, const struct cli_kseg *k)
{
    const uint64_t *end = shmc_table_get(&a->exited, (uint64_t)k->cpid);

    if (end == NULL || (double)k->ctime <= realtime_of(*end) + CLI_CTIME_SLACK)
        return 0;
    cli_analysis_warn(a,
                      "shmid %d (key 0x%08x, %llu bytes) was created by pid "
                      "%d after the process of the tree with that pid had "
                      "exited: another process took the pid; not the tree's",
                      k->shmid, (unsigned)k->key, (unsigned long long)k->size,
                      k->cpid);
    return 1;
}

/* A segment made during the run by a pid the CLI cannot place: if it
 * was a process of the tree (one its own parent reaped, no journal
 * naming it), this is a leak; with the whole tree known (process events)
 * it is not, and with --isolate it could not be. */
static void stranger(struct analysis *a, const struct cli_kseg *k)
{
    const struct cli_inputs *in = a->in;

    /* LCOV_EXCL_BR_START: isolated, tree_made took the segment already;
     * the test is kept should that change */
    if (in->isolated || in->tree_known || in->start_time <= 0 ||
        k->ctime < in->start_time)
        return;
    /* LCOV_EXCL_BR_STOP */
    a->strangers++;
    cli_analysis_warn(a,
                      "shmid %d (key 0x%08x, %llu bytes) was created during "
                      "the run by pid %d, which is not known to be of the "
                      "tree: if it was (an untraced process its own parent "
                      "reaped), it leaked this segment",
                      k->shmid, (unsigned)k->key, (unsigned long long)k->size,
                      k->cpid);
}

/* Segments the kernel still holds, not marked for removal, that the tree
 * created: by its journals, or, for one no journal has (a static binary,
 * a raw system call), by the kernel's creator pid and creation time
 * (tree_made). */
static void leaked_segments(struct analysis *a, struct shmc_table *leaked)
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
            if (!in->isolated && after_exit(a, k))
                continue;
            if (!tree_made(a, k, c)) {
                stranger(a, k);
                continue;
            }
            c = NULL;
        }
        f = cli_analysis_finding(a, CLI_LEAKED_SEGMENT, k->cpid);
        if (f == NULL)
            return;
        f->shmid = k->shmid;
        f->key = k->key;
        f->size = k->size;
        f->creator_pid = k->cpid;
        f->seen_by_kernel = c == NULL;
        f->when = c ? c->when : 0;
        if (c != NULL)
            cli_depot_copy(c->stack, &f->stack);
        cli_timeline_leaked(a->tl, k, f->when, f->id);
        cli_analysis_need(a, shmc_table_put(leaked, (uint64_t)k->shmid, NULL));
    }
}

/* Segments the tree created and nobody in it removed, that are gone or
 * marked anyway (someone outside the tree removed them). */
static void never_removed(struct analysis *a, const struct shmc_table *leaked)
{
    size_t pos = 0;
    uint64_t id;
    void *v;

    /* Lost records may hold an IPC_RMID: then none is judged. (A created
     * segment the tree removed is no longer in a->created.) */
    while (!a->lost && shmc_table_next(&a->created, &pos, &id, &v)) {
        const struct created *c = v;
        struct cli_finding *f;
        if (shmc_table_get(leaked, id) ||
            (f = cli_analysis_finding(a, CLI_LINT, c->pid)) == NULL)
            continue;
        f->rule = "never_removed";
        f->shmid = (int)id;
        f->message = "no process of the tree called IPC_RMID on this "
                     "segment; something outside it removed it";
        f->when = c->when;
        cli_depot_copy(c->stack, &f->stack);
        cli_timeline_mark(a->tl, c->pid, c->when, CLI_TL_LINT, f->id);
    }
}

void cli_judge_segments(struct analysis *a)
{
    struct shmc_table leaked; /* shmid -> (nothing): a leaked_segment */

    shmc_table_init(&leaked, 1);
    leaked_segments(a, &leaked);
    never_removed(a, &leaked);
    shmc_table_destroy(&leaked);
}

/* Whether the live segment is the one s's journal record created: the
 * same shmid (a removed id comes back with another sequence number), the
 * same creator pid, and a creation time within CLI_CTIME_SLACK seconds
 * of the shmget call the journal recorded, which a process that reused
 * the pid later could not have. */
static int proven(const struct cli_segment *s, const struct shmid_ds *ds)
{
    double made = realtime_of(s->when);

    return !s->seen_by_kernel && s->when != 0 &&
           ds->shm_cpid == s->creator_pid &&
           (double)ds->shm_ctime >= made - CLI_CTIME_SLACK &&
           (double)ds->shm_ctime <= made + CLI_CTIME_SLACK;
}

static void remove_one(const struct cli_segment *s, int isolated,
                       struct cli_cleanup *c)
{
    struct shmid_ds ds;

    if (shmctl(s->shmid, IPC_STAT, &ds) != 0 || (ds.shm_perm.mode & SHM_DEST))
        return;
    if (!isolated && !proven(s, &ds)) {
        c->unproven++;
        return;
    }
    c->removed += shmctl(s->shmid, IPC_RMID, NULL) == 0;
}

/* Every segment of every leak: a leak's group keeps them all (a finding
 * made without the analysis has none: its own). */
struct cli_cleanup cli_remove_leaked(const struct cli_run *run, int isolated)
{
    struct cli_cleanup c = {0, 0};

    for (size_t i = 0; i < run->nfindings; i++) {
        const struct cli_finding *f = &run->findings[i];
        struct cli_segment own = {f->shmid,          f->key,
                                  f->size,           f->creator_pid,
                                  f->seen_by_kernel, f->when};
        if (f->kind != CLI_LEAKED_SEGMENT)
            continue;
        for (size_t k = 0; k < (f->nsegments ? f->nsegments : 1); k++)
            remove_one(f->nsegments ? &f->segments[k] : &own, isolated, &c);
    }
    return c;
}
