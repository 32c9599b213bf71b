/*
 * space.h - the room a journal file takes (used by writer.c): its space
 * allocated for real before the writer's shared mapping touches it, the
 * file size limit met before the kernel would raise SIGXFSZ, and the cap.
 */
#ifndef SHMC_JOURNAL_SPACE_H
#define SHMC_JOURNAL_SPACE_H

#include <stddef.h>

#define SHMC_JREGION ((size_t)1 << 30)   /* most a journal can hold   */
#define SHMC_JCHUNK ((size_t)1 << 20)    /* the most one growth adds  */
#define SHMC_JFIRST_SIZE ((size_t)16384) /* a new file's size        */
#define SHMC_JPAGE ((size_t)4096)        /* smallest file open makes  */

/* Journal space is allocated for real (below), so most of the images of
 * a process-heavy tree, which write a few records and exec or exit, must
 * not take much: a file starts at SHMC_JFIRST_SIZE and doubles, by at
 * most SHMC_JCHUNK at a time. The size a file of `have` bytes grows to
 * for a record ending at `end`. */
static inline size_t shmc_jspace_next(size_t have, size_t end)
{
    size_t want = have + (have < SHMC_JCHUNK ? have : SHMC_JCHUNK);
    return want >= end ? want
                       : (end + SHMC_JPAGE - 1) / SHMC_JPAGE * SHMC_JPAGE;
}
/* A test hook: a smaller cap than SHMC_JREGION, in bytes (decimal, at
 * least SHMC_JPAGE), read from the environment by open. */
#define SHMC_JCAP_ENV "SHMC_TEST_JOURNAL_CAP"

/* Checkpoints (checkpoint.h): the writer folds its journal into a new file
 * rather than let it grow past SHMC_JCKPT_DEFAULT bytes (doubled while a
 * folded journal takes more than half of it). A test hook sets another
 * size (decimal bytes; 0: never checkpoint), and another makes the process
 * kill itself (SIGKILL) at a step of its checkpoints (checkpoint.h). */
#define SHMC_JCKPT_DEFAULT ((size_t)32 << 20)
#define SHMC_JCKPT_ENV "SHMC_TEST_JOURNAL_CHECKPOINT"
#define SHMC_JCKPT_KILL_ENV "SHMC_TEST_CHECKPOINT_KILL"

/* The checkpoint size: SHMC_JCKPT_DEFAULT, or the hook's value (a
 * malformed one leaves the default). */
size_t shmc_jspace_checkpoint(void);

/* The step SHMC_JCKPT_KILL_ENV names, 0 when none. */
int shmc_jspace_kill_step(void);

/* Grows the file from `have` to `size` bytes, all of them allocated
 * (posix_fallocate: a store into a hole of a full tmpfs through a shared
 * mapping raises SIGBUS), or leaves it at `have`: 0, or -1 with errno.
 * Refuses (EFBIG) a size past RLIMIT_FSIZE before the kernel does: it
 * would also raise SIGXFSZ, whose default action kills the program we
 * trace. */
int shmc_jspace_grow(int fd, size_t have, size_t size);

/* The journal's cap: SHMC_JREGION, or the test hook's (SHMC_JCAP_ENV)
 * smaller value rounded down to a page, at least SHMC_JPAGE. */
size_t shmc_jspace_cap(void);

/* Allocates the first part of a new file: SHMC_JFIRST_SIZE (at most the
 * cap), else the largest power of two down to a page that the space and
 * the file size limit allow. Its size, or 0 with errno. */
size_t shmc_jspace_first(int fd, size_t cap);

#endif
