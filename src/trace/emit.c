/*
 * emit.c - journal records (API: emit.h), written into this process's
 * journal (src/journal/writer.h) without a lock.
 */
#include <string.h>

#include "emit.h"
#include "state.h"

void shmc__journal_write(uint16_t type, const struct shmc_call *call,
                         int64_t result, const int64_t args[4],
                         const void *payload, size_t payload_len)
{
    struct shmc_trace *t = &shmc__trace;
    unsigned nframes = call ? call->nframes : 0;
    size_t room = SHMC_JMAX_RECORD - SHMC_JREC_HEADER - 8u * nframes;
    struct shmc_jrec *r;

    if (payload_len > room)
        payload_len = room; /* long paths and argv are cut, never dropped */
    r = shmc_jwriter_begin(
        &t->journal, shmc_jrec_size(nframes, (unsigned)payload_len), type);
    if (r == NULL)
        return;
    r->time_ns = call ? call->time_ns : shmc__now_ns();
    r->tid = shmc__tid();
    r->err = call ? call->err : 0;
    r->result = result;
    memcpy(r->args, args, sizeof r->args);
    r->nframes = (uint16_t)nframes;
    r->payload = (uint16_t)payload_len;
    if (nframes)
        memcpy(r + 1, call->frames, 8u * nframes);
    if (payload_len)
        memcpy((char *)(r + 1) + 8u * nframes, payload, payload_len);
    shmc_jwriter_commit(&t->journal, r);
}
