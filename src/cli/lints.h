/*
 * lints.h - findings about single calls of an image being replayed:
 * calls that failed, and successful ones that are likely mistakes.
 */
#ifndef SHMC_CLI_LINTS_H
#define SHMC_CLI_LINTS_H

#include "analysis.h"

/* A failed call of r's kind (shmget, shmat, shmctl, ftok). */
void cli_lint_failed_call(struct image *im, const struct shmc_jrec *r);

/* The lints of a successful call: shmget (for one that joined a segment,
 * the tree's earlier creation of it, if any, is in a->created), shmat,
 * shmctl. */
void cli_lint_shmget(struct image *im, const struct shmc_jrec *r);
void cli_lint_shmat(struct image *im, const struct shmc_jrec *r);
void cli_lint_shmctl(struct image *im, const struct shmc_jrec *r);

/* An UNMAP record that ended the attachment at addr (of shmid): the
 * kernel detached it without shmdt. */
void cli_lint_unmap(struct image *im, const struct shmc_jrec *r, uint64_t addr,
                    int shmid);

#endif
