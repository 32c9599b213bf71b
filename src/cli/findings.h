/*
 * findings.h - what the shmcheck CLI knows after a run: the process tree,
 * the findings, and the summary. Filled by the analysis (cli_analyze)
 * from the journals and the kernel's view; read by the reports (text,
 * JSON, SARIF), the suppressions and the exit status. What each kind
 * means: docs/leak-semantics.md; the JSON names of the fields are given
 * beside them (the report: docs/report-format.md).
 */
#ifndef SHMC_CLI_FINDINGS_H
#define SHMC_CLI_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "journal/kinds.h"

#define CLI_MAX_FRAMES 32

/* One stack frame; function/file are NULL until symbolized (or when the
 * symbolizer knows nothing), line 0 when unknown. Strings are owned by
 * the run (cli_run_free frees them). */
struct cli_frame {
    uint64_t pc;          /* "pc": "0x..."                              */
    const char *module;   /* path of the object the pc is in, or NULL   */
    uint64_t offset;      /* pc relative to the module's load bias      */
    const char *function; /* "function"                                 */
    const char *file;     /* "file"                                     */
    int line;             /* "line"                                     */
};

struct cli_stack {
    unsigned n;
    struct cli_frame f[CLI_MAX_FRAMES];
};

/* How a process (or an attachment) ended. */
enum cli_end { CLI_END_UNKNOWN, CLI_END_EXIT, CLI_END_EXEC, CLI_END_SIGNAL };

struct cli_process {
    int pid, ppid; /* "pid", "ppid"                           */
    char **argv;   /* "argv" (NULL-terminated)                */
    int argc;
    enum cli_end end;      /* CLI_END_EXIT: "exit": {"status": value} */
    int value;             /* status or signal number                 */
    int traced;            /* "traced": a journal of it was read      */
    const char *reason;    /* "reason" when untraced: why no journal  */
    const char *name;      /* "comm" when untraced: what it ran, known
                              without a journal (the path a posix_spawn
                              started, the kernel's comm), or NULL    */
    const char *exec_path; /* its last journal ends in an exec of this
                              path and no journal followed: untraced
                              from there (a warning), or NULL         */
};

/* The kinds a finding has: the reported kinds of the shared table
 * (journal/kinds.h), by the same numbers, so that 1u << kind is the kind's
 * bit in a mask of kinds. An unmatched attach inherited through fork is
 * CLI_UNMATCHED_ATTACH with inherited set, and its own kind for errors
 * and suppressions (cli_finding_kind). */
enum cli_kind {
    CLI_LEAKED_SEGMENT = SHMC_KI_LEAKED_SEGMENT,     /* error by default */
    CLI_UNMATCHED_ATTACH = SHMC_KI_UNMATCHED_ATTACH, /* warning */
    CLI_INVALID_DETACH = SHMC_KI_INVALID_DETACH,     /* error by default */
    CLI_FAILED_CALL = SHMC_KI_FAILED_CALL,
    CLI_LINT = SHMC_KI_LINT,
    CLI_KIND_COUNT = SHMC_KIND_REPORTED
};

/* One occurrence of a finding: its process and time (the journal's
 * clock, CLOCK_MONOTONIC ns; 0 when unknown). */
struct cli_occurrence {
    int pid;
    uint64_t when;
};

/* A segment of a leak ("segments"): a leak's group keeps every one, each
 * what --cleanup removes and proves to be the run's. */
struct cli_segment {
    int shmid;          /* "shmid"        */
    int32_t key;        /* "key"          */
    uint64_t size;      /* "size"         */
    int creator_pid;    /* "creator_pid"  */
    int seen_by_kernel; /* no journal has its creation */
    uint64_t when;      /* its shmget's time; 0 when unknown */
};

/* A finding is a group (group.h): every occurrence of one kind at one
 * stack. Its fields from kind to order are those of its first occurrence
 * (the earliest; a single finding's own), the rest sum up the group. */
struct cli_finding {
    enum cli_kind kind;
    int pid;                /* process the finding belongs to ("pid")      */
    int shmid;              /* "shmid" (-1: none)                          */
    int32_t key;            /* "key": "0x%08x"                             */
    uint64_t size;          /* "size"                                      */
    uint64_t addr;          /* "addr": "0x..."                             */
    int creator_pid;        /* leaked_segment: "creator_pid"               */
    int seen_by_kernel;     /* leaked_segment: "seen_by": "kernel"/"tracer" */
    int inherited;          /* unmatched_attach: "inherited"               */
    enum cli_end ended_by;  /* unmatched_attach: "ended_by"             */
    int err;                /* invalid_detach/failed_call: "errno" name    */
    const char *call;       /* failed_call: "call" ("shmget", ...)         */
    int64_t args[4];        /* failed_call: "args" as the journal has them */
    const char *rule;       /* lint: "rule"                                */
    const char *message;    /* human explanation ("message"), may be NULL */
    struct cli_stack stack; /* "stack"                                 */
    int suppressed;         /* matched a suppression: counted, not shown   */
    uint64_t when;          /* the journal's clock at the call it is about (the
                               attach of an unmatched attach, the shmget of a
                               leak); 0 when none is known: the report lists a
                               process's findings of a kind in call order     */
    size_t order;           /* the analysis found it order-th: last sort key  */
    uint64_t count;         /* "count": occurrences (>= 1); a leak's segments */
    struct cli_occurrence first, last; /* "first", "last"                  */
    int *pids; /* "pids": the distinct processes, sorted; owned by the run */
    size_t npids;
    struct cli_segment *segments; /* leaked_segment: "segments"; owned by
                                     the run (none: the finding's own)  */
    size_t nsegments;
    size_t id; /* the order of the occurrence its group began with (not
                  the first: that is order), whatever is folded into it:
                  the HTML report's timeline links its items by it */
};

struct cli_summary {
    unsigned long leaked_segments, leaked_bytes, unmatched_attaches,
        inherited_unmatched, invalid_detaches, failed_calls, lints, suppressed;
};

struct cli_run {
    char **command;   /* "command"                                 */
    enum cli_end end; /* the top program: "exit": status / signal  */
    int value;
    struct cli_process *procs; /* "processes", sorted by pid           */
    size_t nprocs;
    struct cli_finding *findings; /* "findings", in report order       */
    size_t nfindings;
    struct cli_summary summary; /* "summary" (suppressed not counted
                                   in the other fields): occurrences */
    uint64_t start_ns; /* the run's start on the journals' clock: reports
                          give times relative to it (0: unknown)      */
    char **warnings;   /* damaged journals and the like; NULL-ended */
    size_t nwarnings;
    const char *source_root; /* SARIF: files below it are named relative
                                to it (absolute, resolved; NULL: none) */
    unsigned errors;         /* the kinds --errors made errors (enum
                                shmc_kind bits): the HTML page's levels */
    struct cli_pool *pool;   /* strings the frames and findings point to  */
};

/* A copy of s owned by the run (freed by cli_run_free); NULL for NULL or
 * when memory runs out. Equal strings may share one copy. */
const char *cli_run_strdup(struct cli_run *run, const char *s);

/* Adds a copy of text to run's warnings (the text report's "warning:"
 * lines, JSON "warnings", SARIF notifications). 0, or -1 when memory
 * runs out. */
int cli_run_warn(struct cli_run *run, const char *text);

/* The JSON/SARIF name of a kind ("leaked_segment", ...); "unknown" for a
 * value that is no kind. */
const char *cli_kind_name(enum cli_kind kind);

/* The kind of f in the shared table (SHMC_KI_*): its kind, or
 * SHMC_KI_INHERITED_UNMATCHED for an inherited unmatched attach;
 * SHMC_KIND_COUNT when f->kind is no kind. What --errors and the
 * suppression rules name. */
unsigned cli_finding_kind(const struct cli_finding *f);

/* Whether f is an error under mask (enum shmc_kind bits, --errors). */
int cli_finding_is_error(const struct cli_finding *f, unsigned mask);

/* Whether a finding of run that no suppression matched is an error under
 * mask. */
int cli_run_has_errors(const struct cli_run *run, unsigned mask);

/* Where the program's own part of st starts: the frame below the last
 * one in shmcheck's library (its shared object, or a shmc_* function
 * linked in), 0 when no frame is. A call the program made through the
 * library is the program's, at its call of the library: SARIF locates a
 * result there, and the HTML report shows the source lines there. */
unsigned cli_stack_program_frame(const struct cli_stack *st);

/* Recomputes run->summary from the findings (after suppression): each
 * counts its occurrences, a leak the bytes of all its segments. */
void cli_summarize(struct cli_run *run);

/* Frees everything the run owns. */
void cli_run_free(struct cli_run *run);

#endif
