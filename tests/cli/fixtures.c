/*
 * fixtures.c - what the CLI's tests share (declared in fixtures.h), but
 * for the runs built by hand (fixtures_runs.c): journals written by hand
 * into a private directory and their analysis; suppression sets and
 * findings to match; and the Python checks of the reports.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"

/* --- journals written by hand -------------------------------------------- */

static void jf_grow(struct jfile *j, size_t more)
{
    j->buf = realloc(j->buf, j->len + more);
    assert_non_null(j->buf);
    memset(j->buf + j->len, 0, more);
    j->len += more;
}

void jf_start(struct jfile *j, int pid, int ppid)
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

void jf_add(struct jfile *j, const struct jspec *s)
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

void jf_argv(struct jfile *j, int ppid, const char *const *argv)
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

void jf_save_part(struct jfile *j, const char *dir, const char *name,
                  size_t len)
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

void jf_save(struct jfile *j, const char *dir, const char *name)
{
    jf_save_part(j, dir, name, (size_t)-1);
}

void mk_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/shmc-cli-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

void rm_dir(const char *dir)
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

void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

void put_bytes(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void path_in(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
}

/* --- analysing a directory of journals --------------------------------- */

int analysis_setup(void **state)
{
    struct analysis_fx *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    mk_dir(fx->dir, sizeof fx->dir);
    *state = fx;
    return 0;
}

int analysis_teardown(void **state)
{
    struct analysis_fx *fx = *state;

    cli_run_free(&fx->run);
    rm_dir(fx->dir);
    free(fx);
    return 0;
}

static const char *end_name(enum cli_end e)
{
    static const char *const names[] = {"?", "exit", "exec", "signal"};
    return names[e];
}

/* A group of more than one occurrence (group.h): " xN pids=P,Q" and, for
 * a leak, " shmids=A,B". */
static void describe_group(const struct cli_finding *f, char *out, size_t len)
{
    size_t n = strlen(out);

    if (f->count <= 1)
        return;
    n += (size_t)snprintf(out + n, len - n,
                          " x%llu pids=", (unsigned long long)f->count);
    for (size_t i = 0; i < f->npids && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%s%d", i ? "," : "",
                              f->pids[i]);
    for (size_t i = 0; f->nsegments > 1 && i < f->nsegments && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%s%d",
                              i ? "," : " shmids=", f->segments[i].shmid);
}

void describe_finding(const struct cli_finding *f, char *out, size_t len)
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
    describe_group(f, out, len);
}

int analyze_dir(struct analysis_fx *fx, struct cli_inputs in)
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

const struct cli_process *find_process(const struct cli_run *run, int pid)
{
    for (size_t i = 0; i < run->nprocs; i++)
        if (run->procs[i].pid == pid)
            return &run->procs[i];
    fail_msg("no process %d", pid);
    return NULL;
}

void assert_argv(const struct cli_process *p, const char *const *want)
{
    int n = 0;

    while (want[n] != NULL) {
        assert_non_null(p->argv);
        assert_string_equal(p->argv[n], want[n]);
        n++;
    }
    assert_int_equal(p->argc, n);
    assert_null(p->argv == NULL ? NULL : p->argv[n]);
}

/* --- suppressions ------------------------------------------------------- */

int supp_parse(struct cli_supp *s, const char *text, struct supp_result *r)
{
    memset(r->err, GUARD, sizeof r->err);
    r->rc = cli_supp_parse(s, "supp.txt", text, strlen(text), r->err,
                           sizeof r->err);
    return r->rc;
}

struct cli_supp *supp_new_set(void)
{
    struct cli_supp *s = cli_supp_new();

    assert_non_null(s);
    return s;
}

struct cli_supp *supp_set_of(const char *text)
{
    struct cli_supp *s = supp_new_set();
    struct supp_result r;

    if (supp_parse(s, text, &r) != 0)
        fail_msg("rules %s refused: %s", text, r.err);
    return s;
}

struct cli_frame supp_frame(const char *function, const char *file,
                            const char *module)
{
    struct cli_frame f = {0x401000, module, 0x1000, function, file, 12};

    return f;
}

struct cli_finding supp_finding(enum cli_kind kind, int inherited,
                                const struct cli_frame *frames, unsigned n)
{
    struct cli_finding f = {.kind = kind, .shmid = 5, .inherited = inherited};

    for (unsigned i = 0; i < n; i++)
        f.stack.f[i] = frames[i];
    f.stack.n = n;
    return f;
}

struct cli_finding supp_in_function(enum cli_kind kind, const char *fun)
{
    struct cli_frame fr = supp_frame(fun, NULL, NULL);

    return supp_finding(kind, 0, &fr, 1);
}

void assert_untouched(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != GUARD)
            fail_msg("byte %zu written", i);
}

const char *expected_text(const char *name)
{
    static char text[64 << 10];
    char path[512];
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "%s/expected/%s", SHMC_CLI_TESTS_DIR, name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    n = fread(text, 1, sizeof text - 1, f);
    assert_false(ferror(f));
    assert_true(feof(f));
    fclose(f);
    text[n] = '\0';
    return text;
}

/* --- checks in Python --------------------------------------------------- */

int python_check(const char *script, const char *args, const char *text)
{
    char cmd[2048];
    FILE *p;
    int st;

    if (system("command -v python3 >/dev/null 2>&1") != 0)
        skip();
    snprintf(cmd, sizeof cmd, "python3 -B %s/%s %s", SHMC_CLI_TESTS_DIR, script,
             args);
    p = popen(cmd, "w");
    assert_non_null(p);
    fputs(text, p);
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* How many files in dir end with suffix; the last one's path in path. */
int find_files(const char *dir, const char *suffix, char *path, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), k = strlen(suffix);
        if (l > k && strcmp(e->d_name + l - k, suffix) == 0) {
            n++;
            if (path != NULL)
                snprintf(path, len, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}
