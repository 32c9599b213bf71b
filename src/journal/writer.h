/*
 * writer.h - writes one process's journal (format: format.h).
 *
 * The file is created O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600, as
 * <dir>/<pid>.<n>.shmj with the first free n, relative to a descriptor of
 * dir opened O_DIRECTORY|O_NOFOLLOW and checked (shmc_jdir_open: the
 * CLI's own directory, or one of this user's that nobody else can change). It
 * is written through a MAP_SHARED mapping placed inside an address range
 * reserved once (SHMC_JREGION bytes, PROT_NONE), so the base address never
 * moves and writers never take a lock except to grow: growing reopens the file
 * in the checked directory (O_RDWR|O_NOFOLLOW|O_CLOEXEC) and refuses it unless
 * it is the very file made (device, inode, owner, size), allocates more
 * (shmc_jspace_next), maps the new chunk MAP_FIXED at the end of the mapped
 * part, and closes the fd. No fd stays open between calls, so a program that
 * closes all its fds does not break the journal, and nothing leaks into exec'd
 * programs.
 *
 * Under the CLI (shmc_jwriter_open_via), when the process cannot create or
 * reopen the file itself (EACCES, EPERM: it dropped root, say), the
 * broker (broker.h) does it and hands over the descriptor, so the
 * process's credentials never decide whether its journal can be written.
 * (By path first: a request to the broker costs a round trip to the CLI,
 * about 0.4 ms, in every process of a process-heavy tree.)
 *
 * Thread-safe: space is reserved with a compare-and-swap inside the mapped
 * part. Not async-signal-safe while growing.
 *
 * Checkpoints (checkpoint.h): when the file would grow past ckpt_at
 * (SHMC_JCKPT_ENV, else SHMC_JCKPT_DEFAULT), the writer folds the journal
 * into a new file that replaces it (fold.h), so that a long-running
 * program's journal grows with its live state, not with its calls.
 */
#ifndef SHMC_JOURNAL_WRITER_H
#define SHMC_JOURNAL_WRITER_H

#include <limits.h>
#ifndef PATH_MAX /* <limits.h> has it only with POSIX feature macros */
#include <linux/limits.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "space.h" /* SHMC_JREGION, SHMC_JCHUNK, SHMC_JPAGE */
#include "wstate.h"

/* Creates the journal file for pid in dir and writes its header. The
 * file's space is reserved for real (posix_fallocate) before the mapping
 * is touched, a chunk at a time, so a full file system or a quota never
 * makes a store into the mapping fault (SIGBUS): when the first chunk
 * cannot be had, the largest power of two down to SHMC_JPAGE that can
 * (space.h). Returns 0, or -1 with errno (the writer is then closed and
 * every begin returns NULL). */
int shmc_jwriter_open(struct shmc_jwriter *w, const char *dir, int pid,
                      int ppid, uint32_t flags, uint64_t start_ns,
                      uint64_t start_real_ns);

/* As shmc_jwriter_open, but dir must be the one pin names (jfile.h;
 * NULL: not pinned), and when the file cannot be created or reopened
 * there (EACCES, EPERM), the broker b (broker.h), which must outlive the
 * writer, does it. */
int shmc_jwriter_open_via(struct shmc_jwriter *w, const struct shmc_broker *b,
                          const char *dir, const struct shmc_jdir_pin *pin,
                          int pid, int ppid, uint32_t flags, uint64_t start_ns,
                          uint64_t start_real_ns);

/* Reserves a record of `size` bytes (shmc_jrec_size), writes its size and
 * type and zeroes the rest of the header. Returns NULL when the writer is
 * closed, size is out of range (< SHMC_JREC_HEADER, > SHMC_JMAX_RECORD, not
 * a multiple of 8), type is not a known record type, or the journal is
 * full or could not grow (then `lost` counts it, the header's `lost`,
 * `lost_reason` and `lost_errno` say so in the file at once, and the
 * journal stays frozen: a later record behind the hole could never be
 * read). */
struct shmc_jrec *shmc_jwriter_begin(struct shmc_jwriter *w, uint32_t size,
                                     uint16_t type);

/* Publishes a record filled after begin (release store of commit). Every
 * record begin returned must be committed: a checkpoint waits for it. */
void shmc_jwriter_commit(struct shmc_jwriter *w, struct shmc_jrec *r);

/* Truncates the file to what was written and unmaps it. Not while another
 * thread may be in begin (the tracer closes at the very end). */
void shmc_jwriter_close(struct shmc_jwriter *w);

/* In a forked child: drops the parent's mapping without touching the
 * parent's file, leaving the writer closed (open a new one after). */
void shmc_jwriter_abandon(struct shmc_jwriter *w);

#endif
