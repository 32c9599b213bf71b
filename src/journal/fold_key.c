/*
 * fold_key.c - which folded records are one group (fold.h, fold_key.h): the
 * record's type, errno and stack, and of its arguments only what the CLI's
 * findings (src/cli/lints.c, src/cli/replay.c) look at. A group keeps its first
 * and its last record whole, so the finding made from the first still shows
 * that call's shmid, address and arguments.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/ipc.h>

#include "fold_key.h"
#include "format.h"
#include "lib/hash.h"

/* An address asked of shmat: NULL, or its offset in a 1 MiB window, which
 * keeps its alignment to any SHMLBA the validator may ask. */
static int64_t addr_class(int64_t addr)
{
    return addr == 0 ? 0 : (int64_t)((addr & 0xfffff) | ((int64_t)1 << 40));
}

static void key_args(const struct shmc_jrec *r, int64_t a[4])
{
    const int64_t *in = r->args;

    memset(a, 0, 4 * sizeof *a);
    switch (r->type) {
    case SHMC_J_SHMGET: /* key validity, size (0 or not, and vs. the
                           segment joined), flags, created */
        memcpy(a, in, 4 * sizeof *a);
        break;
    case SHMC_J_SHMAT: /* flags, alignment; the shmid only as valid or not */
        a[0] = in[0] < 0 ? -1 : 0;
        a[1] = addr_class(in[1]);
        a[2] = in[2];
        a[3] = in[3] != 0;
        break;
    case SHMC_J_SHMDT: /* what the invalid detach's message says */
        a[1] = in[1] >= 0;
        a[2] = in[2];
        a[3] = in[3];
        break;
    case SHMC_J_SHMCTL: /* command and mode; the shmid as valid or not */
        a[0] = in[0] < 0 ? -1 : 0;
        a[1] = in[1];
        a[2] = in[2];
        break;
    case SHMC_J_FTOK:
        a[0] = in[0];
        break;
    case SHMC_J_UNMAP: /* how, and what it left */
        a[2] = in[2];
        a[3] = in[3];
        break;
    default: /* INHERIT: nothing but the stack */
        break;
    }
}

void shmc_jfold_key(const struct shmc_jrec *r, int ghost,
                    struct shmc_jfold_key *k)
{
    unsigned n = r->nframes <= 32 ? r->nframes : 32;

    memset(k, 0, sizeof *k);
    k->type = r->type;
    k->nframes = (uint16_t)n;
    k->err = r->err;
    k->ghost = ghost != 0;
    key_args(r, k->args);
    memcpy(k->frames, shmc_jrec_frames(r), 8u * n);
}

uint64_t shmc_jfold_hash(const struct shmc_jfold_key *k)
{
    size_t n = offsetof(struct shmc_jfold_key, frames) + 8u * k->nframes;
    uint64_t h = SHMC_FNV1A_BASIS;
    const unsigned char *p = (const unsigned char *)k;

    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = shmc_fnv1a_word(h, w);
    }
    return h;
}

int shmc_jfold_same(const struct shmc_jfold_key *a,
                    const struct shmc_jfold_key *b)
{
    size_t n = offsetof(struct shmc_jfold_key, frames) + 8u * a->nframes;

    return a->nframes == b->nframes && memcmp(a, b, n) == 0;
}

int shmc_jfold_effect(const struct shmc_jrec *r)
{
    if (r->err != 0)
        return 0; /* a failed call changes nothing */
    switch (r->type) {
    case SHMC_J_SHMGET:
        return r->args[3] != 0; /* created */
    case SHMC_J_SHMAT:
    case SHMC_J_INHERIT:
    case SHMC_J_SHMDT:
        return 1;
    case SHMC_J_SHMCTL:
        return (int)r->args[1] == IPC_RMID;
    case SHMC_J_UNMAP:
        return r->args[3] != SHMC_JLEFT_PART;
    default:
        return 0;
    }
}
