/*
 * report_html.h - the HTML report (--html FILE): one self-contained page,
 * its template, style sheet and script (web/report.html, report.css,
 * and web/'s .js files as one script, which the build embeds: assets.h)
 * with the run's data in it. The data (docs/report-format.md, "HTML report"): the JSON report's
 * object, the timeline (timeline.h) and the source lines around each
 * finding's call (sources.h), written by html_data.c.
 */
#ifndef SHMC_CLI_REPORT_HTML_H
#define SHMC_CLI_REPORT_HTML_H

#include <stdio.h>

#include "findings.h"
#include "timeline.h"

/* The page's three parts, NUL-terminated. The template has each marker
 * below once, alone on its line (spaces, tabs and a '\r' around it
 * allowed), which the writer replaces by the style sheet, the script and
 * the data; the style sheet must not hold "</style", nor the script
 * "</script" or "<!--" (any case): either would end its element early. */
struct cli_html_page {
    const char *html, *css, *js;
};

#define CLI_HTML_STYLE "/*@STYLE@*/"
#define CLI_HTML_SCRIPT "/*@SCRIPT@*/"
#define CLI_HTML_DATA "/*@DATA@*/"

/* Whether page is as above: NULL, or what is wrong with it. */
const char *cli_html_page_check(const struct cli_html_page *page);

/* Writes the page with run's data (tl settled, its links made; run
 * summarized and suppressed, its frames symbolized) to out. 0, or -1
 * when page is not as above, memory ran out or writing failed. */
int cli_report_html(const struct cli_run *run, const struct cli_timeline *tl,
                    const struct cli_html_page *page, FILE *out);

#endif
