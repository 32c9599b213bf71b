/*
 * cli_fixtures.h - what the CLI's unit tests build by hand: journals as
 * the tracer writes them (journal.h), written into a directory, other
 * files there (put_file: scripts, replies), and the analysis of such a
 * directory, each finding as one line of text.
 * Header-only (static inline functions): the Makefile links each
 * tests/unit/test_cli_*.c alone with the CLI core.
 *
 * A journal is put together record by record:
 *     struct jfile j;
 *     jf_start(&j, 100, 1);
 *     jf_add(&j, &(struct jspec){.type = SHMC_J_SHMGET, .a = {0, 4096,
 *            IPC_CREAT | 0600, 1}, .result = 5});
 *     jf_save(&j, dir, "100.0.shmj");
 * Tests include cmocka before this file.
 */
#ifndef SHMC_TESTS_CLI_FIXTURES_H
#define SHMC_TESTS_CLI_FIXTURES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "journal/format.h"

/* A record for jf_add: REC(.type = SHMC_J_SHMDT, .err = EINVAL, ...). */
#define REC(...) (&(struct jspec){__VA_ARGS__})

struct jfile {
    unsigned char *buf;
    size_t len;
};

/* One record: its type, errno, result, args, frames and payload. */
struct jspec {
    uint16_t type;
    int32_t err;
    int64_t result;
    int64_t a[4];
    unsigned nframes;
    const uint64_t *frames;
    const void *payload;
    unsigned plen;
};

static inline void jf_grow(struct jfile *j, size_t more)
{
    j->buf = realloc(j->buf, j->len + more);
    assert_non_null(j->buf);
    memset(j->buf + j->len, 0, more);
    j->len += more;
}

/* A new journal of pid (its header). */
static inline void jf_start(struct jfile *j, int pid, int ppid)
{
    struct shmc_jheader h;

    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHMC_JMAGIC, sizeof h.magic);
    h.version = SHMC_JVERSION;
    h.header_size = sizeof h;
    h.pid = pid;
    h.ppid = ppid;
    h.flags = SHMC_JF_STACKS;
    j->buf = NULL;
    j->len = 0;
    jf_grow(j, sizeof h);
    memcpy(j->buf, &h, sizeof h);
}

/* Appends a committed record. */
static inline void jf_add(struct jfile *j, const struct jspec *s)
{
    uint32_t size = shmc_jrec_size(s->nframes, s->plen);
    size_t at = j->len;
    struct shmc_jrec r;

    memset(&r, 0, sizeof r);
    r.size = size;
    r.type = s->type;
    r.commit = SHMC_JCOMMIT;
    r.err = s->err;
    r.result = s->result;
    memcpy(r.args, s->a, sizeof r.args);
    r.nframes = (uint16_t)s->nframes;
    r.payload = (uint16_t)s->plen;
    jf_grow(j, size);
    memcpy(j->buf + at, &r, sizeof r);
    if (s->nframes)
        memcpy(j->buf + at + sizeof r, s->frames, 8u * s->nframes);
    if (s->plen)
        memcpy(j->buf + at + sizeof r + 8u * s->nframes, s->payload, s->plen);
}

/* The START record: exe path, then argv (NULL-terminated). */
static inline void jf_argv(struct jfile *j, int ppid, const char *const *argv)
{
    char payload[512];
    size_t n = 0;

    for (size_t i = 0; argv[i] != NULL; i++) {
        size_t k = strlen(argv[i]) + 1;
        assert_true(n + k <= sizeof payload);
        memcpy(payload + n, argv[i], k);
        n += k;
    }
    jf_add(j, &(struct jspec){.type = SHMC_J_START,
                              .a = {ppid},
                              .payload = payload,
                              .plen = (unsigned)n});
}

/* Writes the first len bytes (all: (size_t)-1) to dir/name; frees j. */
static inline void jf_save_part(struct jfile *j, const char *dir,
                                const char *name, size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    if (len > j->len)
        len = j->len;
    assert_int_equal(fwrite(j->buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(j->buf);
    j->buf = NULL;
}

static inline void jf_save(struct jfile *j, const char *dir, const char *name)
{
    jf_save_part(j, dir, name, (size_t)-1);
}

/* A private directory for journals; rm_dir removes it and what it holds
 * (files, symlinks, FIFOs and empty directories). */
static inline void mk_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/shmc-cli-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static inline void rm_dir(const char *dir)
{
    struct dirent **names;
    char path[512];
    int n = scandir(dir, &names, NULL, NULL);

    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") &&
            unlink(path) != 0)
            rmdir(path);
        free(names[i]);
    }
    free(names);
    rmdir(dir);
}

/* Writes text to path (a new file, or one emptied) and gives it mode. */
static inline void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* --- analysing a directory of journals --------------------------------- */

/* A private directory of journals and the run analysed from it. */
struct analysis_fx {
    char dir[64];
    struct cli_run run;
    char text[8192]; /* the findings, one line each (describe_finding) */
};

static inline int analysis_setup(void **state)
{
    struct analysis_fx *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    mk_dir(fx->dir, sizeof fx->dir);
    *state = fx;
    return 0;
}

static inline int analysis_teardown(void **state)
{
    struct analysis_fx *fx = *state;

    cli_run_free(&fx->run);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

static inline const char *end_name(enum cli_end e)
{
    static const char *const names[] = {"?", "exit", "exec", "signal"};
    return names[e];
}

/* One line for a finding: its kind and the fields that kind has. */
static inline void describe_finding(const struct cli_finding *f, char *out,
                                    size_t len)
{
    switch (f->kind) {
    case CLI_LEAKED_SEGMENT:
        snprintf(out, len, "leak pid=%d shmid=%d key=%#x size=%llu by=%s n=%u",
                 f->pid, f->shmid, (unsigned)f->key,
                 (unsigned long long)f->size,
                 f->seen_by_kernel ? "kernel" : "tracer", f->stack.n);
        break;
    case CLI_UNMATCHED_ATTACH:
        snprintf(out, len, "unmatched pid=%d shmid=%d addr=%#llx%s end=%s",
                 f->pid, f->shmid, (unsigned long long)f->addr,
                 f->inherited ? " inherited" : "", end_name(f->ended_by));
        break;
    case CLI_INVALID_DETACH:
        snprintf(out, len, "detach pid=%d shmid=%d addr=%#llx err=%d", f->pid,
                 f->shmid, (unsigned long long)f->addr, f->err);
        break;
    case CLI_FAILED_CALL:
        snprintf(out, len, "failed pid=%d %s shmid=%d err=%d", f->pid, f->call,
                 f->shmid, f->err);
        break;
    default:
        snprintf(out, len, "lint pid=%d %s shmid=%d", f->pid, f->rule,
                 f->shmid);
        break;
    }
}

/* Analyses fx->dir with in's other inputs; fx->text gets the findings. */
static inline int analyze_dir(struct analysis_fx *fx, struct cli_inputs in)
{
    size_t n = 0;
    int rc;

    in.log_dir = fx->dir;
    rc = cli_analyze(&in, &fx->run);
    fx->text[0] = '\0';
    for (size_t i = 0; i < fx->run.nfindings; i++) {
        describe_finding(&fx->run.findings[i], fx->text + n,
                         sizeof fx->text - n - 1);
        n += strlen(fx->text + n);
        fx->text[n++] = '\n';
        fx->text[n] = '\0';
    }
    return rc;
}

#endif
