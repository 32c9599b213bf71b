/*
 * format.h - the per-process journal's binary format.
 *
 * Shared by the tracer (writer, src/trace) and the CLI and fuzzers
 * (reader). One file per process image, SHMCHECK_LOG_DIR/<pid>.<n>.shmj
 * (n counts images of the same pid: 0, then 1 after an exec, ...).
 *
 * File = header, then records, then zeros:
 *   struct shmc_jheader (64 bytes): magic "SHMCJRNL", version, sizes, ids.
 *   records, each 8-byte aligned: struct shmc_jrec, then its payload.
 * A writer reserves a record's space and writes its size first, fills it,
 * and sets commit = SHMC_JCOMMIT last (release). A reader walks records by
 * size; size 0 is the end; a size that is not a multiple of 8, smaller than
 * the record header, over SHMC_JMAX_RECORD or beyond the file, and a
 * committed record whose type, frame count or payload does not fit, mean
 * damage (stop, warn; reader.h); a record
 * whose commit is not SHMC_JCOMMIT was being written when the process died
 * (skip it: its call had not returned to the program).
 *
 * The file is written through a shared mapping: an event is in the page
 * cache, hence in the file, before the call returns, so SIGKILL loses
 * nothing. All integers are little-endian (the host's; the journal is read
 * on the machine that wrote it).
 */
#ifndef SHMC_JOURNAL_FORMAT_H
#define SHMC_JOURNAL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define SHMC_JMAGIC "SHMCJRNL"
#define SHMC_JVERSION 3u /* 2: SHMC_J_UNMAP; 3: repeat, checkpoints */
#define SHMC_JCOMMIT 0xC0DEu
#define SHMC_JMAX_FRAMES 32u
#define SHMC_JMAX_RECORD 4096u /* no record is longer */
#define SHMC_JSUFFIX ".shmj"

struct shmc_jheader {
    char magic[8];        /* SHMC_JMAGIC, no NUL                      */
    uint32_t version;     /* SHMC_JVERSION                            */
    uint32_t header_size; /* sizeof(struct shmc_jheader)              */
    int32_t pid;
    int32_t ppid;
    uint32_t image;         /* n in <pid>.<n>.shmj                      */
    uint32_t flags;         /* SHMC_JF_*                                */
    uint64_t start_ns;      /* CLOCK_MONOTONIC at tracer start (a fork
                               child keeps its parent's)               */
    uint64_t start_real_ns; /* reserved for the wall-clock start; the
                               tracer writes 0 today                   */
    uint64_t lost;          /* records dropped (atomic add in place) */
    uint32_t lost_reason;   /* SHMC_JLOST_*: why the first was dropped */
    int32_t lost_errno;     /* its errno (0 for SHMC_JLOST_CAP)        */
};

/* Why a journal stopped taking records (lost_reason; 0: none lost). Once
 * one record is dropped every later one is (the journal is frozen), so
 * the first reason is the reason. */
enum shmc_jlost {
    SHMC_JLOST_NONE = 0,
    SHMC_JLOST_NOSPACE = 1, /* no space for the file (ENOSPC, EDQUOT)     */
    SHMC_JLOST_FSIZE = 2,   /* RLIMIT_FSIZE (EFBIG)                       */
    SHMC_JLOST_CAP = 3,     /* the journal's size cap was reached         */
    SHMC_JLOST_FILE = 4,    /* the file could not be reopened: removed,
                               replaced, its directory unreadable        */
    SHMC_JLOST_OTHER = 5,   /* growth failed otherwise (mmap: ENOMEM)     */
    SHMC_JLOST_MAX
};

#define SHMC_JF_STACKS 1u /* stacks were captured                     */

/* Record types. Arguments (args[]) and what result means, per type. */
enum shmc_jtype {
    SHMC_J_START = 1, /* a[0]=ppid; payload: exe path, NUL, argv
                         strings each NUL-terminated (truncated to fit) */
    SHMC_J_MODULE,    /* a: load bias (dlpi_addr), start, end of the
                         executable segments [start, end); payload:
                         path NUL                                     */
    SHMC_J_SHMGET,    /* a: key, size, shmflg, created(0/1); res=shmid */
    SHMC_J_SHMAT,     /* a: shmid, addr asked, shmflg, segsz (0 unless
                         this image created the segment); res=addr    */
    SHMC_J_SHMDT,     /* a: addr, shmid (-1 unknown), was_attached,
                         remapped (1: remap_file_pages had replaced
                         the attachment's first page); res=0/-1       */
    SHMC_J_SHMCTL,    /* a: shmid, cmd, mode (IPC_SET); res            */
    SHMC_J_FTOK,      /* a: proj; res=key; payload: path NUL          */
    SHMC_J_FORK,      /* res=child pid (parent side)                  */
    SHMC_J_INHERIT,   /* first records of a fork child, one per inherited
                         attachment: a: addr, shmid, segsz; frames:
                         where the parent attached it                 */
    SHMC_J_EXEC,      /* about to exec; payload: path NUL (args unused) */
    SHMC_J_EXEC_FAIL, /* the exec returned; err=errno                 */
    SHMC_J_SPAWN,     /* posix_spawn; res=child pid or -1             */
    SHMC_J_EXIT,      /* a[0]=status, a[1]=how (SHMC_JEXIT_*)         */
    SHMC_J_UNMAP,     /* a munmap, mremap or mmap(MAP_FIXED) that took
                         pages of a live attachment away, or a
                         remap_file_pages that replaced some (still of
                         the segment, still attached: left PART), one
                         per attachment: a: its address, shmid, how
                         (SHMC_JUNMAP_*), what is left (SHMC_JLEFT_*);
                         res=its new address when moved, else 0        */
    SHMC_J_TYPE_MAX
};

enum shmc_junmap {
    SHMC_JUNMAP_MUNMAP = 1,
    SHMC_JUNMAP_MREMAP = 2,
    SHMC_JUNMAP_MMAP_FIXED = 3,
    SHMC_JUNMAP_REMAP_FILE_PAGES = 4
};
/* What an UNMAP left of the attachment: some pages where it was (still
 * attached), nothing (detached), or all of it, moved by mremap. */
enum shmc_jleft {
    SHMC_JLEFT_PART = 0,
    SHMC_JLEFT_NONE = 1,
    SHMC_JLEFT_MOVED = 2
};

enum shmc_jexit { SHMC_JEXIT_EXIT = 1, SHMC_JEXIT__EXIT = 2 };

struct shmc_jrec {
    uint32_t size;    /* whole record, header included, multiple of 8 */
    uint16_t type;    /* enum shmc_jtype                              */
    uint16_t commit;  /* SHMC_JCOMMIT once complete                   */
    uint64_t time_ns; /* CLOCK_MONOTONIC                              */
    int32_t tid;
    int32_t err; /* errno after the call, 0 on success           */
    int64_t result;
    int64_t args[4];
    uint16_t nframes; /* return addresses after this header           */
    uint16_t payload; /* bytes of payload after the frames            */
    uint32_t repeat;  /* SHMC_JREPEAT_*: further identical calls this
                         record stands for, and GHOST; 0 unless written
                         by a checkpoint                               */
    /* uint64_t frames[nframes]; then payload bytes; then padding to 8 */
};

/* A checkpoint (fold.h) folds identical calls into the first and the last
 * of them: repeat's low 31 bits count the further calls a record stands
 * for. GHOST: the record stands for calls whose effect on the state (a
 * segment created or removed, an attachment made or undone) the
 * checkpoint already netted out: a reader judges its findings but does
 * not apply its effect. */
#define SHMC_JREPEAT_COUNT 0x7fffffffu
#define SHMC_JREPEAT_GHOST 0x80000000u

#define SHMC_JREC_HEADER ((uint32_t)sizeof(struct shmc_jrec))

static inline uint32_t shmc_jrec_size(unsigned nframes, unsigned payload)
{
    uint32_t n = SHMC_JREC_HEADER + 8u * nframes + payload;
    return (n + 7u) & ~7u;
}

static inline const uint64_t *shmc_jrec_frames(const struct shmc_jrec *r)
{
    return (const uint64_t *)(const void *)(r + 1);
}

/* How many further calls r stands for; whether it is a ghost. */
static inline uint32_t shmc_jrec_repeat(const struct shmc_jrec *r)
{
    return r->repeat & SHMC_JREPEAT_COUNT;
}

static inline int shmc_jrec_ghost(const struct shmc_jrec *r)
{
    return (r->repeat & SHMC_JREPEAT_GHOST) != 0;
}

static inline const char *shmc_jrec_payload(const struct shmc_jrec *r)
{
    return (const char *)(shmc_jrec_frames(r) + r->nframes);
}

#endif
