/*
 * lints.c - what a successful call did that works but is likely a
 * mistake (lints), and the calls that failed, each with what the
 * library's validator says about its arguments.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "lints.h"
#include "timeline.h"
#include "shmcheck.h"

static void lint(struct image *im, const struct shmc_jrec *r, const char *rule,
                 int shmid, const char *message)
{
    struct cli_finding *f = cli_analysis_finding(im->a, CLI_LINT, im->pid);
    if (f == NULL)
        return;
    f->rule = rule;
    f->shmid = shmid;
    f->message = message;
    f->when = r->time_ns;
    cli_image_stack(im, r, &f->stack);
    cli_timeline_mark(im->a->tl, im->pid, r->time_ns, CLI_TL_LINT, f->id);
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

void cli_lint_failed_call(struct image *im, const struct shmc_jrec *r)
{
    struct cli_finding *f =
        cli_analysis_finding(im->a, CLI_FAILED_CALL, im->pid);
    enum shmc_err why = check(r);

    if (f == NULL)
        return;
    f->err = r->err;
    f->call = call_name(r->type);
    memcpy(f->args, r->args, sizeof f->args);
    f->message = why != SHMC_OK ? shmc_strerror(why) : NULL;
    if (r->type == SHMC_J_SHMAT || r->type == SHMC_J_SHMCTL)
        f->shmid = (int)r->args[0];
    f->when = r->time_ns;
    cli_image_stack(im, r, &f->stack);
    cli_timeline_mark(im->a->tl, im->pid, r->time_ns, CLI_TL_FAILED_CALL,
                      f->id);
}

/* Flags the validator would refuse that the kernel ignores. */
static void ignored_bits(struct image *im, const struct shmc_jrec *r, int shmid)
{
    if (check(r) != SHMC_OK)
        lint(im, r, "ignored_bits", shmid, shmc_strerror(check(r)));
}

/* A shmget the kernel accepted: only its flags and its key can still be
 * wrong. Its size cannot: the kernel refuses a size it cannot create or
 * that the segment joined cannot hold, and size 0 (with IPC_CREAT or not)
 * is the legal way to open an existing segment whatever its size. */
static void shmget_args(struct image *im, const struct shmc_jrec *r, int shmid)
{
    enum shmc_err e = shmc_validate_get_flags((int)r->args[2]);

    if (e != SHMC_OK)
        lint(im, r, "ignored_bits", shmid, shmc_strerror(e));
    if ((e = shmc_validate_key((key_t)r->args[0])) != SHMC_OK)
        lint(im, r, "failed_ftok_key", shmid, shmc_strerror(e));
}

void cli_lint_shmget(struct image *im, const struct shmc_jrec *r)
{
    int key = (int)r->args[0], flg = (int)r->args[2];
    int shmid = (int)r->result;

    shmget_args(im, r, shmid);
    /* Size 0 can only open (creating it fails): no creation to race. */
    if (key != IPC_PRIVATE && (flg & IPC_CREAT) && !(flg & IPC_EXCL) &&
        r->args[1] != 0)
        lint(im, r, "create_without_excl", shmid,
             "IPC_CREAT without IPC_EXCL on a key: two processes racing to "
             "create cannot tell who created it");
    if ((flg & IPC_CREAT) && (flg & 0002))
        lint(im, r, "world_writable", shmid,
             "mode lets any user write the segment");
    if (!r->args[3]) { /* joined: the size asked should be the size */
        uint64_t size;
        if (cli_analysis_created_size(im->a, shmid, &size) && r->args[1] != 0 &&
            (uint64_t)r->args[1] != size)
            lint(im, r, "size_mismatch", shmid,
                 "joined an existing segment asking for a different size");
    }
}

void cli_lint_shmat(struct image *im, const struct shmc_jrec *r)
{
    ignored_bits(im, r, (int)r->args[0]);
}

void cli_lint_shmctl(struct image *im, const struct shmc_jrec *r)
{
    ignored_bits(im, r, (int)r->args[0]);
    if ((int)r->args[1] == IPC_SET && (r->args[2] & 0002))
        lint(im, r, "world_writable", (int)r->args[0],
             "IPC_SET gives any user write access");
}

void cli_lint_unmap(struct image *im, const struct shmc_jrec *r, uint64_t addr,
                    int shmid)
{
    static const char *const call[] = {"munmap", "munmap", "mremap",
                                       "mmap(MAP_FIXED)", "remap_file_pages"};
    unsigned how =
        r->args[2] >= 1 && r->args[2] <= 4 ? (unsigned)r->args[2] : 0;
    char text[192];
    const char *msg;

    snprintf(text, sizeof text,
             "%s took away the attachment at 0x%" PRIx64
             " without shmdt: the kernel detached it",
             call[how], addr);
    if ((msg = cli_run_strdup(im->a->run, text)) == NULL)
        im->a->oom = 1;
    lint(im, r, "detach_without_shmdt", shmid, msg);
}
