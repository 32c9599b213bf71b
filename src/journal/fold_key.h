/*
 * fold_key.h - which folded records are one group, for the checkpoint's
 * fold (fold.h; internal to fold.c).
 */
#ifndef SHMC_JOURNAL_FOLD_KEY_H
#define SHMC_JOURNAL_FOLD_KEY_H

#include <stdint.h>

struct shmc_jrec;

/* What of a record decides its group: everything but what differs from
 * call to call. */
struct shmc_jfold_key {
    uint16_t type, nframes;
    int32_t err;
    uint32_t ghost;
    uint32_t zero; /* padding, always 0: keys are compared bytewise */
    int64_t args[4];
    uint64_t frames[32];
};

/* r's group key; its hash (never compared between programs). */
void shmc_jfold_key(const struct shmc_jrec *r, int ghost,
                    struct shmc_jfold_key *k);
uint64_t shmc_jfold_hash(const struct shmc_jfold_key *k);
/* Whether a and b are the same group. */
int shmc_jfold_same(const struct shmc_jfold_key *a,
                    const struct shmc_jfold_key *b);
/* Whether a successful call of r's type and arguments changes what the
 * CLI replays as state (folded, it is then a GHOST). */
int shmc_jfold_effect(const struct shmc_jrec *r);

#endif
