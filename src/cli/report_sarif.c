/*
 * report_sarif.c - the SARIF 2.1.0 log for GitHub code scanning (what it
 * holds: report.h). GitHub rejects the whole upload when one result has no
 * location, so a finding whose stack has no file is located at the
 * program its process ran, without a region.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lib/hash.h"
#include "report.h"
#include "shmcheck.h"

#define SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

struct rule {
    const char *level, *brief, *full;
};

static const struct rule rules[CLI_KIND_COUNT] = {
    [CLI_LEAKED_SEGMENT] = {"error", "Leaked shared memory segment",
                            "A segment created by the traced process tree "
                            "still exists, not marked for removal, after "
                            "every process ended. Only shmctl(IPC_RMID) "
                            "removes a segment; shmdt and exit do not."},
    [CLI_UNMATCHED_ATTACH] = {"warning", "Attachment never detached",
                              "An shmat whose address was never passed to "
                              "shmdt before the process exited, exec'd or "
                              "was killed; the kernel detached it then."},
    [CLI_INVALID_DETACH] = {"error", "Invalid detach",
                            "shmdt of an address that is not the start of "
                            "an attachment in that process (a double "
                            "detach, or pointer arithmetic)."},
    [CLI_FAILED_CALL] = {"warning", "Failed shared memory call",
                         "A System V shared memory call the kernel "
                         "refused, with the reason."},
    [CLI_LINT] = {"note", "Risky shared memory use",
                  "Legal but risky use: IPC_CREAT without IPC_EXCL on a "
                  "non-private key, world-writable modes, ignored flag "
                  "bits, a failed ftok's key, joining with another "
                  "size, IPC_RMID never called."},
};

static void put_text(struct cli_json *j, const char *key, const char *text)
{
    cli_json_key_object(j, key);
    cli_json_key_string(j, "text", text);
    cli_json_end(j);
}

/* "message": {"text": text escaped (report.h): it may quote a program}. */
static void put_message_text(struct cli_json *j, const char *text)
{
    cli_json_key_object(j, "message");
    cli_json_key_escaped(j, "text", text);
    cli_json_end(j);
}

/* index[k]: the ruleIndex of kind k, -1 when no finding shown has it. */
static void put_rules(struct cli_json *j, const struct cli_run *run,
                      int index[CLI_KIND_COUNT])
{
    int n = 0;

    for (int k = 0; k < CLI_KIND_COUNT; k++)
        index[k] = -1;
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed &&
            (unsigned)run->findings[i].kind < CLI_KIND_COUNT)
            index[run->findings[i].kind] = 0;
    cli_json_key_array(j, "rules");
    for (int k = 0; k < CLI_KIND_COUNT; k++) {
        if (index[k] < 0)
            continue;
        index[k] = n++;
        cli_json_object(j);
        cli_json_key_string(j, "id", cli_kind_name((enum cli_kind)k));
        put_text(j, "shortDescription", rules[k].brief);
        put_text(j, "fullDescription", rules[k].full);
        cli_json_key_object(j, "defaultConfiguration");
        cli_json_key_string(j, "level", rules[k].level);
        cli_json_end(j);
        cli_json_end(j);
    }
    cli_json_end(j);
}

/* physicalLocation: the file and line when file is not NULL, and the
 * frame's address when fr is not NULL. */
static void put_physical(struct cli_json *j, const char *root, const char *file,
                         int line, const struct cli_frame *fr)
{
    cli_json_key_object(j, "physicalLocation");
    if (file != NULL)
        cli_report_sarif_artifact(j, root, file);
    if (file != NULL && line > 0) {
        cli_json_key_object(j, "region");
        cli_json_key_int(j, "startLine", line);
        cli_json_end(j);
    }
    if (fr != NULL) {
        cli_json_key_object(j, "address");
        cli_json_key_uint(j, "absoluteAddress", fr->pc);
        cli_json_end(j);
    }
    cli_json_end(j);
}

static unsigned nframes(const struct cli_stack *st)
{
    return st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;
}

/* The frame a result is located at and fingerprinted by: the first with
 * a file in the program's own part of the stack (findings.h), else the
 * first with a file. */
static const struct cli_frame *anchor(const struct cli_stack *st)
{
    unsigned from = cli_stack_program_frame(st);

    for (unsigned pass = 0; pass < 2; pass++, from = 0)
        for (unsigned i = from; i < nframes(st); i++)
            if (st->f[i].file != NULL)
                return &st->f[i];
    return NULL;
}

/* argv[0] of the process pid, else of the traced command; NULL if none. */
static const char *program_of(const struct cli_run *run, int pid)
{
    for (size_t i = 0; i < run->nprocs; i++)
        if (run->procs[i].pid == pid && run->procs[i].argv != NULL &&
            run->procs[i].argv[0] != NULL)
            return run->procs[i].argv[0];
    return run->command != NULL ? run->command[0] : NULL;
}

static void put_locations(struct cli_json *j, const struct cli_run *run,
                          const struct cli_finding *f)
{
    const struct cli_frame *fr = anchor(&f->stack);
    const char *file = fr != NULL ? fr->file : NULL;

    if (file == NULL)
        file = program_of(run, f->kind == CLI_LEAKED_SEGMENT ? f->creator_pid
                                                             : f->pid);
    if (file == NULL)
        return;
    cli_json_key_array(j, "locations");
    cli_json_object(j);
    put_physical(j, run->source_root, file, fr != NULL ? fr->line : 0, NULL);
    cli_json_end(j);
    cli_json_end(j);
}

/* "location" of a frame: where it is, and its function when known; the
 * stacks and the code flows both give it. */
static void put_frame_location(struct cli_json *j, const char *root,
                               const struct cli_frame *fr)
{
    cli_json_key_object(j, "location");
    put_physical(j, root, fr->file, fr->line, fr);
    if (fr->function != NULL) {
        cli_json_key_array(j, "logicalLocations");
        cli_json_object(j);
        cli_json_key_string(j, "name", fr->function);
        cli_json_key_string(j, "kind", "function");
        cli_json_end(j);
        cli_json_end(j);
    }
    cli_json_end(j);
}

static void put_stack_frame(struct cli_json *j, const char *root,
                            const struct cli_frame *fr)
{
    cli_json_object(j);
    put_frame_location(j, root, fr);
    if (fr->module != NULL)
        cli_json_key_string(j, "module", fr->module);
    cli_json_end(j);
}

static void put_stacks(struct cli_json *j, const char *root,
                       const struct cli_stack *st)
{
    if (nframes(st) == 0)
        return;
    cli_json_key_array(j, "stacks");
    cli_json_object(j);
    cli_json_key_array(j, "frames");
    for (unsigned i = 0; i < nframes(st); i++)
        put_stack_frame(j, root, &st->f[i]);
    cli_json_end(j);
    cli_json_end(j);
    cli_json_end(j);
}

/* The same frames as a code flow, in the order the calls were made (the
 * outermost first): GitHub shows a result's path from its code flows. */
static void put_code_flow(struct cli_json *j, const char *root,
                          const struct cli_stack *st)
{
    if (nframes(st) == 0)
        return;
    cli_json_key_array(j, "codeFlows");
    cli_json_object(j);
    cli_json_key_array(j, "threadFlows");
    cli_json_object(j);
    cli_json_key_array(j, "locations");
    for (unsigned i = nframes(st); i-- > 0;) {
        cli_json_object(j);
        put_frame_location(j, root, &st->f[i]);
        cli_json_end(j);
    }
    cli_json_end(j);
    cli_json_end(j);
    cli_json_end(j);
    cli_json_end(j);
    cli_json_end(j);
}

/* What stays when the program is rebuilt or run again: the kind, the lint
 * rule, and the anchor frame's function, file and line (else the first
 * frame's function, or its module's name and offset). Not pids, shmids,
 * keys or addresses. Findings without any stack share one per kind. */
static void put_fingerprint(struct cli_json *j, const struct cli_finding *f)
{
    const struct cli_frame *fr = anchor(&f->stack);
    uint64_t h = shmc_fnv1a_str(SHMC_FNV1A_BASIS, cli_kind_name(f->kind));
    char num[32];

    h = shmc_fnv1a_str(h, f->kind == CLI_LINT ? f->rule : NULL);
    if (fr == NULL && nframes(&f->stack) > 0)
        fr = &f->stack.f[0];
    if (fr != NULL && (fr->function != NULL || fr->file != NULL)) {
        snprintf(num, sizeof num, "%d", fr->line);
        h = shmc_fnv1a_str(
            shmc_fnv1a_str(shmc_fnv1a_str(h, fr->function), fr->file), num);
    } else if (fr != NULL) {
        const char *base = fr->module ? strrchr(fr->module, '/') : NULL;
        snprintf(num, sizeof num, "0x%" PRIx64, fr->offset);
        h = shmc_fnv1a_str(
            shmc_fnv1a_str(h, base != NULL ? base + 1 : fr->module), num);
    } else {
        h = shmc_fnv1a_str(h, f->kind == CLI_FAILED_CALL ? f->call : NULL);
    }
    cli_json_key_object(j, "partialFingerprints");
    cli_json_key_stringf(j, "shmcheck/v1", "%016" PRIx64, h);
    cli_json_end(j);
}

static void put_result(struct cli_json *j, const struct cli_run *run,
                       const struct cli_finding *f,
                       const int index[CLI_KIND_COUNT])
{
    cli_json_object(j);
    cli_json_key_string(j, "ruleId", cli_kind_name(f->kind));
    if ((unsigned)f->kind < CLI_KIND_COUNT) {
        cli_json_key_int(j, "ruleIndex", index[f->kind]);
        cli_json_key_string(j, "level", rules[f->kind].level);
    }
    cli_report_sarif_message(j, f);
    put_locations(j, run, f);
    put_stacks(j, run->source_root, &f->stack);
    put_code_flow(j, run->source_root, &f->stack);
    put_fingerprint(j, f);
    /* A group (findings.h): how often, in which processes, when. */
    cli_json_key_uint(j, "occurrenceCount", f->count ? f->count : 1);
    cli_json_key_object(j, "properties");
    cli_report_put_occurrences(j, run, f);
    cli_json_end(j);
    cli_json_end(j);
}

static void put_invocation(struct cli_json *j, const struct cli_run *run)
{
    const char *sig;

    cli_json_object(j);
    cli_json_key_bool(j, "executionSuccessful", 1);
    if (run->end == CLI_END_EXIT)
        cli_json_key_int(j, "exitCode", run->value);
    if (run->end == CLI_END_SIGNAL) {
        cli_json_key_int(j, "exitSignalNumber", run->value);
        sig = sigabbrev_np(run->value);
        if (sig != NULL)
            cli_json_key_stringf(j, "exitSignalName", "SIG%s", sig);
    }
    if (run->warnings != NULL && run->warnings[0] != NULL) {
        cli_json_key_array(j, "toolExecutionNotifications");
        for (size_t i = 0; run->warnings[i] != NULL; i++) {
            cli_json_object(j);
            cli_json_key_string(j, "level", "warning");
            put_message_text(j, run->warnings[i]);
            cli_json_end(j);
        }
        cli_json_end(j);
    }
    cli_json_end(j);
}

int cli_report_sarif(const struct cli_run *run, FILE *out)
{
    struct cli_json j;
    int index[CLI_KIND_COUNT];

    cli_json_init(&j, out);
    cli_json_object(&j);
    cli_json_key_string(&j, "$schema", SCHEMA);
    cli_json_key_string(&j, "version", "2.1.0");
    cli_json_key_array(&j, "runs");
    cli_json_object(&j);
    cli_json_key_object(&j, "tool");
    cli_json_key_object(&j, "driver");
    cli_json_key_string(&j, "name", "shmcheck");
    cli_json_key_string(&j, "version", SHMC_VERSION_STRING);
    put_rules(&j, run, index);
    cli_json_end(&j);
    cli_json_end(&j);
    cli_report_sarif_base_ids(&j, run->source_root);
    cli_json_key_array(&j, "results");
    for (size_t i = 0; i < run->nfindings; i++)
        if (!run->findings[i].suppressed)
            put_result(&j, run, &run->findings[i], index);
    cli_json_end(&j);
    cli_json_key_array(&j, "invocations");
    put_invocation(&j, run);
    cli_json_end(&j);
    cli_json_end(&j);
    cli_json_end(&j);
    cli_json_end(&j);
    return cli_json_finish(&j);
}
