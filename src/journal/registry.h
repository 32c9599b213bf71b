/*
 * registry.h - the image registry: how a process image that never needed
 * a journal still tells the CLI that it ran traced, who its parent was,
 * and how it ended (docs/journal-format.md, "The image registry").
 *
 * Under the CLI a process pays for a journal only when it first needs one
 * (its first System V call, or a fork while it holds attachments). Until
 * then each lineage event of the image is one record appended to
 * <log dir>/images.shmr, a file the CLI creates before the run: one open,
 * one write (O_APPEND: records of concurrent processes never interleave),
 * one close. Records are in the host's byte order, like journals.
 */
#ifndef SHMC_JOURNAL_REGISTRY_H
#define SHMC_JOURNAL_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#define SHMC_REGISTRY_NAME "images.shmr"
/* "<dev>:<ino>" of that file, which the CLI gives the tree: a process
 * writes into it only when the file it opened is that one. */
#define SHMC_REGISTRY_ENV "SHMCHECK__REGISTRY"

#define SHMC_REG_MAGIC 0x52434d53u /* "SMCR" in little-endian bytes */
#define SHMC_REG_HEADER 32u
#define SHMC_REG_MAX 1024u /* a record, payload included */

enum shmc_reg_kind {
    SHMC_REG_START = 1,     /* an image started traced; arg: how (below)  */
    SHMC_REG_EXEC = 2,      /* an image without a journal called exec     */
    SHMC_REG_EXEC_FAIL = 3, /* ... and that exec returned; arg: errno    */
    SHMC_REG_SPAWN = 4,     /* ... posix_spawn; arg: the child, or -1     */
    SHMC_REG_EXIT = 5,      /* ... exited; arg: the exit status           */
    SHMC_REG_NOJOURNAL = 6, /* its journal, due now, could not be made;
                               arg: the errno                             */
    SHMC_REG_KIND_MAX
};

/* How a SHMC_REG_START image began. */
enum shmc_reg_start {
    SHMC_REG_EXECED = 0, /* a new program (exec, or the tree's top)       */
    SHMC_REG_FORKED = 1, /* a fork child, the same program as its parent  */
    SHMC_REG_CLONED = 2  /* a child of a raw clone (no fork handler ran)  */
};

struct shmc_reg_rec {
    uint32_t magic;   /* SHMC_REG_MAGIC                                  */
    uint16_t size;    /* the whole record; a multiple of 8, 32..1024    */
    uint16_t kind;    /* enum shmc_reg_kind                              */
    int32_t pid;      /* the process                                     */
    int32_t ppid;     /* its parent when the image started               */
    uint64_t time_ns; /* CLOCK_MONOTONIC                                 */
    int64_t arg;      /* per kind (above)                                */
    /* payload, NUL-padded to the size: START: the command line, each
     * argument NUL-terminated (cut to fit); EXEC and SPAWN: the path or
     * file name passed, NUL-terminated */
};

_Static_assert(sizeof(struct shmc_reg_rec) == SHMC_REG_HEADER,
               "registry record header layout");

/* Fills rec (SHMC_REG_MAX bytes) with a record of kind, the strings of
 * list (NULL-ended; NULL: none) or the one string one (NULL: none) as its
 * payload, cut to fit; returns its size. Async-signal-safe. */
size_t shmc_reg_build(void *rec, enum shmc_reg_kind kind, int pid, int ppid,
                      uint64_t time_ns, int64_t arg, char *const *list,
                      const char *one);

/* Reading: the records of a registry file's bytes, one after another. */
struct shmc_reg_reader {
    const unsigned char *data;
    size_t len, pos;
    size_t skipped; /* bytes skipped as not a record (damage)          */
    struct shmc_reg_rec cur; /* the header shmc_reg_next returns       */
};

void shmc_reg_reader_init(struct shmc_reg_reader *r, const void *data,
                          size_t len);

/* The next whole, well-formed record (payload: *payload, *payload_len
 * bytes), or NULL at the end. Bytes that are no record (a write cut short
 * by a full disk, or scribbled by a process of the tree) are skipped up
 * to the next well-formed record, and counted. The header returned is the
 * reader's copy, valid until the next call. */
const struct shmc_reg_rec *shmc_reg_next(struct shmc_reg_reader *r,
                                         const char **payload,
                                         size_t *payload_len);

#endif
