/*
 * guard.h - a fuzz target's segments never outlive it.
 *
 * In a private IPC namespace (as root) the namespace takes every segment
 * a target made with it when the target ends. Without one (an
 * unprivileged runner, ClusterFuzzLite's), an input that crashes the
 * target -- an abort, a sanitizer report, a signal, the fuzzer's SIGKILL
 * on a timeout -- would leave the segments it had made, until the
 * runner's SHMMNI ran out. The guard is a process started once, before
 * the first input: it waits for the target to end (however it ends: the
 * end of a pipe), then removes every segment the target noted and every
 * one that a process the target noted created, and ends. The target still
 * removes its own at each input's end; the guard only sees what a crash
 * left. Notes go to a page the two share: the last GUARD_KEEP ids and
 * pids (an input makes far fewer; older ones were removed at their
 * input's end).
 */
#ifndef SHMC_FUZZ_GUARD_H
#define SHMC_FUZZ_GUARD_H

#include <sys/types.h>

#define GUARD_KEEP 4096

/* Starts the guard of this process (once; later calls do nothing). 0, or
 * -1 with errno when it could not start: the target then runs without
 * one. */
int guard_start(void);

/* A segment this target made; nothing when no guard runs. */
void guard_note_id(int shmid);

/* A process of this target (a worker, a forked child): what it creates
 * is removed too; nothing when no guard runs. */
void guard_note_pid(pid_t pid);

#endif
