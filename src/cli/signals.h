/*
 * signals.h - the CLI's signals while the tree runs: SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT sent to shmcheck are forwarded to the tree, never to
 * a pid that another process may have taken, and the CLI waits for every
 * descendant.
 *
 * The forwarded signals and SIGCHLD are blocked from before the fork and
 * read through a signalfd in one loop with the reaping, so a signal is
 * forwarded knowing exactly which processes were already reaped:
 *   - while the program the CLI started lives, it gets the signal
 *     (through a pidfd: pidfd_send_signal cannot reach a reused pid);
 *   - once it ended, every process still running that descends from the
 *     CLI (its /proc parent chain reaches the CLI, checked after its pidfd
 *     is opened) gets it: `shmcheck -- sh -c 'sleep 20 &'` stops at
 *     Ctrl-C;
 *   - a second SIGINT or SIGTERM (or the first once the program ended and
 *     the rest ignored one) kills what is left of the tree with SIGKILL,
 *     so the run ends promptly and is still reported.
 * The CLI's helper threads block every signal (cli_thread_start), so
 * none of these is ever delivered to one of them.
 */
#ifndef SHMC_CLI_SIGNALS_H
#define SHMC_CLI_SIGNALS_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "inputs.h" /* struct cli_reaped */

/* Blocks the forwarded signals and SIGCHLD in this thread; the mask
 * before into old (for the child to restore before exec). */
void cli_signals_block(sigset_t *old);

/* What the run saw of signals: the last forwarded one (0: none), and
 * whether what remained of the tree was killed (SIGKILL) to end it. */
struct cli_interrupt {
    int sig;
    int after_top; /* sig came after the program the CLI started ended */
    int killed;    /* processes SIGKILL'ed: a second signal */
};

/* Waits for every descendant, forwarding signals as above; the pids and
 * statuses reaped into *list (malloc'd; an entry is dropped only when
 * memory runs out). top is the program's pid (its pidfd is opened here).
 * Signals must be blocked (cli_signals_block). Returns how many. */
size_t cli_signals_wait_tree(pid_t top, struct cli_reaped **list,
                             struct cli_interrupt *intr);

/* pthread_create, the new thread with every signal blocked from its
 * start, so that none meant for the CLI is ever delivered to it. */
int cli_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
