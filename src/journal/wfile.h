/*
 * wfile.h - the writer's own file, found again in its checked log
 * directory (internal to writer.c and checkpoint.c; the writer: writer.h).
 */
#ifndef SHMC_JOURNAL_WFILE_H
#define SHMC_JOURNAL_WFILE_H

#include <stddef.h>

#include "wstate.h"

/* Records which file fd is (device, inode, owner), for reopen; 0, or -1
 * with errno. */
int shmc_jw_note_file(struct shmc_jwriter *w, int fd);

/* The checked log directory's fd (w->path up to its name), or -1. */
int shmc_jw_open_dir(const struct shmc_jwriter *w);

/* Reopens the journal read-write in the checked directory (else through
 * the broker), checking it is the very file made (device, inode, owner:
 * the name may have been replaced) and still a regular file of `size`
 * bytes. Returns the fd, or -1 (ESTALE: another file). */
int shmc_jw_reopen(const struct shmc_jwriter *w, size_t size);

#endif
