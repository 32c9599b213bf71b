/*
 * untraced.c - the processes of the tree that wrote no journal (API and
 * rules: untraced.h): which they are, why they have none, and the
 * warnings that say so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/reader.h" /* SHMC_MESSAGES_SUFFIX */
#include "untraced.h"

/* What the tracer says, in <pid>.messages, when it cannot create a
 * journal (src/trace/start.c). */
#define NO_JOURNAL "cannot create a journal in SHMCHECK_LOG_DIR: errno "

/* Why a process has no journal when nothing says (compared by address). */
static const char unknown_why[] =
    "no journal: a static or foreign binary, the preload removed, or a "
    "process that shares its parent's memory (CLONE_VM)";

void cli_untraced_note(struct analysis *a, const struct kin *k)
{
    struct kin *v = cli_analysis_need(
        a, cli_analysis_grow(a->kins, &a->cap_kins, a->nkins, sizeof *v));

    if (v == NULL)
        return;
    a->kins = v;
    v[a->nkins] = *k;
    if (k->name != NULL &&
        (v[a->nkins].name = cli_run_strdup(a->run, k->name)) == NULL)
        a->oom = 1;
    a->nkins++;
}

/* The parent of the whole tree as the journals name it (untraced.h);
 * -1 when none does. */
static int tree_parent(const struct analysis *a)
{
    const struct kin *root = NULL;

    for (size_t i = 0; i < a->nkins; i++) {
        const struct kin *k = &a->kins[i];
        const struct cli_process *parent;
        if (!k->journal)
            continue;
        if (a->in->top_pid > 0) {
            if (k->pid == a->in->top_pid)
                return k->ppid; /* its first journal: name order */
            continue;
        }
        parent = cli_analysis_find_process(a, k->ppid);
        if ((parent == NULL || !parent->traced) &&
            (root == NULL || k->start_ns < root->start_ns))
            root = k;
    }
    return root != NULL ? root->ppid : -1;
}

/* The process pid of the tree, added when new; ppid and name are kept for
 * one that has no journal (a journal says better). */
static struct cli_process *known(struct analysis *a, int pid, int ppid,
                                 const char *name)
{
    struct cli_process *p = cli_analysis_process(a, pid);

    if (p == NULL || p->traced)
        return p;
    if (p->ppid < 0)
        p->ppid = ppid;
    if (p->name == NULL && name != NULL && name[0] != '\0' &&
        (p->name = cli_run_strdup(a->run, name)) == NULL)
        a->oom = 1;
    return p;
}

/* The processes the kernel's events showed: their parent, name and, when
 * nobody else says how they ended, their wait status. */
static void seen(struct analysis *a)
{
    const struct cli_inputs *in = a->in;

    for (size_t i = 0; i < in->nseen; i++) {
        const struct cli_seen *s = &in->seen[i];
        char comm[sizeof s->comm + 1];
        struct cli_process *p;
        if (s->pid <= 0)
            continue;
        memcpy(comm, s->comm, sizeof s->comm);
        comm[sizeof s->comm] = '\0';
        if ((p = known(a, s->pid, s->ppid, comm)) == NULL)
            return;
        if (p->end != CLI_END_UNKNOWN || s->status < 0)
            continue;
        p->end = WIFSIGNALED(s->status) ? CLI_END_SIGNAL : CLI_END_EXIT;
        p->value = WIFSIGNALED(s->status) ? WTERMSIG(s->status)
                                          : WEXITSTATUS(s->status);
    }
}

/* The program the CLI started, untraced and its name unknown (it ended
 * before its events were read): the name it was run by, cut as the
 * kernel cuts a comm, to 15 bytes. */
static void top_name(struct analysis *a)
{
    char comm[16];
    char **cmd = a->run->command;
    struct cli_process *p = a->in->top_pid > 0
                                ? cli_analysis_find_process(a, a->in->top_pid)
                                : NULL;

    if (p == NULL || p->traced || p->name != NULL || cmd == NULL ||
        cmd[0] == NULL)
        return;
    const char *base = strrchr(cmd[0], '/');
    snprintf(comm, sizeof comm, "%s", base != NULL ? base + 1 : cmd[0]);
    if (comm[0] != '\0' && (p->name = cli_run_strdup(a->run, comm)) == NULL)
        a->oom = 1;
}

void cli_untraced_known(struct analysis *a)
{
    int parent = tree_parent(a);
    int self = a->in->top_pid > 0 ? (int)getpid() : -1;

    for (size_t i = 0; i < a->nkins && !a->oom; i++) {
        const struct kin *k = &a->kins[i];
        if (!k->journal)
            known(a, k->pid, k->ppid, k->name);
        else if (k->ppid > 0 && k->ppid != parent && k->ppid != self)
            known(a, k->ppid, -1, NULL);
    }
    seen(a);
    top_name(a);
}

/* What <pid>.messages says of the journal pid could not create, into buf
 * (len bytes); 0 when it says nothing of it. */
static int messages_why(const char *dir, int pid, char *buf, size_t len)
{
    char path[PATH_MAX + 64], *line = NULL, *at;
    size_t cap = 0;
    int found = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/%d" SHMC_MESSAGES_SUFFIX, dir, pid);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    while (!found && getline(&line, &cap, f) > 0)
        if ((at = strstr(line, NO_JOURNAL)) != NULL) {
            int err = atoi(at + strlen(NO_JOURNAL));
            const char *name = strerrorname_np(err);
            snprintf(buf, len,
                     "its journal could not be created in the log "
                     "directory: %s (%s)",
                     name ? name : "?", strerror(err));
            found = 1;
        }
    free(line);
    fclose(f);
    return found;
}

/* Why pid has no journal (into buf, len bytes), as far as the CLI can
 * tell. The log directory's state is looked at only in a run of the tree
 * (not with --replay), and names the likely cause. */
static const char *why(const struct analysis *a, int pid, char *buf, size_t len)
{
    struct statvfs vfs;

    if (a->in->log_dir == NULL)
        return unknown_why;
    if (messages_why(a->in->log_dir, pid, buf, len))
        return buf;
    if (a->in->top_pid <= 0 || statvfs(a->in->log_dir, &vfs) != 0)
        return unknown_why;
    if (vfs.f_flag & ST_RDONLY)
        return "no journal: the log directory is read-only, the tracer "
               "could not create one";
    if ((unsigned long long)vfs.f_bavail * vfs.f_frsize < 4096)
        return "no journal: the log directory is full, the tracer most "
               "likely could not create one";
    return unknown_why;
}

/* The warning of one process: without a journal, or untraced after an
 * exec. 1 when it is one of them. */
static int warn_process(struct analysis *a, struct cli_process *p)
{
    char buf[512];
    const char *reason;

    if (p->traced && p->exec_path == NULL)
        return 0;
    reason = p->reason ? p->reason : why(a, p->pid, buf, sizeof buf);
    if (p->traced) {
        cli_analysis_warn(a, "pid %d was not traced after its exec of %s: %s",
                          p->pid, p->exec_path,
                          reason == unknown_why
                              ? "no journal: a static, setuid or foreign "
                                "program, or the preload removed"
                              : reason);
        return 1;
    }
    if (p->reason == NULL &&
        (p->reason = cli_run_strdup(a->run, reason)) == NULL)
        a->oom = 1;
    cli_analysis_warn(a, "pid %d%s%s%s was not traced: %s", p->pid,
                      p->name ? " (" : "", p->name ? p->name : "",
                      p->name ? ")" : "", reason);
    return 1;
}

void cli_untraced_report(struct analysis *a)
{
    size_t n = 0;

    for (size_t i = 0; i < a->run->nprocs; i++)
        n += (size_t)warn_process(a, &a->run->procs[i]);
    if ((n == 0 && a->strangers == 0) || a->in->isolated || a->in->tree_known)
        return;
    cli_analysis_warn(
        a, "processes of the tree that wrote no journal, that no journal "
           "names and that their own parent reaped cannot be known without "
           "the kernel's process events (they need root): the segments "
           "such processes left are not reported; run with --isolate to "
           "have every segment left in the tree's own IPC namespace "
           "reported");
}
