/*
 * jwindow.h - a journal file read through a window: a few megabytes of it
 * mapped at a time, the window moved on as the records are read, so that
 * reading a journal of any size keeps only a window of it resident (a
 * mapping's touched file pages count in the CLI's resident memory).
 *
 * The records read are exactly those the reader (journal/reader.h) gives
 * over the whole file, with the same damage rules: the window always
 * holds at least a record's greatest size past the read position unless
 * it reaches the end of the file, and a stop inside a window that does
 * not reach the end is tried again with the window moved there. A record
 * handed out is valid only until the next call: keep copies, never
 * pointers into it.
 */
#ifndef SHMC_CLI_JWINDOW_H
#define SHMC_CLI_JWINDOW_H

#include <stddef.h>

#include "journal/reader.h"

/* Bytes of a journal mapped at a time. */
#define CLI_JWINDOW ((size_t)4 << 20)

struct cli_jwin {
    int fd;
    size_t size;        /* bytes of the file that can be read      */
    unsigned char *map; /* the window: the file's [at, at + len)   */
    size_t at, len;
    int err;                /* errno of a move that failed, else 0     */
    struct shmc_jreader rd; /* over the window (rd.off: from at)       */
};

/* Starts reading the journal fd (size bytes can be read: up to its first
 * hole, cli_journal_extent); fd stays open until cli_jwin_close. Returns
 * SHMC_JOK, SHMC_JBAD_HEADER (not a journal: close it still), or -1 with
 * errno when the first window cannot be mapped (w is then closed). */
int cli_jwin_open(struct cli_jwin *w, int fd, size_t size);

/* The next committed record into *out, as shmc_jreader_next; SHMC_JEND
 * with w->err set when the window could not be moved. */
enum shmc_jstatus cli_jwin_next(struct cli_jwin *w,
                                const struct shmc_jrec **out);

/* The file offset the reading is at (where damage was found). */
size_t cli_jwin_offset(const struct cli_jwin *w);

/* Unmaps the window and closes fd. */
void cli_jwin_close(struct cli_jwin *w);

#endif
