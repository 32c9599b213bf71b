/*
 * bench_jgen.c - synthetic journals for bench_replay (bench_jgen.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <time.h>
#include <unistd.h>

#include "bench_jgen.h"
#include "journal/writer.h"

#define FRAMES 8
#define ATTACH_AT 0x7f3a5c000000LL

static struct shmc_jwriter w;
static uint64_t frames[FRAMES];
static unsigned nframes;
static uint64_t clock_ns;

/* One record; 0, or -1 when the writer refused it. */
static int put(uint16_t type, int64_t result, int64_t a0, int64_t a1,
               int64_t a2, int64_t a3, unsigned nf, const void *payload,
               unsigned len)
{
    struct shmc_jrec *r = shmc_jwriter_begin(&w, shmc_jrec_size(nf, len), type);

    if (r == NULL)
        return -1;
    r->time_ns = clock_ns += 1000;
    r->tid = w.pid;
    r->result = result;
    r->args[0] = a0;
    r->args[1] = a1;
    r->args[2] = a2;
    r->args[3] = a3;
    r->nframes = (uint16_t)nf;
    r->payload = (uint16_t)len;
    memcpy((void *)shmc_jrec_frames(r), frames, 8u * nf);
    if (len)
        memcpy((char *)shmc_jrec_frames(r) + 8u * nf, payload, len);
#ifdef SHMC_JREPEAT_GHOST /* journal version 3: commit counts writers */
    shmc_jwriter_commit(&w, r);
#else
    shmc_jwriter_commit(r);
#endif
    return 0;
}

/* One MODULE per loaded object with executable code, as the tracer
 * writes them (src/trace/modules.c). */
static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    char exe[PATH_MAX] = "";
    uintptr_t start = UINTPTR_MAX, end = 0;
    int *bad = arg;

    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            start = lo < start ? lo : start;
            end = lo + ph->p_memsz > end ? lo + ph->p_memsz : end;
        }
    }
    const char *path = info->dlpi_name;
    if (start >= end)
        return 0;
    if (path == NULL || path[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        path = exe;
    }
    if (put(SHMC_J_MODULE, 0, (int64_t)info->dlpi_addr, (int64_t)start,
            (int64_t)end, 0, 0, path, (unsigned)strlen(path) + 1) != 0)
        *bad = 1;
    return 0;
}

/* A real stack of this program, the one every call gets. */
static __attribute__((noinline)) void take_stack(void)
{
    void *f[FRAMES + 1];
    int n = backtrace(f, FRAMES + 1);

    nframes = 0;
    for (int i = 1; i < n; i++) /* not take_stack itself */
        frames[nframes++] = (uint64_t)(uintptr_t)f[i];
}

/* Opens the journal of pid in dir: its START and MODULE records. */
static int begin(const char *dir, int pid)
{
    static const char cmd[] = "/bench/synthetic\0synthetic\0journal";
    struct timespec ts;
    int bad = 0;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    clock_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (shmc_jwriter_open(&w, dir, pid, 1, SHMC_JF_STACKS, clock_ns, 0) != 0)
        return -1;
    if (put(SHMC_J_START, 0, 1, 0, 0, 0, 0, cmd, sizeof cmd) != 0)
        bad = 1;
    dl_iterate_phdr(on_object, &bad);
    take_stack();
    return bad ? -1 : 0;
}

/* Its EXIT (status 0, by exit) and the end of the file. */
static int end(int bad)
{
    if (put(SHMC_J_EXIT, 0, 0, SHMC_JEXIT_EXIT, 0, 0, 0, NULL, 0) != 0)
        bad = 1;
    shmc_jwriter_close(&w);
    if (bad)
        errno = ENOSPC;
    return bad ? -1 : 0;
}

/* kernel.shm: a private IPC namespace's snapshot with no segment left
 * (docs/journal-format.md): the magic line, then /proc/sysvipc/shm's
 * header line alone. */
static int snapshot(const char *dir)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/kernel.shm", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    int n = dprintf(fd,
                    "# shmcheck kernel snapshot 1 isolated=1 start=%ld\n"
                    "       key      shmid perms                  size  "
                    "cpid  lpid nattch   uid   gid  cuid  cgid      atime"
                    "      dtime      ctime                   rss       "
                    "            swap\n",
                    (long)time(NULL));
    return close(fd) == 0 && n > 0 ? 0 : -1;
}

int jgen_created(const char *dir, long k)
{
    int bad = begin(dir, 1000) != 0;

    for (long i = 0; i < k && !bad; i++)
        bad = put(SHMC_J_SHMGET, i, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 1,
                  nframes, NULL, 0) != 0;
    return end(bad) == 0 && snapshot(dir) == 0 ? 0 : -1;
}

int jgen_pairs(const char *dir, long events, int journals)
{
    for (int j = 0; j < journals; j++) {
        long pairs = events / 2 / journals + (j < events / 2 % journals);
        int64_t id = j + 1, at = ATTACH_AT + j * 0x100000LL;
        int bad = begin(dir, 2000 + j) != 0;
        bad = bad || put(SHMC_J_SHMGET, id, IPC_PRIVATE, 4096, IPC_CREAT | 0600,
                         1, nframes, NULL, 0) != 0;
        for (long i = 0; i < pairs && !bad; i++)
            bad = put(SHMC_J_SHMAT, at, id, 0, 0, 4096, nframes, NULL, 0) ||
                  put(SHMC_J_SHMDT, 0, at, id, 1, 0, 1, NULL, 0);
        bad =
            bad || put(SHMC_J_SHMCTL, 0, id, IPC_RMID, 0, 0, nframes, NULL, 0);
        if (end(bad) != 0)
            return -1;
    }
    return snapshot(dir);
}
