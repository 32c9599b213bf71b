/*
 * analysis.h - the state of one analysis (cli_analyze, analyze.h), of the
 * whole tree and of the process image being replayed, and its
 * bookkeeping, which the replay (replay.c), the lints (lints.c) and the
 * kernel's view (kernel.c) share.
 */
#ifndef SHMC_CLI_ANALYSIS_H
#define SHMC_CLI_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "journal/compiler.h"
#include "depot.h"
#include "findings.h"
#include "group.h"
#include "inputs.h"
#include "journal/format.h"
#include "journal/table.h"

/* A process a journal names (untraced.h): the journal's own, from its
 * header, or a child its FORK or SPAWN records started. */
struct kin {
    int pid, ppid;
    int journal;       /* 1: a journal's header; 0: a FORK/SPAWN child */
    uint64_t start_ns; /* the journal's tracer start (journal 1)       */
    const char *name;  /* the path a SPAWN started, or NULL            */
};

/* The size of a value of the lineage table (lineage.c's event). */
#define CLI_LINEAGE_VALUE 24

struct analysis {
    const struct cli_inputs *in;
    struct cli_run *run;
    size_t cap_procs, cap_findings, cap_warnings;
    struct kin *kins; /* in replay order */
    size_t nkins, cap_kins;
    /* What the tree made and removed, kept no longer than it matters:
     * a segment's creation until its IPC_RMID is replayed (then only the
     * size of one made with a key, which a later join can be compared
     * with), an IPC_RMID until the creation it removed is replayed (a
     * journal replayed before its creator's). */
    struct shmc_table created; /* shmid -> struct created: not removed */
    struct shmc_table removed; /* shmid -> (nothing): IPC_RMID replayed,
                                  its creation not (yet)               */
    struct shmc_table sizes;   /* shmid -> uint64_t: the size of a
                                  segment made with a key and removed  */
    struct shmc_table procidx; /* pid -> size_t: its index in run->procs */
    struct shmc_table reapidx; /* pid -> size_t: its index in in->reaped */
    int reaped_indexed;        /* reapidx made (at the first look-up)  */
    struct cli_depot depot;    /* the stacks of created and atts      */
    struct shmc_table exited;  /* pid -> uint64_t: the time its last
                                  journaled image called exit, last record */
    struct shmc_table lineage; /* pid -> its latest image event (lineage.c,
                                  CLI_LINEAGE_VALUE bytes)             */
    int oom;
    int lost;         /* some journal lost records: removals may be missing */
    size_t strangers; /* segments made during the run by unknown pids   */
    uint32_t repeat;  /* the record being replayed stands for 1 + repeat
                         calls (a checkpointed journal folds identical
                         ones: docs/journal-format.md); its findings
                         count that many times                          */
    struct cli_groups groups; /* the findings folded as they come */
    struct cli_timeline *tl;  /* in->timeline (timeline.h), or NULL */
};

/* A segment some process of the tree created. */
struct created {
    int pid;
    int32_t key;
    uint64_t size;
    uint64_t when; /* the shmget's time (the journal's clock) */
    const struct cli_dstack *stack; /* in a->depot; NULL: out of memory */
};

/* A module of a process image: where it is loaded. */
struct module {
    uint64_t bias, start, end;
    const char *path;
};

/* One process image, while its journal is replayed. */
struct image {
    struct analysis *a;
    int pid;
    struct module *mods;
    size_t nmods, cap_mods;
    struct shmc_table atts; /* addr -> struct att */
    int exec_pending;       /* an EXEC not (yet) followed by EXEC_FAIL */
    char exec_path[SHMC_JMAX_RECORD + 1]; /* that EXEC's path */
    uint64_t exec_ns;                     /* and its time         */
    int exited;
    uint64_t last_ns; /* the time of its last record */
    int lost;         /* its journal lost records: its end cannot be judged */
};

/* An attachment live in the image: copies of what its record said (the
 * journal's window moves on, jwindow.h). */
struct att {
    int shmid;
    int inherited;
    uint64_t when;                /* the attach's time                */
    size_t tl;                    /* its timeline row (CLI_TL_NONE)   */
    const struct cli_dstack *pcs; /* its raw stack, in a->depot; NULL:
                                     out of memory                    */
};

/* An analysis of in into run, its tables empty. */
void cli_analysis_init(struct analysis *a, const struct cli_inputs *in,
                       struct cli_run *run);

/* Frees what the analysis holds but the run (its processes' index, which
 * sorting them would make wrong, too). */
void cli_analysis_end(struct analysis *a);

/* p, grown to hold n + 1 elements of size bytes (doubling *cap); NULL when
 * memory ran out, p then being unchanged. */
void *cli_analysis_grow(void *p, size_t *cap, size_t n, size_t size);

/* p, noting that memory ran out when it is NULL. */
void *cli_analysis_need(struct analysis *a, void *p);

/* Adds a warning to the run. */
void cli_analysis_warn(struct analysis *a, const char *fmt, ...)
    SHMC_PRINTF_LIKE(2, 3);

/* A new finding of kind in pid's name, zeroed but for shmid -1, its
 * order and its count (1 + a->repeat); NULL when memory ran out. The
 * caller fills it in; the next call (or the end of the analysis) folds it
 * into the finding of its group (group.h), if there is one already: a
 * finding handed out before is not to be used after this call. */
struct cli_finding *cli_analysis_finding(struct analysis *a, enum cli_kind kind,
                                         int pid);

/* The process pid of the run; NULL when it has none (by a->procidx;
 * a linear search should the index be short of the run's processes). */
struct cli_process *cli_analysis_find_process(const struct analysis *a,
                                              int pid);

/* The process pid of the run, added when new; NULL when memory ran out. */
struct cli_process *cli_analysis_process(struct analysis *a, int pid);

/* Whether the CLI reaped pid, with its wait status into *status (by
 * a->reapidx, made at the first call). */
int cli_analysis_reaped(struct analysis *a, int pid, int *status);

/* Whether the journal with header h lost records; if so warns (PATH: how
 * many, why, what could not be checked) and notes it in a. */
int cli_analysis_lost(struct analysis *a, const char *path,
                      const struct shmc_jheader *h);

/* How many bytes of the open journal fd, size bytes long, can be mapped
 * and read: up to its first hole (a hole of a full tmpfs faults with
 * SIGBUS when a mapping of it is read; past it the file reads as zeros,
 * which end a journal anyway), or size. */
size_t cli_journal_extent(int fd, size_t size);

/* The frames of r, each with the module of the image it is in. */
void cli_image_stack(const struct image *im, const struct shmc_jrec *r,
                     struct cli_stack *out);

/* The same for the n pcs at pcs. */
void cli_image_place(const struct image *im, const uint64_t *pcs, unsigned n,
                     struct cli_stack *out);

/* The segment shmid created as c says: kept until its IPC_RMID is
 * replayed, unless a journal replayed before removed it already. */
void cli_analysis_created(struct analysis *a, int shmid,
                          const struct created *c);

/* The segment shmid removed (IPC_RMID): its creation forgotten, or, not
 * replayed yet, the removal kept for it. */
void cli_analysis_removed(struct analysis *a, int shmid);

/* The size of the segment shmid as the tree created it, into *size: 1
 * when its creation was replayed (and not forgotten: a segment made
 * IPC_PRIVATE and removed cannot be joined), else 0. */
int cli_analysis_created_size(const struct analysis *a, int shmid,
                              uint64_t *size);

#endif
