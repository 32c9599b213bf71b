/*
 * report.h - the reports of a run (struct cli_run, findings.h), each written
 * to a FILE with stdio: JSON, shmcheck's stable interface; SARIF 2.1.0 for
 * GitHub code scanning (both: docs/report-format.md). Only findings that
 * no suppression matched are shown; the suppressed ones are counted in
 * the summary. The writers read run->summary as it is: call cli_summarize
 * first.
 */
#ifndef SHMC_CLI_REPORT_H
#define SHMC_CLI_REPORT_H

#include <stdio.h>

#include "findings.h"

/*
 * The JSON report, pretty-printed (two spaces an indent level, keys in the
 * order docs/report-format.md gives them, a final newline): "module" and
 * "offset" in each frame; a finding's group (findings.h) before its
 * "stack": "count", "first", "last", "pids", a leak's "segments";
 * "message" in a finding when it has one; "failed_calls" and "lints" at
 * the end of "summary"; "warnings" (the run's, [] when none) after
 * "summary". An exit that is neither a status nor a signal (unknown) is
 * {"status": null}; an unmatched attach whose end is unknown has
 * "ended_by": null; "errno" is the symbolic name ("EINVAL"), or the
 * number as a string when it has none ("4242").
 * Returns 0, or -1 if writing failed (ferror or fflush) or memory ran out.
 */
int cli_report_json(const struct cli_run *run, FILE *out);

/*
 * The SARIF 2.1.0 log: one rule per kind of finding shown (its id is the
 * kind's name), one result per finding, located at the first frame that
 * has a file below the frames of shmcheck's own library (else the first
 * that has one), or, when none has, at the program of the finding's
 * process (GitHub rejects a log that has a result without a location);
 * files below run->source_root relative to it (uriBaseId SRCROOT); the
 * whole stack in "stacks", and as a code flow (the outermost call first);
 * partialFingerprints "shmcheck/v1" from the kind (and lint rule) and
 * that frame's function, file and line; occurrenceCount
 * and, in "properties", the group's count, first, last and pids. The
 * invocation
 * carries the traced program's exit status or signal and the run's
 * warnings. Returns 0, or -1 if writing failed or memory ran out.
 */
int cli_report_sarif(const struct cli_run *run, FILE *out);

/* --- helpers the reports share ------------------------------------- */

#define CLI_ERRNO_NAME_MAX 16

/* The symbolic name of errno value err ("EINVAL"), or its decimal number
 * written into buf when it has none. Returns the name or buf. */
const char *cli_report_errno_name(int err, char buf[CLI_ERRNO_NAME_MAX]);

/* Writes s to out escaped (journal/textbuf.h, shmc_textbuf_put_escaped):
 * every text a program or a file system chose (argv, comm, paths,
 * function names, messages and warnings that quote them) goes through
 * this into the text report and SARIF messages, so that none can forge a
 * line or drive the terminal. Nothing for NULL. */
void cli_report_put_escaped(FILE *out, const char *s);

/* A finding's occurrences as a group has them (findings.h); a finding
 * made without the analysis (count 0) is one occurrence, its own. */
struct cli_report_occ {
    uint64_t count;
    struct cli_occurrence first, last;
    const int *pids; /* sorted, distinct */
    size_t npids;
};
void cli_report_occurrences(const struct cli_finding *f,
                            struct cli_report_occ *o);

/* The time of occurrence o in ns since the run's start; 0 with *known 0
 * when either is unknown. */
int64_t cli_report_since_start(const struct cli_run *run,
                               struct cli_occurrence o, int *known);

/* The JSON report's object as the next value of j (what cli_report_json
 * writes, in j's layout: the HTML report embeds it). */
struct cli_json;
void cli_report_json_value(struct cli_json *j, const struct cli_run *run);

/* "count", "first": {"pid", "time_s"}, "last" and "pids" of f into the
 * open object of j (the JSON report's fields; SARIF's properties). */
void cli_report_put_occurrences(struct cli_json *j, const struct cli_run *run,
                                const struct cli_finding *f);

/* The "message" of f's SARIF result: what it is (of its first
 * occurrence), "(N times in K processes)" when repeated, then its own
 * message; escaped (cli_report_put_escaped). */
void cli_report_sarif_message(struct cli_json *j, const struct cli_finding *f);

/* SARIF's artifactLocation of file (report_sarif_uri.c): below root (the
 * source root, absolute; NULL: none), relative to it with uriBaseId
 * SRCROOT; another absolute path as a file: URI; a relative one as it
 * is; every byte a URI cannot hold %-encoded. */
void cli_report_sarif_artifact(struct cli_json *j, const char *root,
                               const char *file);

/* The run's originalUriBaseIds: SRCROOT, root as a file: URI ending in
 * '/'; nothing when root is NULL. */
void cli_report_sarif_base_ids(struct cli_json *j, const char *root);

/* "exit", "exec" or "signal"; NULL for CLI_END_UNKNOWN. */
const char *cli_report_end_name(enum cli_end end);

#endif
