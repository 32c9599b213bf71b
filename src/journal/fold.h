/*
 * fold.h - a journal's checkpoint contents: its records folded so that
 * what they take grows with the process's live state (its live
 * attachments, the segments it created and has not removed, its distinct
 * calls and stacks), not with the number of calls it made. The writer
 * (checkpoint.h) writes them to a new file that replaces the journal.
 *
 * Kept as they are (their effect is still live state): START, every
 * MODULE, FORK, SPAWN, EXEC, EXEC_FAIL and EXIT; the SHMAT or INHERIT of
 * each attachment still attached at the end (its address rewritten to
 * where the attachment is now, when an mremap moved it); the SHMGET that
 * created each segment this image created and did not remove itself; a
 * successful IPC_RMID of a segment this image did not create.
 *
 * Folded, every other record: grouped by type, errno, the arguments the
 * CLI's findings depend on (shmids, addresses and results, which differ
 * from call to call, are left out) and the stack; of each group only the
 * first and the last record stay, in their places, the last with repeat
 * = the calls the group stands for - 2 (one record alone: - 1). A folded
 * record whose call changed the state (a segment created or removed, an
 * attachment made or undone) is written as a GHOST: its effect was netted
 * out. Records already folded by an earlier checkpoint fold again with
 * their repeat counted.
 *
 * Memory: hash tables (table.h) of the groups, of the live attachments and
 * of the live segments; the old journal is read three times. No malloc:
 * the tracer runs this inside programs whose allocator may be anything.
 */
#ifndef SHMC_JOURNAL_FOLD_H
#define SHMC_JOURNAL_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Writes the folded form of the journal held in data (len bytes: the
 * header, then records, every one committed; the writer's mapping up to
 * its last record) to fd from its current offset: the header as it is,
 * then the records. *out gets the bytes written. 0, or -1 with errno
 * (EINVAL: data is not a journal of this version; ENOMEM: a table could
 * not grow; write's own). */
int shmc_jfold(const void *data, size_t len, int fd, size_t *out);

#endif
