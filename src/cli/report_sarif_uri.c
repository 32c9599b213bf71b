/*
 * report_sarif_uri.c - the SARIF log's file locations (report.h): URIs,
 * the source root's uriBaseId and its definition.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"

#define ROOT_ID "SRCROOT" /* the uriBaseId of files below the source root */

static int uri_keeps(unsigned char c)
{
    static const char marks[] = "-._~/!$&'()*+,;=@"; /* memchr: not its NUL */
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || memchr(marks, c, sizeof marks - 1);
}

/* "uri": prefix then path as a URI reference; bytes a URI cannot hold
 * (space, '%', '#', '?', ':', non-ASCII...) are %-encoded. */
static void put_uri(struct cli_json *j, const char *prefix, const char *path)
{
    size_t n = strlen(prefix);
    char *uri = malloc(n + 3 * strlen(path) + 1), *q = uri;

    if (uri == NULL) {
        cli_json_fail(j);
        return;
    }
    memcpy(q, prefix, n);
    q += n;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (uri_keeps(*p))
            *q++ = (char)*p;
        else
            q += sprintf(q, "%%%02X", *p);
    }
    *q = '\0';
    cli_json_key_string(j, "uri", uri);
    free(uri);
}

/* The part of file below root ("" when root is "/"), else NULL. */
static const char *below(const char *root, const char *file)
{
    size_t n = root != NULL ? strlen(root) : 0;

    if (n == 0 || strncmp(file, root, n) != 0)
        return NULL;
    if (root[n - 1] == '/') /* "/" itself */
        return file + n;
    return file[n] == '/' && file[n + 1] != '\0' ? file + n + 1 : NULL;
}

/* artifactLocation: a file below the source root relative to it (with
 * its uriBaseId, which GitHub maps to the repository), another absolute
 * one as a file: URI, a relative one (a compiler gave no directory) as
 * it is. */
void cli_report_sarif_artifact(struct cli_json *j, const char *root,
                               const char *file)
{
    const char *rel = below(root, file);

    cli_json_key_object(j, "artifactLocation");
    if (rel != NULL) {
        put_uri(j, "", rel);
        cli_json_key_string(j, "uriBaseId", ROOT_ID);
    } else {
        put_uri(j, file[0] == '/' ? "file://" : "", file);
    }
    cli_json_end(j);
}

/* originalUriBaseIds: where ROOT_ID is, a directory's file: URI, which
 * SARIF wants ending in '/'. */
void cli_report_sarif_base_ids(struct cli_json *j, const char *root)
{
    size_t n = root != NULL ? strlen(root) : 0;
    char dir[PATH_MAX + 2];

    if (n == 0)
        return;
    snprintf(dir, sizeof dir, "%s%s", root, root[n - 1] == '/' ? "" : "/");
    cli_json_key_object(j, "originalUriBaseIds");
    cli_json_key_object(j, ROOT_ID);
    put_uri(j, "file://", dir);
    cli_json_end(j);
    cli_json_end(j);
}
