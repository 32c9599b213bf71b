/*
 * timeline.h - what happened when, for the HTML report (--html): each
 * process's span and execs, each segment's creation, removal and end,
 * each attachment's span and how it ended, and a marker per failed call,
 * invalid detach and lint, each linked to the finding it is part of.
 *
 * The analysis feeds it as it replays (replay.c, lints.c, kernel.c: a
 * NULL timeline takes nothing, which is what a run without --html has:
 * no cost but a test of a pointer); cli_timeline_settle then ties each
 * attachment and removal to its segment and works out when each segment
 * was freed; cli_timeline_link, called by the groups (group.c), keeps
 * which finding each occurrence was folded into. The rows hold the
 * journals' times (CLOCK_MONOTONIC ns, 0 when unknown); the report
 * (report_html.c) makes them relative to the run's start.
 *
 * Memory: about 64 bytes an attachment, 72 a segment, 32 a marker, an
 * IPC_RMID or an exec, 24 a process and 8 an occurrence of a finding; at
 * most tl->max_rows (CLI_TL_MAX_ROWS) rows of each table: further ones
 * are counted in tl->dropped, not kept (a 100,000-call run takes about
 * 6 MB).
 */
#ifndef SHMC_CLI_TIMELINE_H
#define SHMC_CLI_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "inputs.h"
#include "journal/table.h"

#define CLI_TL_NONE SIZE_MAX
#define CLI_TL_MAX_ROWS 1000000

/* How an attachment ended ("how" in the report). */
enum cli_tl_how {
    CLI_TL_DETACHED, /* shmdt, or an unmap that took all of it */
    CLI_TL_EXITED,   /* its process ended (exit, signal)       */
    CLI_TL_EXECED,   /* its process called exec                */
    CLI_TL_UNKNOWN   /* not known: still attached, lost records */
};

/* What a marker is ("kind" in the report). */
enum cli_tl_kind { CLI_TL_FAILED_CALL, CLI_TL_INVALID_DETACH, CLI_TL_LINT };

struct cli_tl_proc {
    int pid;
    uint64_t start, end; /* its first and last record */
};

struct cli_tl_exec {
    int pid;
    uint64_t when;
};

struct cli_tl_seg {
    int shmid, cpid; /* cpid -1: unknown */
    int32_t key;
    uint64_t size;
    uint64_t created, removed, gone; /* 0: unknown, never */
    size_t occ; /* the leaked_segment occurrence, or CLI_TL_NONE */
};

struct cli_tl_rmid {
    int shmid;
    uint64_t when;
};

struct cli_tl_att {
    int pid, shmid;
    enum cli_tl_how how;
    uint64_t addr, attached, ended; /* ended 0: unknown */
    size_t occ; /* the unmatched_attach occurrence, or CLI_TL_NONE */
    size_t seg; /* its segment's row (cli_timeline_settle) */
};

struct cli_tl_mark {
    int pid;
    enum cli_tl_kind kind;
    uint64_t when;
    size_t occ;
};

struct cli_timeline {
    struct cli_tl_proc *procs;
    size_t nprocs, cap_procs;
    struct shmc_table procidx; /* pid -> size_t: its row in procs */
    struct cli_tl_exec *execs; /* sorted by pid, time once settled */
    size_t nexecs, cap_execs;
    struct cli_tl_seg *segs; /* sorted by creation, shmid once settled */
    size_t nsegs, cap_segs;
    struct cli_tl_rmid *rmids;
    size_t nrmids, cap_rmids;
    struct cli_tl_att *atts; /* sorted by attach time once settled */
    size_t natts, cap_atts;
    struct cli_tl_mark *marks; /* sorted by time once settled */
    size_t nmarks, cap_marks;
    size_t *links; /* occurrence -> the occurrence whose group it joined */
    size_t nlinks, cap_links;
    uint64_t end;          /* the latest time known */
    size_t max_rows;       /* CLI_TL_MAX_ROWS; a test makes it smaller */
    unsigned long dropped; /* rows not kept: max_rows, or no memory */
};

/* An empty timeline; cli_timeline_free frees it. */
void cli_timeline_init(struct cli_timeline *tl);
void cli_timeline_free(struct cli_timeline *tl);

/* --- fed by the analysis; each does nothing when tl is NULL -------- */

/* A process image of pid whose records span first..last. */
void cli_timeline_span(struct cli_timeline *tl, int pid, uint64_t first,
                       uint64_t last);
/* pid's exec at when (it succeeded: its image ended there). */
void cli_timeline_exec(struct cli_timeline *tl, int pid, uint64_t when);
/* pid's latest exec returned: it is no exec. */
void cli_timeline_exec_failed(struct cli_timeline *tl, int pid);
/* The segment shmid created by pid at when. */
void cli_timeline_created(struct cli_timeline *tl, int shmid, int32_t key,
                          uint64_t size, int pid, uint64_t when);
/* shmid removed (IPC_RMID) at when. */
void cli_timeline_removed(struct cli_timeline *tl, int shmid, uint64_t when);
/* An attachment made (or inherited) at when: its row, or CLI_TL_NONE. */
size_t cli_timeline_attached(struct cli_timeline *tl, int pid, int shmid,
                             uint64_t addr, uint64_t when);
/* The attachment of row (CLI_TL_NONE: none) ended at when (0: unknown),
 * as how says; occ the unmatched_attach it is, or CLI_TL_NONE. */
void cli_timeline_ended(struct cli_timeline *tl, size_t row, uint64_t when,
                        enum cli_tl_how how, size_t occ);
/* A marker of pid at when, of the occurrence occ. */
void cli_timeline_mark(struct cli_timeline *tl, int pid, uint64_t when,
                       enum cli_tl_kind kind, size_t occ);
/* The leaked_segment occurrence occ is the segment shmid the kernel
 * holds (key, size, creator cpid), created at when (0: no journal has
 * its creation). */
void cli_timeline_leaked(struct cli_timeline *tl, const struct cli_kseg *k,
                         uint64_t when, size_t occ);
/* The occurrence occ was folded into the group of occurrence into. */
void cli_timeline_link(struct cli_timeline *tl, size_t occ, size_t into);

/* Once every journal is replayed and every segment judged: attachments
 * and removals tied to their segments (a segment no journal created
 * gets a row, its key and size from the kernel's segments when it is
 * there), each segment's end worked out, the rows sorted. */
void cli_timeline_settle(struct cli_timeline *tl, const struct cli_kseg *kernel,
                         size_t nkernel);

/* The group occurrence occ belongs to in the end (itself when it was
 * never folded into another). */
size_t cli_timeline_group(const struct cli_timeline *tl, size_t occ);

/* The row of pid in procs, or NULL. */
const struct cli_tl_proc *cli_timeline_proc(const struct cli_timeline *tl,
                                            int pid);

/* The first of pid's execs (execs sorted by cli_timeline_settle): its
 * index, *n set to how many there are. */
size_t cli_timeline_execs(const struct cli_timeline *tl, int pid, size_t *n);

#endif
