/*
 * ghost.c - the findings of a GHOST record, without its effect (API:
 * ghost.h).
 */
#include "ghost.h"
#include "lints.h"

void cli_ghost_judge(struct image *im, const struct shmc_jrec *r)
{
    switch (r->type) {
    case SHMC_J_SHMGET:
        cli_lint_shmget(im, r);
        break;
    case SHMC_J_SHMAT:
        cli_lint_shmat(im, r);
        break;
    case SHMC_J_SHMCTL:
        cli_lint_shmctl(im, r);
        break;
    case SHMC_J_UNMAP: /* the attachment's end, still a lint */
        if (r->args[3] == SHMC_JLEFT_NONE)
            cli_lint_unmap(im, r, (uint64_t)r->args[0], (int)r->args[1]);
        break;
    default: /* INHERIT, SHMDT, a moved or partial UNMAP: no finding */
        break;
    }
}
