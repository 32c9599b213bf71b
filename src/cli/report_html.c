/*
 * report_html.c - the HTML report's page: the template copied, its
 * markers replaced by the style sheet, the script and the data (API:
 * report_html.h; the data: html_data.c).
 */
#define _GNU_SOURCE
#include <string.h>

#include "html_data.h"
#include "json.h"
#include "report_html.h"

static const char *const markers[] = {CLI_HTML_STYLE, CLI_HTML_SCRIPT,
                                      CLI_HTML_DATA};
#define NMARKERS (sizeof markers / sizeof markers[0])

/* The line at s, len bytes (its '\n' not counted): which marker it is
 * alone on, or -1. */
static int marker_of(const char *s, size_t len)
{
    while (len > 0 && strchr(" \t\r", s[len - 1]) != NULL)
        len--;
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    for (size_t i = 0; i < NMARKERS; i++)
        if (len == strlen(markers[i]) && memcmp(s, markers[i], len) == 0)
            return (int)i;
    return -1;
}

/* The length of the line at s, without its '\n'. */
static size_t line_len(const char *s)
{
    const char *nl = strchr(s, '\n');

    return nl != NULL ? (size_t)(nl - s) : strlen(s);
}

const char *cli_html_page_check(const struct cli_html_page *page)
{
    unsigned seen[NMARKERS] = {0};

    for (const char *s = page->html; *s != '\0';) {
        size_t len = line_len(s);
        int m = marker_of(s, len);
        if (m >= 0)
            seen[m]++;
        s += len + (s[len] == '\n');
    }
    for (size_t i = 0; i < NMARKERS; i++)
        if (seen[i] != 1)
            return "the template has not each marker once";
    if (strcasestr(page->css, "</style") != NULL)
        return "the style sheet holds \"</style\"";
    if (strcasestr(page->js, "</script") != NULL ||
        strstr(page->js, "<!--") != NULL)
        return "the script holds \"</script\" or \"<!--\"";
    return NULL;
}

/* What replaces marker m: its part, ending with a line break. 0, or -1
 * when the data could not be written. */
static int replace(int m, const struct cli_run *run,
                   const struct cli_timeline *tl,
                   const struct cli_html_page *page, FILE *out)
{
    const char *part = m == 0 ? page->css : page->js;
    struct cli_json j;

    if (m != 2) {
        fputs(part, out);
        if (*part != '\0' && part[strlen(part) - 1] != '\n')
            putc('\n', out);
        return 0;
    }
    cli_json_init(&j, out);
    j.flat = j.script = 1;
    cli_html_data(&j, run, tl);
    return cli_json_finish(&j); /* its line break, a flush */
}

int cli_report_html(const struct cli_run *run, const struct cli_timeline *tl,
                    const struct cli_html_page *page, FILE *out)
{
    int rc = 0;

    if (cli_html_page_check(page) != NULL)
        return -1;
    for (const char *s = page->html; *s != '\0';) {
        size_t len = line_len(s);
        int m = marker_of(s, len);
        if (m < 0)
            fwrite(s, 1, len + (s[len] == '\n'), out);
        else if (replace(m, run, tl, page, out) != 0)
            rc = -1;
        s += len + (s[len] == '\n');
    }
    if (fflush(out) != 0 || ferror(out))
        rc = -1;
    return rc;
}
