/*
 * harness.c - what the tracer's tests share (declared in harness.h):
 * running a program traced or bare, collecting its output and status,
 * reading every journal it left, and removing the segments it left.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

int harness_setup(void **state)
{
    static struct fx fx;

    memset(&fx, 0, sizeof fx);
    strcpy(fx.dir, "/tmp/shmc-trace-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    *state = &fx;
    return 0;
}

/* Removes the segments left by the programs this test ran (their pid is
 * the creator), never anything else on the machine. */
static void remove_leftovers(struct fx *fx)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    int key, id, cpid;

    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%d %d %*o %*u %d", &key, &id, &cpid) != 3)
            continue;
        for (int i = 0; i < fx->npids; i++)
            if (fx->pids[i] == cpid)
                shmctl(id, IPC_RMID, NULL);
    }
    if (f)
        fclose(f);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Empties the log directory (keeping it) and removes leftover segments. */
void reset(struct fx *fx)
{
    struct dirent *e;
    char path[512];
    DIR *d;

    remove_leftovers(fx);
    d = opendir(fx->dir);
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (d)
        closedir(d);
    fx->nj = 0;
}

int harness_teardown(void **state)
{
    struct fx *fx = *state;

    reset(fx);
    return rmdir(fx->dir);
}

void slurp(int fd, char *buf)
{
    size_t len = 0;
    ssize_t n;

    while (len < OUT_MAX - 1 &&
           (n = read(fd, buf + len, OUT_MAX - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
}

/* The environment of a run, in the child: only what the test chose. */
void child_env(const struct how *h)
{
    char buf[1024], *save, *kv;

    clearenv();
    setenv("PATH", "/usr/bin:/bin", 1);
    if (h->dir) {
        setenv("LD_PRELOAD", SHMC_TRACE_SO, 1);
        setenv("SHMCHECK_LOG_DIR", h->dir, 1);
    }
    if (h->extra == NULL)
        return;
    snprintf(buf, sizeof buf, "%s", h->extra);
    for (kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save))
        putenv(strdup(kv));
}

/* Runs argv as h says and waits for it. stdout and stderr are collected
 * from files, so a child that keeps them open cannot block the test. */
void run(struct fx *fx, struct run *r, const struct how *h, char *const argv[])
{
    char outp[] = "/tmp/shmc-out-XXXXXX", errp[] = "/tmp/shmc-err-XXXXXX";
    int out = mkstemp(outp), err = mkstemp(errp);

    assert_true(out >= 0 && err >= 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out, 1);
        dup2(err, 2);
        close(out);
        close(err);
        child_env(h);
        if (h->child)
            h->child(h->arg);
        alarm(RUN_TIMEOUT);
        execv(argv[0], argv);
        _exit(127);
    }
    assert_true(pid > 0);
    if (fx->npids < MAX_PIDS)
        fx->pids[fx->npids++] = pid;
    r->pid = pid;
    assert_int_equal(waitpid(pid, &r->status, 0), pid);
    lseek(out, 0, SEEK_SET);
    lseek(err, 0, SEEK_SET);
    slurp(out, r->out);
    slurp(err, r->err);
    unlink(outp);
    unlink(errp);
}

/* run() with the log directory of fx and extra settings. */
void run_traced(struct fx *fx, struct run *r, char *const argv[],
                const char *extra)
{
    const struct how h = {fx->dir, extra, NULL, NULL};
    run(fx, r, &h, argv);
}

void run_bare(struct fx *fx, struct run *r, char *const argv[])
{
    const struct how h = {NULL, NULL, NULL, NULL};
    run(fx, r, &h, argv);
}

static void keep_rec(struct journal *j, const struct shmc_jrec *in)
{
    struct rec *r = &j->rec[j->nrec++];
    size_t shown;

    r->type = in->type;
    r->err = in->err;
    r->result = in->result;
    memcpy(r->args, in->args, sizeof r->args);
    r->size = in->size;
    r->nframes = in->nframes;
    memcpy(r->frames, shmc_jrec_frames(in), 8u * in->nframes);
    r->payload_len = in->payload;
    shown =
        in->payload < sizeof r->payload ? in->payload : sizeof r->payload - 1;
    memcpy(r->payload, shmc_jrec_payload(in), shown);
    r->payload[shown] = '\0';
}

static void read_journal(const char *path, struct journal *j)
{
    struct shmc_jreader rd;
    const struct shmc_jrec *rec;
    struct stat st;
    void *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(j, 0, sizeof *j);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    j->mode = st.st_mode & 07777;
    j->file_size = (size_t)st.st_size;
    assert_int_equal(posix_memalign(&data, 8, j->file_size + 8), 0);
    assert_int_equal(read(fd, data, j->file_size), (ssize_t)j->file_size);
    close(fd);
    assert_int_equal(shmc_jreader_init(&rd, data, j->file_size), SHMC_JOK);
    j->pid = rd.header.pid;
    j->ppid = rd.header.ppid;
    j->image = (int)rd.header.image;
    j->flags = rd.header.flags;
    while ((j->end = shmc_jreader_next(&rd, &rec)) == SHMC_JOK) {
        j->count[rec->type]++;
        j->failed[rec->type] += rec->err != 0;
        if (j->nrec < MAX_RECS)
            keep_rec(j, rec);
    }
    j->skipped = rd.skipped;
    free(data);
}

/* Reads every journal in fx->dir, sorted by name (pid, then image). */
void read_journals(struct fx *fx)
{
    struct dirent **names;
    char path[512];
    int n = scandir(fx->dir, &names, NULL, alphasort);

    assert_true(n >= 0);
    fx->nj = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t len = strlen(name);
        if (len > 5 && strcmp(name + len - 5, SHMC_JSUFFIX) == 0 &&
            fx->nj < MAX_JOURNALS) {
            snprintf(path, sizeof path, "%s/%s", fx->dir, name);
            read_journal(path, &fx->j[fx->nj]);
            if (fx->npids < MAX_PIDS)
                fx->pids[fx->npids++] = fx->j[fx->nj].pid;
            fx->nj++;
        }
        free(names[i]);
    }
    free(names);
}

/* The journal of pid's image, or NULL. */
const struct journal *journal_of(const struct fx *fx, int pid, int image)
{
    for (int i = 0; i < fx->nj; i++)
        if (fx->j[i].pid == pid && fx->j[i].image == image)
            return &fx->j[i];
    return NULL;
}

/* The n-th kept record of a type (0 = the first), or NULL. */
const struct rec *rec_of(const struct journal *j, int type, int n)
{
    for (unsigned i = 0; i < j->nrec; i++)
        if (j->rec[i].type == type && n-- == 0)
            return &j->rec[i];
    return NULL;
}

/* Where the kept record r is in the journal (its index). */
unsigned rec_index(const struct journal *j, const struct rec *r)
{
    return (unsigned)(r - j->rec);
}

int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

void assert_exit(int status, int code)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        fail_msg("status 0x%x, want exit %d", (unsigned)status, code);
}

/* Whether a segment created by pid still exists. */
int segment_left_by(int pid)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    int key, id, cpid, found = 0;

    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%d %d %*o %*u %d", &key, &id, &cpid) == 3)
            found |= cpid == pid;
    if (f)
        fclose(f);
    return found;
}

/* "PATH=<the traced program's directory>:..." so that it is found by
 * name. */
const char *path_to_traced_prog(void)
{
    static char path[PATH_MAX + 32];
    const char *slash = strrchr(SHMC_TRACED_PROG, '/');

    snprintf(path, sizeof path, "PATH=%.*s:/usr/bin:/bin",
             (int)(slash - SHMC_TRACED_PROG), SHMC_TRACED_PROG);
    return path;
}
