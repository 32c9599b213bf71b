/*
 * text.h - the human report on stderr, in the manner of LeakSanitizer.
 */
#ifndef SHMC_CLI_TEXT_H
#define SHMC_CLI_TEXT_H

#include <stdio.h>

#include "findings.h"

struct cli_text_opts {
    unsigned errors;   /* enum shmc_kind bits of the kinds that are errors:
                          1u << CLI_LEAKED_SEGMENT, ... (cli_finding_kind) */
    int color;         /* ANSI colours (only on a terminal)              */
    size_t max_blocks; /* findings printed; the rest are counted         */
    /* --gen-suppressions: writes a ready rule for f (may be NULL) */
    size_t (*suggest)(const struct cli_finding *f, char *buf, size_t len);
};

/* Writes one block per unsuppressed finding and the SUMMARY line.
 * Returns 0, or -1 when writing failed. */
int cli_report_text(const struct cli_run *run, const struct cli_text_opts *o,
                    FILE *out);

#endif
