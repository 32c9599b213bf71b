/*
 * fuzz_journal.c - property: any bytes read as a journal, in memory by
 * shmc_jreader_init/next or from a file by cli_analyze, are walked without
 * reading outside them, hanging or leaking; every record handed out is
 * whole, aligned, committed and of a known type, and the offset only grows;
 * unaligned data is refused without touching the reader; a checkpoint's
 * fold of any journal the reader accepts is a whole journal that stands
 * for the same calls.
 *
 * Input: one control byte, then the journal. Control bit 0: also write the
 * journal as <pid>.0.shmj into a private directory and run the CLI's whole
 * analysis over it (no kernel segments, no reaped processes); the other
 * bits: the misalignment, 1 + (ctl >> 1) % 7, of the copy init must refuse.
 * A real journal becomes an input with `(printf '\001'; cat F.shmj) >IN`.
 */
#define _GNU_SOURCE
#undef NDEBUG /* assertions always on */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "journal/fold.h"
#include "journal/reader.h"

/* The private directory, made once by LLVMFuzzerInitialize; its name holds
 * the creating pid, so that only that process removes it at exit (engines
 * may fork after initializing). */
static char g_dir[64];

static void remove_dir(void)
{
    int pid = -1;

    if (sscanf(g_dir, "/tmp/shmc-fuzz-journal.%d.", &pid) == 1 &&
        pid == (int)getpid())
        rmdir(g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(g_dir, sizeof g_dir, "/tmp/shmc-fuzz-journal.%d.XXXXXX",
             (int)getpid());
    if (mkdtemp(g_dir) == NULL) {
        perror("fuzz_journal: mkdtemp");
        abort();
    }
    atexit(remove_dir);
    return 0;
}

/* Everything a returned record promises (journal.h), at offset at. */
static void check_record(const struct shmc_jreader *rd,
                         const struct shmc_jrec *r, size_t at)
{
    const unsigned char *p = (const unsigned char *)r;
    const char *pl = shmc_jrec_payload(r);
    unsigned sum = 0;

    assert(p == rd->data + at && at % 8 == 0);
    assert(r->size % 8 == 0 && r->size >= SHMC_JREC_HEADER);
    assert(r->size <= SHMC_JMAX_RECORD && r->size <= rd->len - at);
    assert(rd->off == at + r->size);
    assert(r->commit == SHMC_JCOMMIT);
    assert(r->type >= SHMC_J_START && r->type < SHMC_J_TYPE_MAX);
    assert(r->nframes <= SHMC_JMAX_FRAMES);
    assert(SHMC_JREC_HEADER + 8u * r->nframes + r->payload <= r->size);
    /* Touch every frame and payload byte: ASan sees any byte outside. */
    for (unsigned i = 0; i < r->nframes; i++)
        sum += (unsigned)shmc_jrec_frames(r)[i];
    for (unsigned i = 0; i < r->payload; i++)
        sum += (unsigned char)pl[i];
    (void)sum;
}

/* What walking a journal found. */
struct walked {
    enum shmc_jstatus st;
    long nrec;           /* records returned; -1 when init refused it */
    unsigned module_max; /* the longest MODULE payload                */
};

/* Walks buf[0..len) (8-aligned). */
static struct walked walk(const unsigned char *buf, size_t len)
{
    struct walked w = {SHMC_JBAD_HEADER, -1, 0};
    struct shmc_jreader rd;
    const struct shmc_jrec *r = NULL;
    size_t prev;

    if ((w.st = shmc_jreader_init(&rd, buf, len)) != SHMC_JOK) {
        assert(w.st == SHMC_JBAD_HEADER);
        return w;
    }
    assert(rd.data == buf && rd.len == len && rd.skipped == 0);
    assert(rd.off == rd.header.header_size && rd.off % 8 == 0 && rd.off <= len);
    assert(memcmp(rd.header.magic, SHMC_JMAGIC, 8) == 0);
    w.nrec = 0;
    for (prev = rd.off; (w.st = shmc_jreader_next(&rd, &r)) == SHMC_JOK;) {
        /* Uncommitted records skipped before r lie between prev and r. */
        size_t at = (size_t)((const unsigned char *)r - buf);
        assert(at >= prev && rd.off > prev);
        check_record(&rd, r, at);
        if (r->type == SHMC_J_MODULE && r->payload > w.module_max)
            w.module_max = r->payload;
        prev = rd.off;
        w.nrec++;
    }
    assert(w.st == SHMC_JEND || w.st == SHMC_JTRUNCATED);
    assert(rd.off >= prev && rd.off <= len);
    prev = rd.off;
    /* Each record, skipped or not, takes at least a header. */
    assert((size_t)w.nrec + rd.skipped <= len / SHMC_JREC_HEADER);
    /* The end is sticky: asking again changes nothing. */
    assert(shmc_jreader_next(&rd, &r) == w.st && rd.off == prev);
    return w;
}

/* The same bytes at an odd address: refused, the reader untouched. */
static void check_unaligned(const uint8_t *data, size_t size, unsigned mis)
{
    unsigned char *buf = malloc(size + 8);
    struct shmc_jreader rd, before;

    assert(buf != NULL);
    memcpy(buf + mis, data, size);
    memset(&rd, 0xa5, sizeof rd);
    before = rd;
    assert(shmc_jreader_init(&rd, buf + mis, size) == SHMC_JBAD_HEADER);
    assert(memcmp(&rd, &before, sizeof rd) == 0);
    assert(shmc_jreader_init(&rd, NULL, size) == SHMC_JBAD_HEADER);
    free(buf);
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert(fd >= 0);
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        assert(n > 0);
        data += n, size -= (size_t)n;
    }
    assert(close(fd) == 0);
}

static int kind_rank(enum cli_kind k)
{
    static const int rank[CLI_KIND_COUNT] = {0, 2, 1, 3, 4};
    return rank[k];
}

/* Removes the journals other processes left in g_dir: AFL++ kills a child
 * that overruns its time limit (SIGKILL, no clean-up), and the next child's
 * analysis would read that child's journal too (an AFL++ run aborted on
 * such leftovers). */
static void clear_dir(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;

    assert(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            (void)unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

/* The warnings and processes of the analysis of one journal file (path)
 * whose header names pid. One warning about the file when it is not
 * wholly a journal, one more when its header counts lost records; the
 * others name processes the journal names but that have none (FORK and
 * SPAWN children, its parent, an exec that left no journal after it), and
 * the advice that goes with them. */
static void check_processes(const struct cli_run *run, const char *path,
                            const uint8_t *data, const struct walked *w,
                            int pid)
{
    struct shmc_jheader h;
    size_t about_file = 0, traced = 0;

    assert(run->warnings == NULL || run->warnings[run->nwarnings] == NULL);
    for (size_t i = 0; i < run->nwarnings; i++) {
        const char *t = run->warnings[i];
        if (strncmp(t, path, strlen(path)) == 0)
            about_file++;
        else
            assert(strncmp(t, "pid ", 4) == 0 ||
                   strncmp(t, "processes of the tree", 21) == 0);
    }
    memcpy(&h, data, w->nrec >= 0 ? sizeof h : 0);
    assert(about_file == (size_t)(w->nrec < 0 || w->st == SHMC_JTRUNCATED) +
                             (size_t)(w->nrec >= 0 && h.lost != 0));
    for (size_t i = 0; i < run->nprocs; i++) {
        const struct cli_process *p = &run->procs[i];
        assert(p->argc >= 0 && (p->argv == NULL || p->argv[p->argc] == NULL));
        if (p->traced) {
            assert(p->pid == pid);
            traced++;
        } else {
            assert(p->reason != NULL && p->pid != pid);
        }
    }
    assert(traced == (w->nrec >= 0 ? 1u : 0u));
}

/* The whole analysis of one journal file, against what walk() found. */
static void check_analyze(const uint8_t *data, size_t size,
                          const struct walked *w)
{
    long nrec = w->nrec;
    char path[128];
    struct cli_inputs in = {.log_dir = g_dir, .top_pid = -1};
    struct cli_run run;
    int pid = 0;

    snprintf(path, sizeof path, "%s/%d.0" SHMC_JSUFFIX, g_dir, (int)getpid());
    clear_dir();
    write_file(path, data, size);
    memset(&run, 0, sizeof run);
    assert(cli_analyze(&in, &run) == 0);
    assert(unlink(path) == 0);
    if (nrec >= 0)
        memcpy(&pid, data + 16, sizeof pid); /* shmc_jheader.pid */
    check_processes(&run, path, data, w, pid);
    /* A record yields at most four findings (a shmget: three lints, then
     * never_removed), and they come sorted by kind. */
    assert(run.nfindings <= 4u * (size_t)(nrec > 0 ? nrec : 0));
    for (size_t i = 0; i < run.nfindings; i++) {
        const struct cli_finding *f = &run.findings[i];
        assert((unsigned)f->kind < CLI_KIND_COUNT && f->pid == pid);
        assert(f->stack.n <= CLI_MAX_FRAMES && !f->suppressed);
        assert(i == 0 || kind_rank(f[-1].kind) <= kind_rank(f->kind));
        /* A module path comes from inside a MODULE record's payload. */
        for (unsigned k = 0; k < f->stack.n; k++)
            assert(f->stack.f[k].module == NULL ||
                   strlen(f->stack.f[k].module) <= w->module_max);
    }
    cli_run_free(&run);
}

/* Calls of each record type the good records of buf stand for (each
 * 1 + repeat), and whether any repeat is large enough to saturate. */
static int stand_for(const unsigned char *buf, size_t len, uint64_t *calls)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *r;
    int big = 0;

    memset(calls, 0, SHMC_J_TYPE_MAX * sizeof *calls);
    assert(shmc_jreader_init(&rd, buf, len) == SHMC_JOK);
    while (shmc_jreader_next(&rd, &r) == SHMC_JOK) {
        calls[r->type] += 1u + shmc_jrec_repeat(r);
        big |= shmc_jrec_repeat(r) >= (1u << 20);
    }
    return big;
}

/* A checkpoint's fold of any journal the reader accepts: a whole journal
 * (the same header, records to a clean end, no more of them) standing
 * for the same calls of each type. */
static void check_fold(const unsigned char *buf, size_t len,
                       const struct walked *w)
{
    uint64_t in[SHMC_J_TYPE_MAX], out[SHMC_J_TYPE_MAX];
    int fd = memfd_create("fold", MFD_CLOEXEC);
    size_t n = 0;

    assert(fd >= 0);
    if (shmc_jfold(buf, len, fd, &n) == 0) {
        unsigned char *o = malloc(n);
        assert(o != NULL && pread(fd, o, n, 0) == (ssize_t)n);
        struct walked f = walk(o, n);
        assert(f.st == SHMC_JEND && f.nrec <= w->nrec);
        assert(memcmp(o, buf, sizeof(struct shmc_jheader)) == 0);
        if (!stand_for(buf, len, in) && !stand_for(o, n, out))
            assert(memcmp(in, out, sizeof in) == 0);
        free(o);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned ctl;
    unsigned char *buf;
    struct walked w, again;

    if (size == 0)
        return 0;
    ctl = data[0];
    data++, size--;
    /* An exact-size heap copy (malloc is 8-aligned): ASan sees overreads. */
    buf = malloc(size ? size : 1);
    assert(buf != NULL && (uintptr_t)buf % 8 == 0);
    memcpy(buf, data, size);
    w = walk(buf, size);
    again = walk(buf, size);
    assert(w.st == again.st && w.nrec == again.nrec); /* deterministic */
    check_unaligned(data, size, 1 + (ctl >> 1) % 7);
    if (w.nrec >= 0)
        check_fold(buf, size, &w);
    if (ctl & 1)
        check_analyze(data, size, &w);
    free(buf);
    return 0;
}
