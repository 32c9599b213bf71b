/*
 * html_data.h - the data the HTML report embeds (docs/report-format.md,
 * "HTML report"): the JSON report's object, the timeline (timeline.h)
 * with its items linked to the report's findings, and the source lines
 * around each finding's call (sources.h).
 */
#ifndef SHMC_CLI_HTML_DATA_H
#define SHMC_CLI_HTML_DATA_H

#include "findings.h"
#include "timeline.h"

/* {"report": ..., "timeline": ...} as the next value of j (report_html.c
 * makes j flat and script-safe). tl settled (cli_timeline_settle), run
 * suppressed and symbolized. Memory running out fails j. */
struct cli_json;
void cli_html_data(struct cli_json *j, const struct cli_run *run,
                   const struct cli_timeline *tl);

#endif
