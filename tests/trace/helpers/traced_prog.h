/*
 * traced_prog.h - what the parts of traced_prog share: the calls every
 * subcommand makes (exiting with 2 when one fails), and the subcommands,
 * each in the file of its topic, run by main (traced_prog.c).
 */
#ifndef SHMC_TESTS_TRACED_PROG_H
#define SHMC_TESTS_TRACED_PROG_H

#include <stddef.h>

/* A new private segment of size bytes; exits 2 when shmget fails. */
int make(size_t size);
/* id attached anywhere; exits 2 when shmat fails. */
void *attach(int id);
/* Prints "what r errno", then sets errno to 1234. */
void show(const char *what, long r);
/* Makes, attaches, detaches and removes a segment: 0 when all worked. */
int shm_cycle(void);
/* Leaves a 4096-byte segment, writes its id to fd, and ends by _exit(0)
 * when how is "_exit", else by exit(0) (exit 2 if the write fails). */
_Noreturn void leak_and_end(int fd, const char *how);

/* traced_basic.c: one process's calls, its ways out, fork and spawn. */
int cmd_threads(void);
int cmd_forked(void);
int cmd_execs(const char *self);
int cmd_clean(void);
int cmd_leave(const char *how);
int cmd_scale(void);
int cmd_closefds(void);
int cmd_results(void);
int cmd_many(void);
int cmd_spawn(const char *self);
int cmd_execle_self(const char *self);
int cmd_show_env(void);
int cmd_fds(void);

/* traced_exec.c: the exec family, vfork, raw clone and posix_spawn. */
int cmd_exec_via(const char *self, const char *how);
int cmd_exec_fail(const char *self, const char *how);
int cmd_exec_noargs(const char *self);
int cmd_exec_env(const char *self, const char *how);
int cmd_env_dump(void);
int cmd_vforked(const char *self, const char *how);
int cmd_rawfork(const char *how);
int cmd_spawn_more(const char *self);
int cmd_rawnest(const char *self, const char *how);

/* traced_lifecycle.c: before the tracer starts, and after it ended. */
int cmd_early_main(const char *how);
int cmd_atforked(void);
int cmd_late(void);
int cmd_dlopened(void);
int cmd_modules(const char *dir);
int cmd_load(const char *path);

/* traced_stacks.c: stacks. */
int cmd_stacks(void);
int cmd_badframe(const char *kind);

/* traced_report.c: what the report says, other processes, faults. */
int cmd_sites(void);
int cmd_detaches(void);
int cmd_calls(void);
int cmd_raw_attach(void);
int cmd_redirect(const char *file);
int cmd_churn(void);
int cmd_others(const char *self);
int cmd_reap(const char *arg);
int cmd_nomem(void);
int cmd_sighandler(void);

/* traced_adopt.c: raw clone children left by their parent or making a
 * vfork child; calls the kernel refuses. */
int cmd_orphan(const char *how);
int cmd_clonevfork(void);
int cmd_nostat(void);
int cmd_forkfail(void);
int cmd_spawnnull(void);
int cmd_pipepending(const char *self);
int cmd_pending(void);
int cmd_dropnest(void);
/* traced_root.c: whose exit status may change. */
int cmd_leak_to(const char *fd);
int cmd_exec_leaks(const char *self);
int cmd_child_leaks(const char *self, const char *how);
int cmd_popen_leaks(const char *self);

/* traced_unmap.c: attachments taken away by munmap, mremap, mmap. */
int cmd_unmap(const char *how);

/* traced_cov.c: remap_file_pages with nothing to record; a fork while
 * the final report is written. */
int cmd_remap_refused(void);
int cmd_remap_late(void);
int cmd_fork_in_report(void);

/* traced_abort.c: SHMCHECK_ON_ERROR=abort. */
int cmd_abort_leak(const char *self, const char *how);
int cmd_abort_forks(const char *arg);

/* traced_query.c: the stack query the library's leak check uses. */
int cmd_query(const char *max);

#endif
