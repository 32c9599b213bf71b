/*
 * proj.c - ftok's project number judged by shmc_validate_proj against
 * what libc's ftok makes of it.
 */
#define _GNU_SOURCE
#include <sys/ipc.h>

#include "oracle.h"

void do_proj(struct run *r, int proj)
{
    enum shmc_err v = shmc_validate_proj(proj);
    key_t key = ftok("/", proj);
    key_t want = (key_t)(((unsigned)proj & 0xff) << 24 |
                         ((unsigned)facts.root.st_dev & 0xff) << 16 |
                         ((unsigned)facts.root.st_ino & 0xffff));
    /* ftok keeps the low byte only; an accepted number must survive. */
    int exact = ((unsigned)key >> 24) == (unsigned)proj && proj != 0;

    if (key != want || (v == SHMC_OK) != exact ||
        (v != SHMC_OK && v != SHMC_E_PROJ_RANGE))
        fail(r, "validator and ftok disagree", NULL, key, 0,
             "ftok(\"/\", proj=%d) = %#x (libc formula %#x); validator %s, "
             "deliberate R_PROJ covers only proj outside 1..255",
             proj, (unsigned)key, (unsigned)want, shmc_errname(v));
}
