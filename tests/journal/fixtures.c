/*
 * fixtures.c - what the journal's tests share (declared in fixtures.h):
 * a private directory for journals, records that derive from (tid, seq)
 * and the check that one reads back as written, files loaded whole,
 * children that end through _exit, system calls refused (seccomp); the
 * tables' fixture and value helpers; the settings' option table and
 * warning checks.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal/compiler.h"

/* ---- the writer's and the reader's fixture ---- */

int journal_setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    strcpy(fx.dir, "/tmp/shmc-journal-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    *state = &fx;
    return 0;
}

int journal_teardown(void **state)
{
    struct fx *fx = *state;
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d = opendir(fx->dir);

    shmc_jwriter_close(&fx->w);
    free(fx->buf);
    fx->buf = NULL;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return rmdir(fx->dir);
}

/* ---- records: everything in one derives from (tid, seq) ---- */

/* Sizes of record seq: small ones, or big ones (up to SHMC_JMAX_RECORD)
 * that make a journal grow fast. */
static void shape(uint32_t seq, int big, unsigned *nframes, unsigned *payload)
{
    if (!big) {
        *nframes = seq % 3;
        *payload = seq % 17;
        return;
    }
    *nframes = seq % (SHMC_JMAX_FRAMES + 1);
    *payload = (seq * 997u) %
               (SHMC_JMAX_RECORD - SHMC_JREC_HEADER - 8u * *nframes + 1);
}

static uint16_t type_of(uint32_t seq)
{
    return (uint16_t)(SHMC_J_START + seq % (SHMC_J_TYPE_MAX - SHMC_J_START));
}

static uint64_t frame_of(int tid, uint32_t seq, unsigned i)
{
    return ((uint64_t)tid << 48) ^ ((uint64_t)seq << 8) ^ i;
}

static unsigned char byte_of(int tid, uint32_t seq, unsigned i)
{
    return (unsigned char)(tid * 31 + seq + i);
}

/* Writes record seq of tid (no cmocka: threads and children call it).
 * Returns 0, or -1 when begin gave no record. */
int put(struct shmc_jwriter *w, int tid, uint32_t seq, int big, int commit)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    struct shmc_jrec *r =
        shmc_jwriter_begin(w, shmc_jrec_size(nframes, payload), type_of(seq));
    if (r == NULL)
        return -1;
    r->time_ns = 1000u + seq;
    r->tid = tid;
    r->err = (int32_t)(seq % 7);
    r->result = (int64_t)seq * 3 - 1;
    r->args[0] = tid;
    r->args[1] = seq;
    r->args[2] = big;
    r->args[3] = -(int64_t)seq;
    r->nframes = (uint16_t)nframes;
    r->payload = (uint16_t)payload;
    uint64_t *frames = (uint64_t *)(void *)(r + 1);
    for (unsigned i = 0; i < nframes; i++)
        frames[i] = frame_of(tid, seq, i);
    unsigned char *bytes = (unsigned char *)(frames + nframes);
    for (unsigned i = 0; i < payload; i++)
        bytes[i] = byte_of(tid, seq, i);
    if (commit)
        shmc_jwriter_commit(w, r);
    else /* as if its thread died; a checkpoint must not wait for it (a
            real death takes the whole process, checkpoint included) */
        atomic_fetch_sub(&w->active, 1);
    return 0;
}

int put_many(struct shmc_jwriter *w, int tid, uint32_t first, uint32_t count,
             int big)
{
    for (uint32_t seq = first; seq < first + count; seq++)
        if (put(w, tid, seq, big, 1) != 0)
            return -1;
    return 0;
}

/* Whether r is exactly what put(tid, seq, big) wrote. */
int matches(const struct shmc_jrec *r, int tid, uint32_t seq, int big)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    if (r->size != shmc_jrec_size(nframes, payload) ||
        r->type != type_of(seq) || r->commit != SHMC_JCOMMIT ||
        r->time_ns != 1000u + seq || r->tid != tid ||
        r->err != (int32_t)(seq % 7) || r->result != (int64_t)seq * 3 - 1 ||
        r->args[0] != tid || r->args[1] != seq || r->args[2] != big ||
        r->args[3] != -(int64_t)seq || r->nframes != nframes ||
        r->payload != payload)
        return 0;
    for (unsigned i = 0; i < nframes; i++)
        if (shmc_jrec_frames(r)[i] != frame_of(tid, seq, i))
            return 0;
    for (unsigned i = 0; i < payload; i++)
        if ((unsigned char)shmc_jrec_payload(r)[i] != byte_of(tid, seq, i))
            return 0;
    return 1;
}

/* Reads the journal in (buf, len): returns how many records in a row are
 * tid's seq first, first+1, ...; *status is the reader's status after
 * them (SHMC_JOK if a record did not match), *skipped its skip count. */
size_t read_seq(const void *buf, size_t len, int tid, uint32_t first, int big,
                enum shmc_jstatus *status, size_t *skipped)
{
    struct shmc_jreader r;
    const struct shmc_jrec *rec;
    size_t n = 0;

    *status = shmc_jreader_init(&r, buf, len);
    if (*status != SHMC_JOK)
        return 0;
    while ((*status = shmc_jreader_next(&r, &rec)) == SHMC_JOK) {
        if (!matches(rec, tid, first + (uint32_t)n, big))
            break;
        n++;
    }
    *skipped = r.skipped;
    return n;
}

uint32_t size_of(uint32_t seq, int big)
{
    unsigned nframes, payload;

    shape(seq, big, &nframes, &payload);
    return shmc_jrec_size(nframes, payload);
}

/* Bytes of put_many(first 0, count, big) after the header. */
size_t bytes_of(uint32_t count, int big)
{
    size_t total = 0;

    for (uint32_t seq = 0; seq < count; seq++)
        total += size_of(seq, big);
    return total;
}

/* ---- files, fds and children ---- */

void path_of(const struct fx *fx, int pid, unsigned n, char *out)
{
    snprintf(out, PATH_MAX, "%s/%d.%u.shmj", fx->dir, pid, n);
}

/* Loads a whole file into fx->buf (malloc: 8-aligned, exactly sized). */
void load_file(struct fx *fx, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    free(fx->buf);
    fx->len = (size_t)st.st_size;
    fx->buf = malloc(fx->len ? fx->len : 1);
    assert_non_null(fx->buf);
    for (size_t got = 0; got < fx->len;) {
        ssize_t n = read(fd, fx->buf + got, fx->len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fd);
}

/* Waits for child; returns its exit status, or 128 + signal. */
int reap(pid_t child)
{
    int status;

    assert_true(child > 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

size_t lost(struct shmc_jwriter *w)
{
    return atomic_load(&w->lost);
}

/* How a child ends: _exit, after writing its coverage counts (gcov writes
 * them at exit(), which a child must not call here). */
_Noreturn void child_exit(int code)
{
    SHMC_COVERAGE_FLUSH();
    _exit(code);
}

/* Fills the part of fx->w's file mapped now (a new file's first
 * SHMC_JFIRST_SIZE bytes) with small records of tid, seq 0.., up to where
 * the next one would need growth; returns how many. */
uint32_t fill_chunk(struct fx *fx, int tid)
{
    uint32_t n = 0;

    size_t mapped = atomic_load(&fx->w.mapped);

    while (atomic_load(&fx->w.off) + size_of(n, 0) <= mapped &&
           put(&fx->w, tid, n, 0, 1) == 0)
        n++;
    return n;
}

/* ---- system calls refused ---- */

/* A seccomp filter compares 32-bit words: the argument's low one. No
 * architecture check: the filter only ever refuses, never allows more. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LOW_WORD 0
#else
#define LOW_WORD 4
#endif
int refuse_syscall(int nr, int arg, uint32_t value, int err)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, args) + 8 * arg + LOW_WORD),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* ---- the tables ---- */

int table_setup(void **state)
{
    static struct table_fx fx;
    shmc_table_init(&fx.t, sizeof(uint64_t));
    shmc_table_init(&fx.u, sizeof(uint64_t));
    *state = &fx;
    return 0;
}

int table_teardown(void **state)
{
    struct table_fx *fx = *state;
    shmc_table_destroy(&fx->t);
    shmc_table_destroy(&fx->u);
    return 0;
}

uint64_t page_key(size_t i)
{
    return PAGE_BASE + (uint64_t)i * 4096;
}

uint64_t load_u64(const void *v)
{
    uint64_t x;
    memcpy(&x, v, sizeof x);
    return x;
}

void *put_val(struct shmc_table *t, uint64_t key, uint64_t val)
{
    void *v = shmc_table_put(t, key, NULL);
    assert_non_null(v);
    memcpy(v, &val, sizeof val);
    return v;
}

/* The value stored under key, which must be there. */
uint64_t val_of(const struct shmc_table *t, uint64_t key)
{
    void *v = shmc_table_get(t, key);
    if (v == NULL)
        fail_msg("key %#llx lost", (unsigned long long)key);
    return load_u64(v);
}

int all_zero(const void *v, size_t n)
{
    const unsigned char *p = v;
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Which slot a value lives in (the header documents the slot array). */
size_t slot_of(const struct shmc_table *t, const void *v)
{
    return (size_t)((const unsigned char *)v - t->slots) / t->slot_size;
}

/* ---- the settings ---- */

/* The option table as the tests see it, from the same X-macro. */
#define OPTION_ROW(name, def, help) {#name, def, help},
const struct option_row opts[NOPTS] = {SHMC_TRACE_OPTIONS(OPTION_ROW)};
#undef OPTION_ROW

int parse(struct result *r, int secure, char **env)
{
    memset(r->warn, GUARD, sizeof r->warn);
    r->n =
        shmc_trace_config_parse(&r->cfg, env, secure, r->warn, sizeof r->warn);
    return r->n;
}

int lines(const char *s)
{
    int n = 0;

    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

/* n bytes after a buffer still hold GUARD. */
void assert_guard(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != GUARD)
            fail_msg("guard byte %zu overwritten", i);
}
