/*
 * janitor.h - removes the private log directory however the CLI ends.
 *
 * The CLI removes its temporary log directory itself at every end it
 * reaches (main.c). A SIGKILL, a signal it does not handle or a crash
 * ends it before that: the janitor, a small process that is not part of
 * the traced tree, removes the directory then.
 */
#ifndef SHMC_CLI_JANITOR_H
#define SHMC_CLI_JANITOR_H

#include "journal/jfile.h"

/* Starts the janitor of dir (absolute, just made and checked, pin its
 * identity). It is started by a vfork child of ours, in a session of its
 * own, so that it is not our descendant (the reaping of the tree waits
 * for every one) and no signal to our process group reaches it. It shares
 * our memory (clone with CLONE_VM: no copy of it, no copy-on-write fault
 * for us after) and uses only a block of its own that is never freed, so
 * it goes on after we end; it blocks every signal
 * it can and keeps no descriptor of ours but three: the read end of a
 * pipe whose write end only we hold, and the directory and the directory
 * above it. When the pipe reaches end-of-file (we ended, however), it
 * removes the directory's entries and the directory, if the name still
 * names the same directory: one that another user made there after we
 * removed ours is never touched.
 *
 * None when we are process 1 of a PID namespace: the orphaned janitor
 * would be ours to reap, and our end ends every process of the namespace.
 *
 * Returns the write end (close-on-exec: the tree does not inherit it),
 * which we keep open until we end, or -1 with errno when the janitor could
 * not start: the run goes on, and only a killed run leaves the directory. */
int cli_janitor_start(const char *dir, const struct shmc_jdir_pin *pin);

#endif
