/*
 * report_sarif_message.c - the message of a SARIF result (report.h): one
 * line saying what the finding is, of its first occurrence, how many
 * times it happened when more than once, then the finding's own message.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>

#include "json.h"
#include "report.h"

/* "message": {"text": text escaped (report.h): it may quote a program}. */
static void put_message_text(struct cli_json *j, const char *text)
{
    cli_json_key_object(j, "message");
    cli_json_key_escaped(j, "text", text);
    cli_json_end(j);
}

static const char *ending(enum cli_end end)
{
    static const char *const text[] = {[CLI_END_UNKNOWN] = "it ended",
                                       [CLI_END_EXIT] = "it exited",
                                       [CLI_END_EXEC] = "it called exec",
                                       [CLI_END_SIGNAL] = "a signal killed it"};
    return (unsigned)end <= CLI_END_SIGNAL ? text[end] : text[0];
}

/* One line about the finding, without its own message. */
static void describe(FILE *m, const struct cli_finding *f)
{
    char buf[CLI_ERRNO_NAME_MAX];
    const char *err = cli_report_errno_name(f->err, buf);

    switch (f->kind) {
    case CLI_LEAKED_SEGMENT:
        fprintf(m,
                "leaked segment shmid %d (key 0x%08" PRIx32 ", %" PRIu64
                " bytes) created by pid %d was never removed%s",
                f->shmid, (uint32_t)f->key, f->size, f->creator_pid,
                f->seen_by_kernel ? " (its creation was not traced)" : "");
        break;
    case CLI_UNMATCHED_ATTACH:
        fprintf(m,
                "pid %d %s shmid %d at 0x%" PRIx64
                " and never detached it before %s",
                f->pid,
                f->inherited ? "inherited the attachment of" : "attached",
                f->shmid, f->addr, ending(f->ended_by));
        break;
    case CLI_INVALID_DETACH:
        fprintf(m,
                "pid %d detached 0x%" PRIx64
                ", which is not the start of an attachment (%s)",
                f->pid, f->addr, err);
        break;
    case CLI_FAILED_CALL:
        fprintf(m, "pid %d: %s failed with %s", f->pid,
                f->call != NULL ? f->call : "a call", err);
        break;
    case CLI_LINT:
        fprintf(m, "lint %s by pid %d", f->rule != NULL ? f->rule : "?",
                f->pid);
        if (f->shmid >= 0)
            fprintf(m, " on shmid %d", f->shmid);
        break;
    default:
        fprintf(m, "finding in pid %d", f->pid);
        break;
    }
}

/* "message": the description, then ": " and the finding's own message. */
void cli_report_sarif_message(struct cli_json *j, const struct cli_finding *f)
{
    struct cli_report_occ o;
    char *text = NULL;
    size_t len;
    FILE *m = open_memstream(&text, &len);

    if (m == NULL) {
        cli_json_fail(j);
        return;
    }
    describe(m, f);
    cli_report_occurrences(f, &o);
    if (o.count > 1)
        fprintf(m, " (%" PRIu64 " times in %zu process%s)", o.count, o.npids,
                o.npids == 1 ? "" : "es");
    if (f->message != NULL)
        fprintf(m, ": %s", f->message);
    /* glibc's fclose returns 0 and sets text to NULL when its final
     * realloc fails. */
    if (fclose(m) == 0 && text != NULL) /* LCOV_EXCL_BR_LINE: it is 0 */
        put_message_text(j, text);
    else
        cli_json_fail(j);
    free(text);
}
