/*
 * setup.c - fuzz_validator's start-up: the private IPC namespace, and the
 * facts the oracle needs about this kernel and process.
 *
 * Namespace. LLVMFuzzerInitialize calls unshare(CLONE_NEWIPC), then probes
 * what this kernel and process allow. In the AFL++ build (__AFL_COMPILER)
 * that setup runs at the first input of each fork-server child instead:
 * AFL++ attaches its coverage map in a constructor, but its shared-memory
 * test-case buffer (__AFL_SHM_FUZZ_ID) only when the deferred fork server
 * starts, after LLVMFuzzerInitialize, and that shmat fails inside a new
 * namespace. So afl-fuzz works run on the host or inside a namespace of its
 * own, and each child's leftovers die with its namespace. Without
 * CLONE_NEWIPC (not privileged) the target runs in the current namespace
 * with IPC_PRIVATE keys and only ids it made or negative ones, and checks
 * that every id it made is gone instead of the namespace being empty; a
 * guard (fuzz/guard/guard.h) removes the segments of an input that
 * crashed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guard/guard.h"
#include "oracle.h"

struct facts facts;

static unsigned long read_num(const char *path, unsigned long dflt)
{
    FILE *f = fopen(path, "r");
    unsigned long v = dflt;

    if (f && fscanf(f, "%lu", &v) != 1)
        v = dflt;
    if (f)
        fclose(f);
    return v;
}

/* 1 in the initial user namespace, where capable() is what counts. */
static int initial_userns(void)
{
    unsigned long in, out, n;
    FILE *f = fopen("/proc/self/uid_map", "r");
    int yes = f && fscanf(f, "%lu %lu %lu", &in, &out, &n) == 3 && in == 0 &&
              out == 0 && n == 4294967295UL;

    if (f)
        fclose(f);
    return yes;
}

static size_t default_hpage(void)
{
    char line[128];
    size_t kb = 0;
    FILE *f = fopen("/proc/meminfo", "r");

    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* Page 0 and its neighbours: mappable here, and free now? */
static void probe_low(void)
{
    void *p;

    facts.mmap_min = read_num("/proc/sys/vm/mmap_min_addr", 65536);
    p = mmap(NULL, LOW_AREA, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED)
        munmap(p, LOW_AREA);
    if (p == NULL)
        facts.low_free = LOW_AREA;
    else if (p == MAP_FAILED && (errno == EPERM || errno == EACCES))
        facts.low_err = errno; /* the kernel refuses page 0 to us too */
}

static void probe_task_end(void)
{
#if defined(__x86_64__)
    /* TASK_SIZE: 2^47 - 4096, or 2^56 - 4096 where a hint above 47 bits
     * works (5-level paging). */
    void *hint = (void *)((uintptr_t)1 << 47);
    void *p = mmap(hint, facts.page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    if (p != MAP_FAILED)
        munmap(p, facts.page);
    facts.task_end = ((uintptr_t)1 << (p == hint ? 56 : 47)) - facts.page;
#else
    facts.task_end = (uintptr_t)1 << 48;
#endif
}

/* The errno a valid hugetlb creation gets per SHM_HUGE_* log2 (0: works):
 * which hstates exist and whether this process may use them. */
static void probe_huge(void)
{
    size_t dflt = default_hpage();

    for (unsigned log = 0; log < 64; log++) {
        int id = shmget(IPC_PRIVATE, 1,
                        IPC_CREAT | 0600 | SHM_HUGETLB | SHM_NORESERVE |
                            (int)(log << HUGE_SHIFT));
        facts.huge_err[log] = id < 0 ? errno : 0;
        facts.hpage[log] = log ? (size_t)1 << log : dflt;
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

/* SHM_STAT takes an index: the id's low 15 bits, or 24 (ipcmni_extend). */
static void probe_ids(void)
{
    union ctlbuf b;
    int id = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);

    facts.idx_mask = 0x7fff;
    if (id < 0)
        return;
    if (shmctl(id ^ (1 << 15), SHM_STAT_ANY, &b.ds) < 0)
        facts.idx_mask = 0xffffff;
    shmctl(id, IPC_RMID, NULL);
}

static void probe_memory(void)
{
    struct sysinfo si;
    struct rlimit rl;

    if (sysinfo(&si) == 0)
        facts.ram_pages =
            (unsigned long)(((uint64_t)si.totalram + si.totalswap) *
                            si.mem_unit / facts.page);
    facts.overcommit = (int)read_num("/proc/sys/vm/overcommit_memory", 0);
    facts.memlock = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? rl.rlim_cur : 0;
}

/* The validator judges sizes by shmc_limits(): it must be the kernel's. */
static void check_limits(void)
{
    const struct shmc_limits *l = facts.lim;
    union ctlbuf b;

    if (shmctl(0, IPC_INFO, &b.ds) < 0 || b.info.shmmax != l->shmmax ||
        b.info.shmall != l->shmall || b.info.shmmni != l->shmmni) {
        fprintf(stderr,
                "fuzz_validator: shmc_limits() (shmmax %zu, shmall "
                "%lu, shmmni %lu) is not the kernel's IPC_INFO\n",
                l->shmmax, l->shmall, l->shmmni);
        abort();
    }
    if (facts.ns && (shmctl(0, SHM_INFO, &b.ds) < 0 || b.sinfo.used_ids != 0)) {
        fprintf(stderr, "fuzz_validator: the new IPC namespace is not empty\n");
        abort();
    }
}

void setup(void)
{
    facts.ns = unshare(CLONE_NEWIPC) == 0;
    if (!facts.ns) {
        int e = errno, guarded = guard_start() == 0;
        fprintf(stderr,
                "fuzz_validator: unshare(CLONE_NEWIPC): %s; running in this "
                "IPC namespace with IPC_PRIVATE keys and own ids only%s\n",
                strerror(e),
                guarded ? ", a guard removing what a crashed input leaves"
                        : " (no guard: a crashed input's segments stay)");
    }
    facts.lim = shmc_limits(); /* cached now: this namespace's limits */
    facts.page = (size_t)sysconf(_SC_PAGESIZE);
    facts.uid = geteuid();
    facts.gid = getegid();
    facts.init_priv = facts.uid == 0 && initial_userns();
    facts.priv = facts.ns ? facts.uid == 0 : facts.init_priv;
    if (stat("/", &facts.root) != 0) {
        perror("fuzz_validator: stat /");
        abort();
    }
    probe_memory();
    probe_low();
    probe_task_end();
    probe_huge();
    probe_ids();
    check_limits();
}
