/*
 * report.h - the report at the end of a process image, in the manner of
 * LeakSanitizer (report.c says what it holds).
 */
#ifndef SHMC_TRACE_REPORT_H
#define SHMC_TRACE_REPORT_H

/* Reports this process image; how = "exit", "_exit" or "exec". Keeps
 * errno; takes the state lock. Returns 1 when it found errors (by
 * SHMCHECK_ERRORS). */
int shmc__report(const char *how);

/* Removes (IPC_RMID through the real shmctl) the segments the report
 * counts as leaked: SHMCHECK_ON_ERROR=abort, before the abort. One that
 * cannot be removed (EPERM: this process dropped the privilege it made
 * it with) stays. Keeps errno; takes the state lock. */
void shmc__remove_leaks(void);

#endif
