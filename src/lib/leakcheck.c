/*
 * leakcheck.c - SHMC_LEAK_CHECK, shmc_leak_check_recoverable and
 * shmc_leak_check_reset (shmcheck.h, section 9): judge what the kernel
 * holds (leakscan.c), report it (leakreport.c), clean it up.
 *
 * A finding is cleaned up as it is reported, so after a check nothing of
 * ours is left but what a reset kept: "made since the last check" needs
 * no list of what the last check saw. The kept segments and attachments
 * are sorted arrays, searched by bisection.
 *
 * The common case is one system call: SHM_INFO says the namespace holds
 * no segment, so there is neither a leaked segment nor an attachment.
 * Otherwise every slot is read; /proc/self/maps, the costly part, only
 * when some segment is attached and the segments' attach counts, last
 * pids and times changed since a check that found nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "leakreport.h"
#include "leakscan.h"
#include "trace_query.h"

#define SHOWN 30 /* findings of each kind reported in full a check */

/* A sorted set of what a reset kept. */
struct kept {
    uintptr_t *v;
    size_t n, cap;
};

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept kept_segs, kept_atts;
static struct kept warned; /* segments of unknown creators, said once */
static uint64_t quiet_sig; /* the segments' signature at a clean check */
static int quiet_valid;

struct check {
    int resetting; /* a reset: keep what is ours instead of judging it */
    struct kept segs, atts; /* a reset's new sets */
    unsigned long leaked, bytes, attached;
    int any_attached, failed;
    uint64_t sig;
};

static int cmp(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

/* qsort, but never of a NULL array (an empty set has none). */
static void sort(struct kept *k)
{
    if (k->n > 1)
        qsort(k->v, k->n, sizeof *k->v, cmp);
}

static int is_kept(const struct kept *k, uintptr_t v)
{
    return k->n != 0 && bsearch(&v, k->v, k->n, sizeof v, cmp) != NULL;
}

static void keep(struct check *c, struct kept *k, uintptr_t v)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        uintptr_t *more = realloc(k->v, cap * sizeof *more);
        if (more == NULL) {
            c->failed = ENOMEM;
            return;
        }
        k->v = more;
        k->cap = cap;
    }
    k->v[k->n++] = v;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull;
}

static void judge_segment(void *ctx, int shmid, const struct shmid_ds *ds)
{
    struct check *c = ctx;
    enum shmc__owner owner;

    c->sig = mix(mix(mix(c->sig, (uint64_t)shmid), ds->shm_nattch),
                 mix(mix((uint64_t)ds->shm_lpid, (uint64_t)ds->shm_atime),
                     (uint64_t)ds->shm_dtime));
    c->any_attached |= ds->shm_nattch > 0;
    if ((ds->shm_perm.mode & SHM_DEST) ||
        (!c->resetting && is_kept(&kept_segs, (uintptr_t)shmid)))
        return;
    owner = shmc__leak_owner(ds->shm_cpid, ds->shm_ctime);
    if (owner == SHMC__OWNER_OTHER)
        return;
    if (owner == SHMC__OWNER_GONE) {
        /* Not known to be ours, so not removed: but said, once, since a
         * child we could not note may have made it. */
        if (!c->resetting && !is_kept(&warned, (uintptr_t)shmid)) {
            keep(c, &warned, (uintptr_t)shmid);
            sort(&warned);
            shmc__leak_say("WARNING: shmcheck: shmid %d (key 0x%08x, %zu "
                           "bytes) was made by pid %d, which has ended "
                           "and is not known to be a child of this "
                           "process: not checked",
                           shmid, (unsigned)ds->shm_perm.__key,
                           (size_t)ds->shm_segsz, (int)ds->shm_cpid);
        }
        return;
    }
    if (c->resetting) {
        keep(c, &c->segs, (uintptr_t)shmid);
        return;
    }
    if (c->leaked++ < SHOWN) {
        shmc__leak_say("ERROR: shmcheck: leaked segment: shmid %d key "
                       "0x%08x, %zu bytes, created by %s and never "
                       "removed (IPC_RMID):",
                       shmid, (unsigned)ds->shm_perm.__key,
                       (size_t)ds->shm_segsz,
                       owner == SHMC__OWNER_SELF ? "this process"
                                                 : "a child of this process");
        shmc__leak_stack(SHMC_TRACE_CREATED, shmid, 0,
                         owner == SHMC__OWNER_SELF ? 0 : (int)ds->shm_cpid);
    }
    c->bytes += ds->shm_segsz;
    shmctl(shmid, IPC_RMID, NULL);
}

static void judge_attachment(void *ctx, uintptr_t start, int shmid)
{
    struct check *c = ctx;
    struct shmid_ds ds;

    if (!c->resetting && is_kept(&kept_atts, start))
        return;
    if (c->resetting) {
        keep(c, &c->atts, start);
        return;
    }
    if (c->attached++ < SHOWN) {
        /* Our own attachment: its segment can be read, unless its mode
         * was changed since (and we lack CAP_IPC_OWNER). */
        if (shmc__leak_shmctl(shmid, IPC_STAT, &ds) == 0)
            shmc__leak_say("ERROR: shmcheck: leaked attachment: shmid %d key "
                           "0x%08x, %zu bytes, at 0x%lx, attached by this "
                           "process and never detached (shmdt):",
                           shmid, (unsigned)ds.shm_perm.__key,
                           (size_t)ds.shm_segsz, (unsigned long)start);
        else
            shmc__leak_say("ERROR: shmcheck: leaked attachment: shmid %d "
                           "(IPC_STAT: %s) at 0x%lx, attached by this "
                           "process and never detached (shmdt):",
                           shmid, strerror(errno), (unsigned long)start);
        shmc__leak_stack(SHMC_TRACE_ATTACHED, shmid, start, 0);
    }
    shmdt((void *)start);
}

/* One pass over the kernel's view: judges (or, resetting, keeps) what is
 * ours. -1 with errno when the segments cannot be listed. */
static int scan(struct check *c)
{
    int none = 0;

    if (shmc__leak_each_segment(judge_segment, c, &none) != 0)
        return -1;
    if (none || !c->any_attached ||
        (!c->resetting && quiet_valid && c->sig == quiet_sig))
        return 0;
    if (shmc__leak_each_attachment(judge_attachment, c) != 0) {
        /* Without /proc the segments were still checked: say what was
         * not, and do not take this check as a quiet one. */
        if (!c->resetting)
            shmc__leak_say("WARNING: shmcheck: /proc/self/maps cannot be "
                           "read (%s): attachments not checked",
                           strerror(errno));
        c->failed = errno;
    }
    return 0;
}

static void summary(const struct check *c, const char *file, int line,
                    const char *func)
{
    char site[512] = "";

    if (file != NULL)
        snprintf(site, sizeof site,
                 ", found by the leak check at %s:%d in %s()", file, line,
                 func ? func : "?");
    shmc__leak_say("SUMMARY: shmcheck: %lu leaked segment(s) (%lu bytes), "
                   "%lu leaked attachment(s) since the last check%s; removed "
                   "and detached",
                   c->leaked, c->bytes, c->attached, site);
}

/* The check: its findings (reported and cleaned up), or -1 with errno. */
static int check(const char *file, int line, const char *func)
{
    struct check c = {0};
    int r;

    pthread_mutex_lock(&check_lock);
    r = scan(&c);
    quiet_valid = r == 0 && c.failed == 0 && c.leaked + c.attached == 0;
    quiet_sig = c.sig;
    pthread_mutex_unlock(&check_lock);
    if (r != 0)
        return -1;
    if (c.leaked + c.attached != 0)
        summary(&c, file, line, func);
    if (c.leaked > SHOWN || c.attached > SHOWN)
        shmc__leak_say("(only %d of each kind shown in full)", SHOWN);
    return (int)(c.leaked + c.attached);
}

/* ---- fork: a child starts with what its parent had ---- */

static void before_fork(void)
{
    shmc__leak_before_fork();
    pthread_mutex_lock(&check_lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&check_lock);
}

/* The attachments a child inherits were made before it started: they
 * are kept, as a reset would keep them (AFL++'s fork server attaches its
 * coverage map before it forks each run). Only when the namespace has a
 * segment at all: most forks then cost one system call more. */
static void in_child(void)
{
    struct check c = {.resetting = 1};
    int none = 0;

    pthread_mutex_unlock(&check_lock);
    shmc__leak_in_child();
    quiet_valid = 0;
    if (shmc__leak_each_segment(NULL, NULL, &none) != 0 || none ||
        shmc__leak_each_attachment(judge_attachment, &c) != 0 || c.failed) {
        free(c.atts.v);
        return;
    }
    sort(&c.atts);
    free(kept_atts.v);
    kept_atts = c.atts;
}

SHMC__CONSTRUCTOR static void leak_check_start(void)
{
    shmc__leak_started();
    /* Fails only out of memory: children then go unnoted (leakscan.c). */
    (void)pthread_atfork(before_fork, after_fork_parent, in_child);
}

int shmc_leak_check_recoverable(void)
{
    int saved = errno, n = check(NULL, 0, NULL);

    if (n >= 0)
        errno = saved;
    return n;
}

void shmc_leak_check_at(const char *file, int line, const char *func)
{
    int saved = errno, n = check(file, line, func);

    if (n < 0)
        shmc__leak_say("ERROR: shmcheck: the leak check at %s:%d cannot "
                       "list the segments: shmctl(SHM_INFO): %s",
                       file ? file : "?", line, strerror(errno));
    if (n != 0)
        abort();
    errno = saved;
}

int shmc_leak_check_reset(void)
{
    struct check c = {.resetting = 1};
    int saved = errno, r;

    pthread_mutex_lock(&check_lock);
    r = scan(&c);
    if (r == 0 && c.failed == 0) {
        sort(&c.segs);
        sort(&c.atts);
        free(kept_segs.v);
        free(kept_atts.v);
        kept_segs = c.segs;
        kept_atts = c.atts;
        quiet_valid = 0;
        errno = saved;
    } else {
        r = -1;
        errno = c.failed ? c.failed : errno;
        free(c.segs.v);
        free(c.atts.v);
    }
    pthread_mutex_unlock(&check_lock);
    return r;
}
