/*
 * procstat.h - a process's state, parent and start time from
 * /proc/<pid>/stat, as the tracer (is a parent a zombie? is this process
 * the root of the traced tree?) and the CLI's broker (does a peer descend
 * from us?) need them. Async-signal-safe: no stdio, no malloc.
 */
#ifndef SHMC_JOURNAL_PROCSTAT_H
#define SHMC_JOURNAL_PROCSTAT_H

/* pid's state letter (R, S, Z, X...) and parent pid, read after the last
 * ')' of /proc/<pid>/stat (the command name may hold anything). 0, or -1
 * when the process is gone or the file cannot be read. */
int shmc_proc_stat(int pid, char *state, int *ppid);

/* pid's start time (clock ticks after boot, field 22): with the pid, it
 * names one process for as long as the machine runs, as a pid alone does
 * not once it is reused; exec keeps it. 0, or -1 as shmc_proc_stat. */
int shmc_proc_start(int pid, unsigned long long *start);

/* Whether pid descends from root: its parent chain in /proc reaches it
 * (at most 65536 links: a chain longer is taken as not). */
int shmc_proc_descends(int pid, int root);

#endif
