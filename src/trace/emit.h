/*
 * emit.h - journal records: one per event this process image sees (a
 * call, a fork, an exec, a module, its start and its end).
 */
#ifndef SHMC_TRACE_EMIT_H
#define SHMC_TRACE_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "state.h"

/* Writes one record of type (enum shmc_jtype) with call's time, errno and
 * stack (call NULL: now, no errno, no stack); payload may be NULL and is
 * cut to what fits a record. Call it through shmc__journal, which costs
 * nothing without a journal (the check is inline); a closed writer
 * refuses the record anyway. */
void shmc__journal_write(uint16_t type, const struct shmc_call *call,
                         int64_t result, const int64_t args[4],
                         const void *payload, size_t payload_len);
#define shmc__journal(...)                    \
    do {                                      \
        if (shmc__trace.journal_on)           \
            shmc__journal_write(__VA_ARGS__); \
    } while (0)

/* The payload of a string: its bytes and its NUL; none for NULL. */
static inline size_t shmc__string_payload(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

#endif
