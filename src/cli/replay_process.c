/*
 * replay_process.c - the records of a journal about its process rather
 * than its segments (API: replay_process.h): its command line, its
 * modules (to place its stack frames), its exec, the children it started
 * and the status it exited with.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "replay_process.h"
#include "untraced.h"

void cli_replay_start(struct image *im, const struct shmc_jrec *r)
{
    struct cli_process *p = cli_analysis_process(im->a, im->pid);
    const char *pl = shmc_jrec_payload(r), *end = pl + r->payload;
    size_t n = 0;
    char **argv;

    if (p == NULL)
        return;
    p->ppid = (int)r->args[0];
    pl += strnlen(pl, (size_t)(end - pl)) + 1; /* skip the exe path */
    for (const char *s = pl; s < end; s += strnlen(s, (size_t)(end - s)) + 1)
        n++;
    argv = cli_analysis_need(im->a, calloc(n + 1, sizeof *argv));
    if (argv == NULL)
        return;
    n = 0;
    for (const char *s = pl; s < end; s += strnlen(s, (size_t)(end - s)) + 1)
        if ((argv[n] = cli_analysis_need(
                 im->a, strndup(s, (size_t)(end - s)))) != NULL)
            n++;
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = argv;
    p->argc = (int)n;
}

void cli_replay_module(struct image *im, const struct shmc_jrec *r)
{
    struct module *m =
        cli_analysis_need(im->a, cli_analysis_grow(im->mods, &im->cap_mods,
                                                   im->nmods, sizeof *m));
    if (m == NULL)
        return;
    im->mods = m;
    m = &m[im->nmods++];
    m->bias = (uint64_t)r->args[0];
    m->start = (uint64_t)r->args[1];
    m->end = (uint64_t)r->args[2];
    /* The payload is untrusted: its path ends at its NUL or its end. */
    char path[SHMC_JMAX_RECORD + 1];
    size_t n = strnlen(shmc_jrec_payload(r), r->payload);
    memcpy(path, shmc_jrec_payload(r), n);
    path[n] = '\0';
    /* One copy of each path: the depot compares frames' modules by it. */
    if ((m->path = cli_depot_path(&im->a->depot, im->a->run, path)) == NULL)
        im->a->oom = 1;
}

void cli_replay_exec(struct image *im, const struct shmc_jrec *r)
{
    size_t n = strnlen(shmc_jrec_payload(r), r->payload);

    im->exec_pending = r->type == SHMC_J_EXEC; /* or EXEC_FAIL: it returned */
    if (!im->exec_pending)
        return;
    memcpy(im->exec_path, shmc_jrec_payload(r), n);
    im->exec_path[n] = '\0';
    im->exec_ns = r->time_ns;
}

/* A child a fork or posix_spawn started: a process of the tree, whether
 * or not it writes a journal of its own (a static program it spawned
 * does not). */
void cli_replay_child(struct image *im, const struct shmc_jrec *r)
{
    char path[SHMC_JMAX_RECORD + 1];
    size_t n =
        r->type == SHMC_J_SPAWN ? strnlen(shmc_jrec_payload(r), r->payload) : 0;

    if (r->result <= 0 || r->result > INT32_MAX)
        return; /* failed, or not a pid */
    memcpy(path, shmc_jrec_payload(r), n);
    path[n] = '\0';
    cli_untraced_note(im->a, &(struct kin){.pid = (int)r->result,
                                           .ppid = im->pid,
                                           .name = n ? path : NULL});
}

/* The status exit() or _exit() was called with, for processes the CLI
 * did not reap itself (their parent did); -1 when main returned. */
void cli_replay_exit_call(struct image *im, const struct shmc_jrec *r)
{
    struct cli_process *p = cli_analysis_process(im->a, im->pid);

    im->exited = 1;
    if (p != NULL && r->args[0] >= 0 && r->args[0] <= 255) {
        p->end = CLI_END_EXIT;
        p->value = (int)r->args[0];
    }
}
