/*
 * reader.c - which files are journals, and a walk through a journal held
 * in memory (format: format.h, API: reader.h).
 *
 * The bytes are untrusted (a damaged file, a fuzzer): every length is
 * checked against what is left before it is used, and fields are copied
 * out with memcpy, so nothing is read outside [data, data + len).
 *
 * data must be 8-byte aligned (init refuses it otherwise, as not a
 * journal): next hands out pointers to struct shmc_jrec inside it, and a
 * misaligned one could not be used. mmap and malloc give aligned memory.
 */
#define _GNU_SOURCE
#include "reader.h"

#include <dirent.h>
#include <string.h>

/* The structs are the file format: a layout change is a new version. */
_Static_assert(sizeof(struct shmc_jheader) == 64, "header layout");
_Static_assert(sizeof(struct shmc_jrec) == 72, "record layout");
_Static_assert(_Alignof(struct shmc_jrec) <= 8, "records are 8-aligned");

int shmc_journal_name(const char *name)
{
    size_t n = strlen(name), k = strlen(SHMC_JSUFFIX);

    return n > k && strcmp(name + n - k, SHMC_JSUFFIX) == 0;
}

int shmc_journal_entry(const struct dirent *d)
{
    return shmc_journal_name(d->d_name);
}

enum shmc_jstatus shmc_jreader_init(struct shmc_jreader *r, const void *data,
                                    size_t len)
{
    struct shmc_jheader h;

    if (data == NULL || (uintptr_t)data % 8 != 0 || len < sizeof h)
        return SHMC_JBAD_HEADER;
    memcpy(&h, data, sizeof h);
    /* header_size may grow in a later version; records start after it, on
     * a record boundary, inside the data. */
    if (memcmp(h.magic, SHMC_JMAGIC, sizeof h.magic) != 0 ||
        h.version != SHMC_JVERSION || h.header_size < sizeof h ||
        h.header_size % 8 != 0 || h.header_size > len)
        return SHMC_JBAD_HEADER;
    r->data = data;
    r->len = len;
    r->off = h.header_size;
    r->skipped = 0;
    r->header = h;
    return SHMC_JOK;
}

/* Whether a committed record's contents fit its size and mean something. */
static int rec_valid(const struct shmc_jrec *h)
{
    uint32_t need = SHMC_JREC_HEADER + 8u * h->nframes + h->payload;

    return h->nframes <= SHMC_JMAX_FRAMES && need <= h->size &&
           h->type >= SHMC_J_START && h->type < SHMC_J_TYPE_MAX;
}

enum shmc_jstatus shmc_jreader_next(struct shmc_jreader *r,
                                    const struct shmc_jrec **out)
{
    struct shmc_jrec h;
    uint32_t size;

    for (;;) {
        size_t left = r->len - r->off;
        /* Fewer bytes than a size field: the zero tail was cut short. */
        if (left < sizeof size)
            return SHMC_JEND;
        memcpy(&size, r->data + r->off, sizeof size);
        if (size == 0)
            return SHMC_JEND;
        if (size % 8 != 0 || size < SHMC_JREC_HEADER ||
            size > SHMC_JMAX_RECORD || size > left)
            return SHMC_JTRUNCATED;
        memcpy(&h, r->data + r->off, SHMC_JREC_HEADER);
        if (h.commit != SHMC_JCOMMIT) {
            /* Begun, never committed: its process died in the call. */
            r->skipped++;
            r->off += size;
            continue;
        }
        if (!rec_valid(&h))
            return SHMC_JTRUNCATED;
        *out = (const struct shmc_jrec *)(const void *)(r->data + r->off);
        r->off += size;
        return SHMC_JOK;
    }
}
