/*
 * inputs.h - what an analysis reads (cli_analyze, analyze.h): the
 * journals' directory, the segments the kernel still holds once the tree
 * has ended, and the processes the CLI reaped (run.h).
 */
#ifndef SHMC_CLI_INPUTS_H
#define SHMC_CLI_INPUTS_H

#include <stddef.h>
#include <stdint.h>

/* A segment as /proc/sysvipc/shm shows it. */
struct cli_kseg {
    int32_t key;
    int shmid;
    unsigned mode; /* with SHM_DEST (01000) when marked for removal */
    uint64_t size;
    int cpid, lpid;
    unsigned long nattch;
    long ctime;
};

/* A process the CLI reaped, with its wait status. */
struct cli_reaped {
    int pid;
    int status;
};

/* A process the kernel's process events showed starting in the tree
 * (procevents.h): known even when it wrote no journal and its own parent
 * reaped it. */
struct cli_seen {
    int pid, ppid;
    int status;    /* wait status when it ended; -1 not seen ending */
    char comm[16]; /* its name at its last exec (or fork), NUL-ended */
};

struct cli_interrupt; /* signals.h */
struct cli_timeline;  /* timeline.h */

struct cli_inputs {
    const char *log_dir;           /* the journals                     */
    const struct cli_kseg *kernel; /* segments left after the tree     */
    size_t nkernel;
    const struct cli_reaped *reaped; /* every descendant the CLI reaped  */
    size_t nreaped;
    int top_pid;                 /* the program the CLI started      */
    long start_time;             /* CLOCK_REALTIME seconds at start  */
    uint64_t start_mono_ns;      /* CLOCK_MONOTONIC ns at start (the
                                    journals' clock), 0 with --replay:
                                    the reports' times are from the
                                    earliest journal's start, this
                                    when no journal has one          */
    const struct cli_seen *seen; /* every process the events showed  */
    size_t nseen;
    int tree_known; /* 1: seen lists the whole tree (events worked)   */
    int isolated;   /* --isolate: every segment left is the tree's    */
    const struct cli_interrupt *intr; /* signals forwarded, or NULL  */
    struct cli_timeline *timeline;    /* --html: fed what happened when,
                                         settled; NULL: not collected   */
    int ungrouped; /* 1: every occurrence a finding of its own (count 1),
                      for a test that compares them one by one with a
                      model; 0: repeated ones grouped (group.h)       */
};

#endif
