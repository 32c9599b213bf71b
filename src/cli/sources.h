/*
 * sources.h - the few source lines around a finding's call, for the HTML
 * report (report_html.c), read when the report is written.
 *
 * The CLI may run as root on a machine where others wrote the debug
 * information that names the files: a file is read only if it is a
 * regular file (opened O_PATH first, which opens no device and waits on
 * no FIFO, checked with fstat, then opened for reading through
 * /proc/self/fd: the same file, whatever the path points to by then),
 * without blocking, and no more than CLI_SOURCE_MAX_READ bytes of it.
 */
#ifndef SHMC_CLI_SOURCES_H
#define SHMC_CLI_SOURCES_H

#include "findings.h"

#define CLI_SOURCE_LINES 7             /* at most: 3 before the call, 3 after */
#define CLI_SOURCE_LINE_MAX 200        /* bytes of a line kept; the rest cut  */
#define CLI_SOURCE_MAX_READ (8u << 20) /* bytes read of a file, at most */
#define CLI_SOURCE_MAX_FINDINGS 256    /* findings given lines, at most */

struct cli_source {
    const char *file; /* the frame's file (the run's string)          */
    int line;         /* the frame's line                             */
    unsigned frame;   /* which frame of the stack                     */
    int first;        /* the number of lines[0]                       */
    unsigned nlines;
    char lines[CLI_SOURCE_LINES][CLI_SOURCE_LINE_MAX + 1]; /* no '\n' */
};

/* The lines around the first frame of st whose file is readable and has
 * its line: 1 and *out filled, or 0 when no frame has one. */
int cli_source_read(const struct cli_stack *st, struct cli_source *out);

#endif
