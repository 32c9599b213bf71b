/*
 * reader.h - which files are journals, and a walk through a journal held
 * in memory, record by record (the CLI, the fuzzers and the tests read
 * journals through it). Format: format.h.
 */
#ifndef SHMC_JOURNAL_READER_H
#define SHMC_JOURNAL_READER_H

#include <stddef.h>

#include "format.h"

struct dirent;

/* Whether name is a journal's file name. The tracer writes
 * <pid>.<n>.shmj (format.h); any name of at least one byte before
 * SHMC_JSUFFIX is read as a journal, so that a damaged or foreign one is
 * reported rather than passed over. */
int shmc_journal_name(const char *name);

/* The same for a directory entry: a filter for scandir(3). */
int shmc_journal_entry(const struct dirent *d);

/* The tracer's own messages under the CLI (SHMCHECK_REPORT=none with a
 * log directory): <pid>.messages in the log directory, lines appended,
 * each "shmcheck: pid N: ..."; the CLI shows them as report warnings. */
#define SHMC_MESSAGES_SUFFIX ".messages"

enum shmc_jstatus {
    SHMC_JOK = 0,     /* record returned                             */
    SHMC_JEND,        /* clean end                                   */
    SHMC_JTRUNCATED,  /* damage: a record runs past the data or has a
                         bad size; everything before it was good     */
    SHMC_JBAD_HEADER, /* not a journal, or another version           */
};

struct shmc_jreader {
    const unsigned char *data;
    size_t len;
    size_t off;
    size_t skipped; /* uncommitted records passed over */
    struct shmc_jheader header;
};

/* Starts reading a journal held in memory (data, len). data must be 8-byte
 * aligned (mmap, malloc and fuzzers' buffers are); unaligned data is
 * refused as SHMC_JBAD_HEADER. */
enum shmc_jstatus shmc_jreader_init(struct shmc_jreader *r, const void *data,
                                    size_t len);

/* Next committed record into *out (pointing into data), skipping records
 * left uncommitted by a process that died mid-write. Validates that frames
 * and payload fit the record. */
enum shmc_jstatus shmc_jreader_next(struct shmc_jreader *r,
                                    const struct shmc_jrec **out);

#endif
