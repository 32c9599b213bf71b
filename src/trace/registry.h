/*
 * registry.h - the image registry's writing side (format:
 * journal/registry.h): the lineage records of a process image that has no
 * journal (yet).
 */
#ifndef SHMC_TRACE_REGISTRY_H
#define SHMC_TRACE_REGISTRY_H

#include <stdint.h>

#include "journal/registry.h"

/* Under the CLI (unless this image is a secure execution): the identity
 * of the registry the CLI made (SHMC_REGISTRY_ENV), from env; sets
 * shmc__trace.registry_on when it is well-formed (a malformed one is said
 * once, and the image then journals from its start, as without a CLI). */
void shmc__find_registry(char **env, int secure);

/* Appends a record of kind for this process (its pid, the ppid it started
 * with, now) to the registry: the strings of list (NULL-ended) or one as
 * its payload, either NULL. 0, or -1 when it could not (no registry, not
 * the CLI's file, no permission after dropping root, a full disk): the
 * caller then journals instead. errno kept. Async-signal-safe. */
int shmc__registry_write(enum shmc_reg_kind kind, int64_t arg,
                         char *const *list, const char *one);

#endif
