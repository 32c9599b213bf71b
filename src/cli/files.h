/*
 * files.h - the files the CLI reads and writes that the user names
 * (--json, --sarif, --suppressions): a FIFO or a device must never make
 * the CLI wait forever.
 */
#ifndef SHMC_CLI_FILES_H
#define SHMC_CLI_FILES_H

#include <stdio.h>

/* How long a FIFO may wait for the other side, in milliseconds. */
#define CLI_FIFO_WAIT_MS 10000

/* path opened for writing ("we": created or truncated, close-on-exec).
 * A FIFO without a reader is refused at once (errno ENXIO) rather than
 * block; any other file is opened as fopen would. NULL with errno. */
FILE *cli_open_write(const char *path);

/* path opened for reading ("re"). A FIFO without a writer is waited for
 * at most wait_ms, then refused (errno ETIMEDOUT); any other file is
 * opened as fopen would. NULL with errno. */
FILE *cli_open_read(const char *path, int wait_ms);

#endif
