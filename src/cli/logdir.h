/*
 * logdir.h - the directory the tree's journals go to, and the tracer that
 * writes them.
 */
#ifndef SHMC_CLI_LOGDIR_H
#define SHMC_CLI_LOGDIR_H

#include <stddef.h>

#include "journal/jfile.h"

/* The tracer to preload, its absolute path into out (PATH_MAX bytes):
 * given (--trace-lib), else $SHMCHECK_TRACE_LIB, else libshmcheck-trace.so
 * where the install put it relative to this program (LIBDIR as seen from
 * BINDIR at build time: ../lib by default, ../lib/x86_64-linux-gnu for
 * a Debian layout, in a DESTDIR staging tree or a moved one too), else
 * next to this program (the build tree), else at LIBDIR itself. 0, or -1
 * with why in err (errlen bytes: where it looked) when there is none that
 * can be read. */
int cli_find_tracer(const char *given, char *out, char *err, size_t errlen);

/* The journals' directory, its absolute path into out (len bytes, at
 * least PATH_MAX) and its device and inode into pin (the tree's tracers
 * check they write there): given (--log-dir), made if needed, or a new one
 * under $TMPDIR. A given one must hold no journal yet: the analysis reads
 * every one there, and an earlier run's would be judged again as this
 * tree's. Another user must not be able to change it: it is refused when
 * it is a symbolic link, is not ours, can be written by others, or has a
 * directory above it that another user owns or can write (unless sticky).
 * 0, or -1 with a message in err. */
int cli_log_dir_make(const char *given, char *out, size_t len,
                     struct shmc_jdir_pin *pin, char *err, size_t errlen);

struct cli_run;

/* The tracer's own messages (SHMC_MESSAGES_SUFFIX files in dir: settings
 * it refused, journals it could not create), each distinct line added to
 * run's warnings as "tracer: LINE". 0, or -1 when memory ran out. */
int cli_log_dir_messages(const char *dir, struct cli_run *run);

/* Whether dir (--replay) holds a journal: 1 or 0; -1 with errno when it
 * cannot be read (ENOTDIR: not a directory). */
int cli_log_dir_has_journal(const char *dir);

/* Removes dir and the files in it. */
void cli_log_dir_remove(const char *dir);

#endif
