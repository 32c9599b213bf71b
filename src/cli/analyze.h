/*
 * analyze.h - from journals and the kernel's view to findings.
 *
 * Every journal in the log directory is replayed on its own (a process
 * image's events are in order in its file); segments are then judged
 * against what the kernel still holds once the whole tree has ended:
 * DESIGN.md, "Leak semantics".
 */
#ifndef SHMC_CLI_ANALYZE_H
#define SHMC_CLI_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "findings.h"

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

/* Reads /proc/sysvipc/shm (or path) into a malloc'd array. Returns the
 * count, or -1 with errno. */
long cli_kernel_segments(const char *path, struct cli_kseg **out);

/* A process the CLI reaped, with its wait status. */
struct cli_reaped {
    int pid;
    int status;
};

struct cli_inputs {
    const char *log_dir;              /* the journals                     */
    const struct cli_kseg *kernel;    /* segments left after the tree     */
    size_t nkernel;
    const struct cli_reaped *reaped;  /* every descendant the CLI reaped  */
    size_t nreaped;
    int top_pid;                      /* the program the CLI started      */
    long start_time;                  /* CLOCK_REALTIME seconds at start  */
};

/* Fills run (processes, findings, summary, warnings) from in. Frames get
 * module and offset, not yet function/file/line. Returns 0, or -1 when
 * memory ran out. A damaged journal is read up to its last whole record
 * and adds a warning. */
int cli_analyze(const struct cli_inputs *in, struct cli_run *run);

#endif
