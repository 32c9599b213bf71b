/*
 * image.h - the lineage of a process image: its journal, or its record in
 * the image registry until it needs a journal (image.c).
 */
#ifndef SHMC_TRACE_IMAGE_H
#define SHMC_TRACE_IMAGE_H

#include <sys/types.h>

#include "journal/registry.h"

/* The start of an image (how: exec'd, fork child, raw clone child) whose
 * parent is ppid: under the CLI and unless it `needs` a journal now (it
 * holds attachments), one registry record, the journal being due at its
 * first System V call (shmc__trace.journal_wanted); else, or when the
 * registry cannot take the record, its journal now, with its modules. */
void shmc__image_start(pid_t ppid, enum shmc_reg_start how, int needs);

/* The journal due (journal_wanted), made now: by this thread, or by
 * another one that is making it, which this one waits for. When it cannot
 * be made the registry is told (SHMC_REG_NOJOURNAL). */
void shmc__journal_now(void);

/* An INHERIT record for each live attachment (after a fork). */
void shmc__journal_inherited(void);

/* Whether the process holds a live attachment. */
int shmc__holds_attachments(void);

#endif
