/*
 * harness.h - what the cost benchmarks of bench/ share (bench_exec,
 * bench_scale, bench_replay, bench_symbolize): running a program and
 * measuring it, the machine line, the figure lines, and the files a run
 * leaves (journals, reports).
 *
 * Every figure is one line, `workload: value` or, with a goal,
 * `workload: value (goal: <= G) ok|OVER`. A bench exits 0 whatever its
 * figures (an OVER is a finding, not a failure), and 1 when a workload
 * could not be run as meant (a program failed, a file is missing).
 */
#ifndef SHMC_BENCH_HARNESS_H
#define SHMC_BENCH_HARNESS_H

#include <stddef.h>

#define BENCH_MAX_ROUNDS 31

/* How one run went. */
struct bench_run {
    double ns;      /* wall time, from before the fork to the reap     */
    int status;     /* wait status                                     */
    long maxrss_kb; /* wait4's ru_maxrss: the child and every process
                       it reaped, the largest                          */
    long hwm_kb;    /* with BENCH_HWM: the child's own peak (VmHWM when
                       it exits), else -1                              */
};

/* bench_run's flags. */
#define BENCH_HWM 1 /* measure the child's own peak RSS (harness.c)    */

/* Prints the machine line: processors online, CPU model, kernel. */
void bench_machine(void);

/* An environment: this process's without LD_PRELOAD and SHMCHECK_*
 * (so that the bench's own settings never leak into a variant), plus
 * extra (NULL-terminated, may be NULL). Valid until the next call. */
char **bench_env(const char *const extra[]);

/* Runs argv[0] (a path, no PATH search) with envp, its standard output
 * and error to /dev/null, and waits for it. Returns 0 when it could be
 * run (r filled in), -1 otherwise. */
int bench_run(char *const argv[], char *const envp[], int flags,
              struct bench_run *r);

/* As bench_run, and fails (-1, with a message) unless the program
 * exited with one of the two statuses given. */
int bench_run_ok(char *const argv[], char *const envp[], int flags,
                 struct bench_run *r, int ok1, int ok2);

/* A figure without a goal: "what: value unit". */
void bench_figure(const char *what, double value, const char *unit);

/* A figure against its goal (value <= goal is ok). Returns 1 when over. */
int bench_goal(const char *what, double value, double goal, const char *unit);

/* A new private directory (mode 0700) under $TMPDIR or /tmp; path has
 * room for 256 bytes. Returns 0 or -1. */
int bench_tmpdir(char *path, size_t room);

/* Removes dir and everything under it. Returns 0 or -1. */
int bench_rmtree(const char *dir);

/* Removes what dir holds, keeps dir. */
int bench_empty_dir(const char *dir);

/* Bytes of the regular files directly in dir whose name ends in suffix
 * ("" for every file); -1 when dir cannot be read. */
long long bench_dir_bytes(const char *dir, const char *suffix);

/* Records lost, summed over the journal headers (`lost`) in dir. */
long long bench_journals_lost(const char *dir);

/* Size of a file, -1 when it cannot be read. */
long long bench_file_bytes(const char *path);

/* How many times needle occurs in the file; -1 when it cannot be read. */
long long bench_count_in_file(const char *path, const char *needle);

#endif
