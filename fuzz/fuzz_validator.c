/*
 * fuzz_validator.c - differential target: the validator against the kernel.
 *
 * Property. The input picks a shmget key, size and flags (after an optional
 * pre-created segment on the same key), an shmat id, address and flags, an
 * shmctl id, command, buffer and IPC_SET mode, an shmdt address and an ftok
 * project number. Each call is judged by shmc_validate_* and then made for
 * real, in a private IPC namespace, with the same arguments. The verdict
 * must match what the kernel (for proj: libc's ftok) did:
 *   accepted -> the kernel succeeds, or fails only for one of the state or
 *     resource reasons listed below for that call, and only when the
 *     harness, which knows the namespace's whole state, sees it hold;
 *   refused  -> the kernel refuses too: with EINVAL (ENOMEM or EINVAL for
 *     SHMC_E_AT_ADDR_RANGE, EFAULT for SHMC_E_CTL_BUF_NULL), or with the
 *     error of a state check it makes first (ENOENT/EEXIST from the key
 *     lookup, EINVAL/EACCES from the id lookup);
 *   or the refusal is a deliberately stricter rule (table below): the kernel
 *     lets the call through, the oracle rewrites the arguments the way the
 *     kernel reads them and judges the rewritten call again.
 * Anything else prints the call, its arguments, the verdict (shmc_errname)
 * and the kernel's result and errno, and aborts. Every input then detaches
 * and removes all it made, and the namespace must be empty again.
 *
 * Deliberately stricter rules: refused on purpose, let through by the
 * kernel. The oracle rewrites such a call the way the kernel reads it and
 * judges the rewritten call again.
 *
 *  rule, verdict (when)            kernel does        why it is refused
 *  R_KEY_M1 KEY_FTOK_FAILED        an ordinary key    ftok's failure value:
 *   (key == (key_t)-1)                                an unchecked ftok
 *  R_GET_UNKNOWN GET_FLAGS_UNKNOWN ignores them       a typo, or another
 *   (bits 13-25)                                      call's flag: no effect
 *  R_EXCL_ALONE                    ignores IPC_EXCL   meant an exclusive
 *   GET_EXCL_WITHOUT_CREAT                            create, gets an open
 *  R_HUGE_ALONE                    ignores the size   the page size asked
 *   GET_HUGE_WITHOUT_HUGETLB       bits               for is dropped
 *  R_JOIN_HUGE                     ignores creation   flags are judged alone;
 *   GET_HUGE_SIZE_UNKNOWN on a     flags on a join    the same call creating
 *   join (key exists, no EXCL;                        gets EINVAL
 *   or no IPC_CREAT)
 *  R_CREAT_ZERO SIZE_ZERO with     joins: 0 means     works only because the
 *   IPC_CREAT, key exists, no EXCL any size           key happens to exist
 *  R_HUGE_BIG SIZE_TOO_BIG for a   creates: hugetlbfs objects beyond
 *   hugetlb create, PTRDIFF_MAX <  has no file-size   PTRDIFF_MAX break
 *   size <= SHMMAX                 limit (1 GiB pages pointer differences;
 *                                  can wrap the       shmem refuses them
 *                                  length to 0)       (EINVAL)
 *  R_AT_UNKNOWN AT_FLAGS_UNKNOWN   ignores them       as R_GET_UNKNOWN
 *  R_AT_PAGE0 AT_ADDR_LOW (SHM_RND maps at 0, fixed,  a mapping at NULL
 *   rounds 0 < addr < SHMLBA to    no overlap check;  hides null-pointer
 *   0, no SHM_REMAP)               EPERM below        bugs
 *                                  mmap_min_addr
 *                                  unprivileged
 *  R_DT_NULL DT_ADDR for NULL      detaches it        follows from
 *   while attached at 0                               R_AT_PAGE0
 *  R_BUF_PAGE0 CTL_BUF_NULL while  uses address 0 as  follows from
 *   attached at 0                  the buffer (EFAULT R_AT_PAGE0
 *                                  if SHM_RDONLY and
 *                                  it writes)
 *  R_SET_MODE CTL_SET_MODE         keeps mode & 0777  bits silently dropped
 *   (IPC_SET mode > 0777)
 *  R_PROJ PROJ_RANGE (proj         ftok uses          aliases another
 *   outside 1..255)                proj & 0xff        number; 0 is reserved
 *
 * State and resource reasons allowed after an accepted call:
 *  shmget  key exists: EEXIST (IPC_CREAT|IPC_EXCL), EINVAL (segment smaller
 *          than size), EACCES (mode, unprivileged); else returns its id.
 *          key absent, no IPC_CREAT: ENOENT. Creating: ENOSPC (SHMALL pages
 *          or SHMMNI ids used up); ENOMEM (accounting: size beyond about
 *          RAM+swap without SHM_NORESERVE, or any size under overcommit 2);
 *          SHM_HUGETLB: the errno the start-up probe got for that page size
 *          (EINVAL no such hstate, EPERM not allowed...), ENOMEM without
 *          SHM_NORESERVE (empty pool).
 *  shmat   EINVAL no segment has the id; EACCES (mode, unprivileged); EINVAL
 *          [addr, addr+len) overlaps a mapping (confirmed by a
 *          MAP_FIXED_NOREPLACE probe), hugetlb address off its page size,
 *          mapped length 0 (R_HUGE_BIG wrap), or addr+len wraps; ENOMEM
 *          end beyond TASK_SIZE, or no room (NULL, length > 64 GiB); EPERM
 *          below mmap_min_addr without CAP_SYS_RAWIO.
 *  shmdt   EINVAL no attachment starts at addr.
 *  shmctl  EINVAL the id (SHM_STAT*: the index) names no segment; EACCES
 *          (IPC_STAT, SHM_STAT without read permission, unprivileged);
 *          EPERM/ENOMEM (SHM_LOCK against RLIMIT_MEMLOCK, unprivileged).
 *
 * Safety. The kernel maps without checking for overlaps in two cases: with
 * SHM_REMAP, and when SHM_RND rounds the address to 0. SHM_REMAP is kept
 * only when the segment fits inside the harness's own PROT_NONE
 * reservation, still mapped (so what it replaces is always ours), or when
 * the kernel refuses before mapping (NULL, unaligned without SHM_RND,
 * rounded to 0, unknown id); otherwise it is cleared before both the
 * validator and the kernel see the call. A page-0 attach is kept only for a
 * segment that fits [0, 64 KiB), found free at start. A non-SHM_REMAP attach
 * is safe anywhere: the kernel refuses overlaps. shmdt only gets NULL,
 * unaligned, page-0-area, beyond-user-space, reservation or own-attachment
 * addresses, never the start of a mapping the harness did not make (the
 * AFL++ map is a System V attachment too).
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
 * that every id it made is gone instead of the namespace being empty.
 *
 * Input (little-endian, bytes past the end read as 0):
 *   0  u8  ops: 1 pre-create, 2 shmat, 4 shmctl, 8 shmdt, 16 ftok, 32 raw
 *          64-bit shmget size (else size & 0xfffff), 64 shmctl before
 *          shmat, 128 shmdt twice
 *   1  u8  key: bits 0-2 {IPC_PRIVATE, KEY_A, KEY_B, -1, ftok("/", proj),
 *          raw x3}; bits 3-4 pre-create size {1, 4096, 8193, 65536};
 *          bits 5-7 pre-create mode {0600,0400,0,0644,0200,0666,0700,0777}
 *   2  u32 raw key          6 u64 size          14 u32 shmget flags
 *   18 u8  shmat: bits 0-1 id {last made, first made, raw, raw}; bits 2-4
 *          address {NULL, reservation+v x2, v & 0xffff, TASK_SIZE - v,
 *          TASK_SIZE + v, 2^(v&63) + (v>>8 & 0xfff), raw}; bit 7 keep the
 *          reservation mapped under a non-SHM_REMAP attach
 *   19 u32 raw id           23 u64 address value 31 u32 shmat flags
 *   35 u8  shmctl: bits 0-1 id; 4 NULL buffer; 8 uid -1; 16 gid -1;
 *          32 small command (low byte % 18 - 2)
 *   36 u32 raw id           40 u32 command       44 u32 IPC_SET mode
 *   48 u8  shmdt address {NULL, attachment+(v&0x1fff) x3, reservation+v,
 *          v & 0xffff, TASK_SIZE + v, raw}
 *   49 u64 address value    57 u32 proj
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "shmcheck.h"

/* include/uapi/linux/shm.h, which clashes with <sys/shm.h>. */
#define HUGE_SHIFT 26
#define HUGE_BITS ((int)(0x3fu << HUGE_SHIFT))
/* The bits of shmget's and shmat's flags the kernel reads at all. */
#define GET_READ \
    (0777 | IPC_CREAT | IPC_EXCL | SHM_HUGETLB | SHM_NORESERVE | HUGE_BITS)
#define AT_READ (SHM_RDONLY | SHM_RND | SHM_EXEC | SHM_REMAP)

#define KEY_A ((key_t)0x5643a001) /* the key a pre-create uses */
#define KEY_B ((key_t)0x5643b002) /* never created: a join gets ENOENT */
#define REGION_LEN ((size_t)8 << 20)
#define REGION_ALIGN ((size_t)2 << 20)
#define LOW_AREA ((size_t)64 << 10)
#define NULL_ROOM ((size_t)1 << 36) /* a NULL attach this long finds room */
#define MAX_SEGS 2
#define MAX_ATTS 2

enum rule {
    R_KEY_M1,
    R_GET_UNKNOWN,
    R_EXCL_ALONE,
    R_HUGE_ALONE,
    R_JOIN_HUGE,
    R_CREAT_ZERO,
    R_HUGE_BIG,
    R_AT_UNKNOWN,
    R_AT_PAGE0,
    R_DT_NULL,
    R_BUF_PAGE0,
    R_SET_MODE,
    R_PROJ,
    R_COUNT
};
static const char *const rule_names[R_COUNT] = {
    "R_KEY_M1",    "R_GET_UNKNOWN", "R_EXCL_ALONE", "R_HUGE_ALONE",
    "R_JOIN_HUGE", "R_CREAT_ZERO",  "R_HUGE_BIG",   "R_AT_UNKNOWN",
    "R_AT_PAGE0",  "R_DT_NULL",     "R_BUF_PAGE0",  "R_SET_MODE",
    "R_PROJ"};

/* Facts about this process and kernel, set once by LLVMFuzzerInitialize. */
static struct {
    int ns;        /* in a private IPC namespace                         */
    int priv;      /* CAP_IPC_OWNER/SYS_ADMIN/IPC_LOCK over the namespace */
    int init_priv; /* root of the initial user namespace (capable())     */
    const struct shmc_limits *lim;
    size_t page;
    uintptr_t task_end, mmap_min;
    int low_err;     /* errno mapping below mmap_min_addr gets (0: maps) */
    size_t low_free; /* [0, low_free) was free at start                  */
    int huge_err[64];
    size_t hpage[64];
    unsigned long ram_pages; /* RAM + swap */
    int overcommit;
    unsigned idx_mask; /* id -> index, for SHM_STAT */
    rlim_t memlock;
    uid_t uid;
    gid_t gid;
    struct stat root; /* "/" for ftok */
} cfg;

struct seg {
    int id, live, marked, nattch;
    key_t key; /* IPC_PRIVATE once marked */
    size_t size, len, hpage;
    unsigned mode;
};
struct att {
    uintptr_t addr;
    struct seg *seg;
    int flg;
};
/* Everything one input made; on the stack, reset every run. */
struct run {
    struct seg segs[MAX_SEGS];
    struct att atts[MAX_ATTS];
    int nsegs, natts, failing;
    char *map; /* the reservation: [map, map + map_len), base aligned */
    size_t map_len;
    uintptr_t base;
    int reserved;
};

/* What the kernel may answer: success, and these errnos. */
struct expect {
    int ok;
    uint64_t errs;
    uintptr_t probe_addr; /* EINVAL too if [addr, addr+len) is mapped */
    size_t probe_len;
    unsigned rules;
    enum shmc_err verdict, final;
};
#define EB(e) ((uint64_t)1 << (e))

union ctlbuf {
    struct shmid_ds ds;
    struct shminfo info;
    struct shm_info sinfo;
};

struct in {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct in *in, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes && in->n > 0; i++, in->n--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

static struct expect success(void)
{
    return (struct expect){.ok = 1};
}

static struct expect only(int err)
{
    return (struct expect){.errs = EB(err)};
}

/* ---- the model of this input's segments and attachments ---- */

static struct seg *find_id(struct run *r, int id)
{
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && r->segs[i].id == id)
            return &r->segs[i];
    return NULL;
}

static struct seg *find_idx(struct run *r, int idx)
{
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && ((unsigned)r->segs[i].id & cfg.idx_mask) ==
                                   ((unsigned)idx & cfg.idx_mask))
            return &r->segs[i];
    return NULL;
}

static struct seg *find_key(struct run *r, key_t key)
{
    for (int i = 0; key != IPC_PRIVATE && i < r->nsegs; i++)
        if (r->segs[i].live && r->segs[i].key == key)
            return &r->segs[i];
    return NULL;
}

static struct att *find_att(struct run *r, uintptr_t addr)
{
    for (int i = 0; i < r->natts; i++)
        if (r->atts[i].addr == addr)
            return &r->atts[i];
    return NULL;
}

static unsigned long pages_of(size_t size)
{
    return size / cfg.page + (size % cfg.page != 0);
}

/* The reservation, mapped PROT_NONE on first use; returns its base. */
static uintptr_t region(struct run *r)
{
    if (r->map == NULL) {
        r->map_len = REGION_LEN + REGION_ALIGN;
        r->map = mmap(NULL, r->map_len, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r->map == MAP_FAILED) {
            perror("fuzz_validator: mmap reservation");
            abort();
        }
        r->base = ((uintptr_t)r->map + REGION_ALIGN - 1) & ~(REGION_ALIGN - 1);
        r->reserved = 1;
    }
    return r->base;
}

static int in_map(const struct run *r, uintptr_t a)
{
    return r->map && a >= (uintptr_t)r->map &&
           a - (uintptr_t)r->map < r->map_len;
}

/* 1 when something is mapped in [a, a+len) (clipped to user space). */
static int overlaps(uintptr_t a, size_t len)
{
    size_t n = a + len < a || a + len > cfg.task_end ? cfg.task_end - a : len;
    void *p;

    if (a >= cfg.task_end || n == 0)
        return 0;
    p = mmap((void *)a, n, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
             -1, 0);
    if (p == MAP_FAILED)
        return errno == EEXIST;
    munmap(p, n);
    return p != (void *)a; /* an old kernel took it as a hint */
}

/* ---- reporting ---- */

static void sweep(void);
static void cleanup(struct run *r);

static int allowed(const struct expect *e, int err)
{
    if (err == 0)
        return e->ok;
    if (err < 64 && (e->errs & EB(err)))
        return 1;
    return err == EINVAL && e->probe_len &&
           overlaps(e->probe_addr, e->probe_len);
}

static void fail(struct run *r, const char *what, const struct expect *e,
                 long ret, int err, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\nfuzz_validator: %s\n  call:      ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (e) {
        fprintf(stderr, "\n  validator: %s", shmc_errname(e->verdict));
        for (int i = 0; i < R_COUNT; i++)
            if (e->rules & (1u << i))
                fprintf(stderr, " -> deliberate %s", rule_names[i]);
        if (e->rules)
            fprintf(stderr, " -> %s", shmc_errname(e->final));
        fprintf(stderr, "\n  kernel:    %ld, %s\n  allowed:  %s", ret,
                err ? strerrorname_np(err) : "success",
                e->ok ? " success" : "");
        for (int i = 1; i < 64; i++)
            if (e->errs & EB(i))
                fprintf(stderr, " %s", strerrorname_np(i));
        if (e->probe_len)
            fprintf(stderr, " EINVAL-if-[%#zx,+%#zx)-is-mapped",
                    (size_t)e->probe_addr, e->probe_len);
    }
    fprintf(stderr, "\n");
    r->failing = 1;
    cleanup(r);
    sweep();
    abort();
}

#define CHECK(r, e, ret, err, ...)                                         \
    do {                                                                   \
        if (!allowed(&(e), (err)))                                         \
            fail((r), "validator and kernel disagree", &(e), (ret), (err), \
                 __VA_ARGS__);                                             \
    } while (0)

/* ---- shmget ---- */

static struct expect get_state(struct run *r, const struct seg *s, key_t key,
                               size_t size, int flg)
{
    unsigned long pages = pages_of(size), used = 0;
    int creat = flg & IPC_CREAT, live = 0;
    struct expect e = success();

    if (s) {
        if (creat && (flg & IPC_EXCL))
            return only(EEXIST);
        if (size > s->size)
            return only(EINVAL); /* shm_more_checks */
        if (!cfg.priv &&
            (((unsigned)flg >> 6 | (unsigned)flg >> 3 | (unsigned)flg) & 7 &
             ~(s->mode >> 6)))
            return only(EACCES);
        return e;
    }
    if (key != IPC_PRIVATE && !creat)
        return only(ENOENT);
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live)
            used += pages_of(r->segs[i].size), live++;
    if ((unsigned long)live >= cfg.lim->shmmni || pages > cfg.lim->shmall ||
        used > cfg.lim->shmall - pages)
        return only(ENOSPC);
    if (flg & SHM_HUGETLB) {
        int err = cfg.huge_err[((unsigned)flg >> HUGE_SHIFT) & 0x3f];
        if (err)
            return only(err);
        if (!(flg & SHM_NORESERVE))
            e.errs |= EB(ENOMEM); /* the pool */
    } else if (cfg.overcommit == 2) {
        e.errs |= EB(ENOMEM);
    } else if (cfg.overcommit == 0 && !(flg & SHM_NORESERVE)) {
        if (pages > cfg.ram_pages / 2)
            e.errs |= EB(ENOMEM);
        e.ok = pages <= cfg.ram_pages * 2;
    }
    return e;
}

static struct expect via(enum rule rule, enum shmc_err v, struct expect e)
{
    e.rules |= 1u << rule;
    e.verdict = v;
    return e;
}

/* vkey is what the validator sees, key what the kernel looks up. */
static struct expect expect_get(struct run *r, key_t vkey, key_t key,
                                size_t size, int flg)
{
    enum shmc_err v = shmc_validate_get(vkey, size, flg, cfg.lim);
    const struct seg *s = find_key(r, key);
    int creat = flg & IPC_CREAT, excl = flg & IPC_EXCL;
    int joins = key != IPC_PRIVATE && (s ? !(creat && excl) : !creat);
    struct expect e;

    switch (v) {
    case SHMC_OK:
        e = get_state(r, s, key, size, flg);
        e.verdict = e.final = v;
        return e;
    /* Each rule holds only when its condition does; the rewrite removes
     * that condition, so the recursion ends. */
    case SHMC_E_KEY_FTOK_FAILED:
        if (vkey == (key_t)-1)
            return via(R_KEY_M1, v, expect_get(r, KEY_B, key, size, flg));
        break;
    case SHMC_E_GET_FLAGS_UNKNOWN:
        if (flg & ~GET_READ)
            return via(R_GET_UNKNOWN, v,
                       expect_get(r, vkey, key, size, flg & GET_READ));
        break;
    case SHMC_E_GET_EXCL_WITHOUT_CREAT:
        if (excl && !creat)
            return via(R_EXCL_ALONE, v,
                       expect_get(r, vkey, key, size, flg & ~IPC_EXCL));
        break;
    case SHMC_E_GET_HUGE_WITHOUT_HUGETLB:
        if ((flg & HUGE_BITS) && !(flg & SHM_HUGETLB))
            return via(R_HUGE_ALONE, v,
                       expect_get(r, vkey, key, size, flg & ~HUGE_BITS));
        break;
    case SHMC_E_GET_HUGE_SIZE_UNKNOWN:
        if (joins && (flg & HUGE_BITS))
            return via(R_JOIN_HUGE, v,
                       expect_get(r, vkey, key, size,
                                  flg & ~(SHM_HUGETLB | HUGE_BITS)));
        break;
    case SHMC_E_SIZE_ZERO:
        if (s && creat && !excl)
            return via(R_CREAT_ZERO, v,
                       expect_get(r, vkey, key, size, flg & ~IPC_CREAT));
        break;
    case SHMC_E_SIZE_TOO_BIG:
        if (!s && !joins && (flg & SHM_HUGETLB) && size <= cfg.lim->shmmax)
            return via(R_HUGE_BIG, v, get_state(r, NULL, key, size, flg));
        break;
    default:
        break;
    }
    /* Refused: the key lookup comes before every argument check. */
    e = only(s ? (creat && excl ? EEXIST : EINVAL)
               : (key != IPC_PRIVATE && !creat ? ENOENT : EINVAL));
    e.verdict = e.final = v;
    return e;
}

static void do_get(struct run *r, key_t key, size_t size, int flg)
{
    struct expect e = expect_get(r, key, key, size, flg);
    struct seg *s = find_key(r, key);
    int id, err;

    errno = 0;
    id = shmget(key, size, flg);
    err = id < 0 ? errno : 0;
    CHECK(r, e, id, err, "shmget(key=%#x, size=%#zx, shmflg=%#x)",
          (unsigned)key, size, (unsigned)flg);
    if (id < 0)
        return;
    if (s ? id != s->id : find_id(r, id) != NULL || r->nsegs == MAX_SEGS)
        fail(r, "shmget returned an unexpected id", &e, id, 0,
             "shmget(key=%#x, size=%#zx, shmflg=%#x), joined id %d",
             (unsigned)key, size, (unsigned)flg, s ? s->id : -1);
    if (s)
        return;
    s = &r->segs[r->nsegs++];
    *s = (struct seg){.id = id,
                      .live = 1,
                      .key = key,
                      .size = size,
                      .mode = (unsigned)flg & 0777};
    if (flg & SHM_HUGETLB)
        s->hpage = cfg.hpage[((unsigned)flg >> HUGE_SHIFT) & 0x3f];
    /* What shmat maps: i_size, rounded to the page; it can wrap to 0. */
    s->len = size + (s->hpage ? s->hpage : cfg.page) - 1;
    s->len &= ~((s->hpage ? s->hpage : cfg.page) - 1);
}

/* ---- shmat ---- */

static struct expect at_state(const struct seg *s, uintptr_t a, int fixed,
                              int flg)
{
    unsigned acc = (flg & SHM_RDONLY ? 4 : 6) | (flg & SHM_EXEC ? 1 : 0);
    struct expect e = success();
    size_t len;

    if (s == NULL)
        return only(EINVAL);
    if (!cfg.priv && (acc & ~(s->mode >> 6) & 7))
        return only(EACCES);
    if ((len = s->len) == 0)
        return only(EINVAL); /* do_mmap of nothing */
    if (!fixed) {
        if (len > NULL_ROOM)
            e.errs |= EB(ENOMEM);
        e.ok = len <= cfg.task_end;
        return e;
    }
    if (a + len < a) {
        e.ok = 0;
        e.errs |= EB(EINVAL) | EB(ENOMEM);
    } else if (a && !(flg & SHM_REMAP)) {
        e.probe_addr = a; /* find_vma_intersection */
        e.probe_len = len;
    }
    if (s->hpage && (a & (s->hpage - 1)))
        e.ok = 0, e.errs |= EB(EINVAL);
    if (len > cfg.task_end || a > cfg.task_end - len)
        e.ok = 0, e.errs |= EB(ENOMEM);
    if (a < cfg.mmap_min && cfg.low_err)
        e.ok = 0, e.errs |= EB(cfg.low_err);
    return e;
}

static struct expect expect_at(struct run *r, int id, uintptr_t addr, int flg)
{
    enum shmc_err v = shmc_validate_at(id, (const void *)addr, flg, cfg.lim);
    uintptr_t a = addr;
    struct expect e;

    if ((flg & SHM_RND) && (a & (cfg.lim->shmlba - 1)))
        a &= ~(uintptr_t)(cfg.lim->shmlba - 1);
    switch (v) {
    case SHMC_OK:
        e = at_state(find_id(r, id), a, addr != 0, flg);
        break;
    case SHMC_E_AT_FLAGS_UNKNOWN:
        if (flg & ~AT_READ)
            return via(R_AT_UNKNOWN, v, expect_at(r, id, addr, flg & AT_READ));
        e = only(EINVAL);
        break;
    case SHMC_E_AT_ADDR_LOW:
        if (!(flg & SHM_REMAP) && addr && a == 0)
            return via(R_AT_PAGE0, v, at_state(find_id(r, id), 0, 1, flg));
        e = only(EINVAL);
        break;
    case SHMC_E_AT_ADDR_RANGE:
        /* Refused after the lookup, by do_mmap or the wrap check. */
        e = at_state(find_id(r, id), a, 1, flg);
        e.ok = 0;
        break;
    default:
        e = only(EINVAL); /* id < 0, alignment, SHM_REMAP: before lookup */
        break;
    }
    e.verdict = e.final = v;
    return e;
}

/* Clears SHM_REMAP or SHM_RND where the kernel would map without its
 * overlap check over memory that is not ours to lose (see Safety). */
static int make_safe(struct run *r, int id, uintptr_t addr, int flg)
{
    const struct seg *s = find_id(r, id);
    uintptr_t a = addr, lba = cfg.lim->shmlba;

    if (s == NULL || addr == 0)
        return flg;
    if (a & (lba - 1)) {
        if (!(flg & SHM_RND))
            return flg;
        a &= ~(lba - 1);
    }
    if (a == 0)
        return (flg & SHM_REMAP) || cfg.low_err || s->len <= cfg.low_free
                   ? flg
                   : flg & ~SHM_RND;
    if ((flg & SHM_REMAP) &&
        !(r->reserved && a >= r->base && s->len <= REGION_LEN &&
          a - r->base <= REGION_LEN - s->len))
        flg &= ~SHM_REMAP;
    return flg;
}

static uintptr_t at_addr(struct run *r, unsigned cls, uint64_t v)
{
    switch (cls & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
        return region(r) + (uintptr_t)(v & (2 * REGION_LEN - 1));
    case 3:
        return (uintptr_t)(v & (LOW_AREA - 1));
    case 4:
        return cfg.task_end - (uintptr_t)(v & 0xffffff);
    case 5:
        return cfg.task_end + (uintptr_t)(v & 0xffffff);
    case 6:
        return ((uintptr_t)1 << (v & 63)) + (uintptr_t)(v >> 8 & 0xfff);
    default:
        return (uintptr_t)v;
    }
}

/* An id of this input, or a raw one. Outside a namespace a raw id that is
 * not ours is made negative, unless the call ignores it (any): never
 * another process's segment. */
static int pick_id(struct run *r, unsigned cls, uint32_t raw, int any)
{
    int id = (int)raw;

    if ((cls & 3) < 2 && r->nsegs)
        id = r->segs[(cls & 3) == 0 ? r->nsegs - 1 : 0].id;
    if (!cfg.ns && !any && find_id(r, id) == NULL)
        id = (int)((unsigned)id | 0x80000000u);
    return id;
}

static void do_at(struct run *r, unsigned sel, uint32_t raw, uint64_t v,
                  int flg)
{
    int id = pick_id(r, sel, raw, 0);
    uintptr_t addr = at_addr(r, sel >> 2, v);
    struct expect e;
    void *p;
    int err;

    flg = make_safe(r, id, addr, flg);
    if (r->reserved && in_map(r, addr) && !(flg & SHM_REMAP) && !(sel & 128)) {
        munmap(r->map, r->map_len); /* free space for a fixed attach */
        r->reserved = 0;
    }
    e = expect_at(r, id, addr, flg);
    errno = 0;
    p = shmat(id, (void *)addr, flg);
    err = p == (void *)-1 ? errno : 0;
    CHECK(r, e, err ? -1 : (long)p, err,
          "shmat(shmid=%d, addr=%#zx, shmflg=%#x)", id, (size_t)addr,
          (unsigned)flg);
    if (err)
        return;
    struct seg *s = find_id(r, id);
    uintptr_t want =
        addr & ~(uintptr_t)(flg & SHM_RND ? cfg.lim->shmlba - 1 : 0);
    if (s == NULL || r->natts == MAX_ATTS ||
        (addr ? (uintptr_t)p != want
              : (uintptr_t)p & ((s->hpage ? s->hpage : cfg.lim->shmlba) - 1)))
        fail(r, "shmat attached an unexpected segment or address", &e, (long)p,
             0, "shmat(shmid=%d, addr=%#zx, shmflg=%#x)", id, (size_t)addr,
             (unsigned)flg);
    r->atts[r->natts++] = (struct att){(uintptr_t)p, s, flg};
    s->nattch++;
}

/* ---- shmdt ---- */

static void do_dt(struct run *r, uintptr_t addr)
{
    enum shmc_err v = shmc_validate_dt((const void *)addr, cfg.lim);
    struct att *t = find_att(r, addr);
    struct expect e = v == SHMC_OK && t ? success() : only(EINVAL);
    int rc, err;

    e.verdict = e.final = v;
    if (v == SHMC_E_DT_ADDR && addr == 0 && t)
        e = via(R_DT_NULL, v, success());
    errno = 0;
    rc = shmdt((const void *)addr);
    err = rc ? errno : 0;
    if (!r->failing)
        CHECK(r, e, rc, err, "shmdt(addr=%#zx)", (size_t)addr);
    if (rc == 0 && t) {
        struct seg *s = t->seg;
        if (--s->nattch == 0 && s->marked)
            s->live = 0;
        *t = r->atts[--r->natts];
    }
}

/* Never the start of a mapping the harness did not make (see Safety). */
static uintptr_t dt_addr(struct run *r, unsigned cls, uint64_t v)
{
    uintptr_t a = (uintptr_t)v;

    switch (cls & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3: /* near an attachment: the next page may be someone else's */
        if (r->natts) {
            a = r->atts[0].addr + (uintptr_t)(v & 0x1fff);
            break;
        }
        /* fall through */
    case 4: /* up to 16 MiB past the reservation's base: past its end
             * lie other mappings, AFL++'s System V map among them, so the
             * checks below apply (an AFL++ run detached its map here) */
        a = region(r) + (uintptr_t)(v & (2 * REGION_LEN - 1));
        break;
    case 5:
        return (uintptr_t)(v & (LOW_AREA - 1));
    case 6:
        a = cfg.task_end + (uintptr_t)(v & 0xffffff);
        break;
    }
    if ((a & (cfg.page - 1)) || a < LOW_AREA || a >= cfg.task_end ||
        in_map(r, a))
        return a;
    for (int i = 0; i < r->natts; i++)
        if (a >= r->atts[i].addr && a - r->atts[i].addr < r->atts[i].seg->len)
            return a;
    return region(r) + (a & (REGION_LEN - 1));
}

/* ---- shmctl ---- */

static struct expect ctl_state(struct run *r, int id, int cmd)
{
    int stat = cmd == SHM_STAT || cmd == SHM_STAT_ANY;
    const struct seg *s = stat ? find_idx(r, id) : find_id(r, id);
    struct expect e = success();

    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return e; /* whole-namespace queries */
    if (s == NULL)
        return only(EINVAL);
    if ((cmd == IPC_STAT || cmd == SHM_STAT) && !cfg.priv && !(s->mode & 0400))
        return only(EACCES);
    if (cmd == SHM_LOCK && !cfg.priv && cfg.memlock == 0)
        return only(EPERM);
    if (cmd == SHM_LOCK && !cfg.init_priv)
        e.errs |= EB(ENOMEM); /* user_shm_lock over RLIMIT_MEMLOCK */
    return e;
}

static struct expect expect_ctl(struct run *r, int id, int cmd,
                                const union ctlbuf *buf)
{
    enum shmc_err v = shmc_validate_ctl(id, cmd, buf);
    int lookup_first =
        cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY;
    const struct att *t;
    struct expect e;

    switch (v) {
    case SHMC_OK:
        e = ctl_state(r, id, cmd);
        break;
    case SHMC_E_CTL_SET_MODE:
        if (buf && (buf->ds.shm_perm.mode & ~0777u)) {
            union ctlbuf b = *buf;
            b.ds.shm_perm.mode &= 0777;
            return via(R_SET_MODE, v, expect_ctl(r, id, cmd, &b));
        }
        e = only(EINVAL);
        break;
    case SHMC_E_CTL_BUF_NULL:
        if ((t = find_att(r, 0)) != NULL) {
            /* The user pointer NULL is our page-0 attachment: copied from
             * (IPC_SET reads zeros: mode 0, uid 0, gid 0) or into. */
            e = ctl_state(r, id, cmd);
            if (e.ok && (t->flg & SHM_RDONLY) && cmd != IPC_SET)
                e.ok = 0, e.errs |= EB(EFAULT);
            return via(R_BUF_PAGE0, v, e);
        }
        /* STAT commands look the id up before they copy out. */
        e = lookup_first ? ctl_state(r, id, cmd) : success();
        e.errs |= e.ok ? EB(EFAULT) : 0;
        e.ok = 0;
        break;
    default:
        e = only(EINVAL);
        break;
    }
    e.verdict = e.final = v;
    return e;
}

static void do_ctl(struct run *r, int id, int cmd, union ctlbuf *buf)
{
    struct expect e = expect_ctl(r, id, cmd, buf);
    struct seg *s = cmd == SHM_STAT || cmd == SHM_STAT_ANY ? find_idx(r, id)
                                                           : find_id(r, id);
    unsigned mode = buf ? (unsigned)buf->ds.shm_perm.mode : 0;
    int rc, err;

    errno = 0;
    rc = shmctl(id, cmd, buf ? &buf->ds : NULL);
    err = rc < 0 ? errno : 0;
    if (r->failing)
        return;
    CHECK(r, e, rc, err,
          "shmctl(shmid=%d, cmd=%d, buf=%s): buf mode %#o, "
          "uid %d, gid %d",
          id, cmd, buf ? "&buf" : "NULL", mode,
          buf ? (int)buf->ds.shm_perm.uid : 0,
          buf ? (int)buf->ds.shm_perm.gid : 0);
    if (rc >= 0 && s && (cmd == SHM_STAT || cmd == SHM_STAT_ANY) && rc != s->id)
        fail(r, "SHM_STAT returned another id", &e, rc, 0,
             "shmctl(shmid=%d, cmd=%d), expected id %d", id, cmd, s->id);
    if (rc < 0 || s == NULL)
        return;
    if (cmd == IPC_SET)
        s->mode = mode & 0777;
    if (cmd == IPC_RMID) {
        s->marked = 1;
        s->key = IPC_PRIVATE;
        s->live = s->nattch > 0;
    }
}

/* ---- ftok: the project number ---- */

static void do_proj(struct run *r, int proj)
{
    enum shmc_err v = shmc_validate_proj(proj);
    key_t key = ftok("/", proj);
    key_t want = (key_t)(((unsigned)proj & 0xff) << 24 |
                         ((unsigned)cfg.root.st_dev & 0xff) << 16 |
                         ((unsigned)cfg.root.st_ino & 0xffff));
    /* ftok keeps the low byte only; an accepted number must survive. */
    int exact = ((unsigned)key >> 24) == (unsigned)proj && proj != 0;

    if (key != want || (v == SHMC_OK) != exact ||
        (v != SHMC_OK && v != SHMC_E_PROJ_RANGE))
        fail(r, "validator and ftok disagree", NULL, key, 0,
             "ftok(\"/\", proj=%d) = %#x (libc formula %#x); validator %s, "
             "deliberate R_PROJ covers only proj outside 1..255",
             proj, (unsigned)key, (unsigned)want, shmc_errname(v));
}

/* ---- cleanup and the namespace check ---- */

static void cleanup(struct run *r)
{
    while (r->natts > 0) {
        int n = r->natts;
        do_dt(r, r->atts[n - 1].addr);
        if (r->natts == n) /* failing, and shmdt failed: forget it */
            r->natts--;
    }
    for (int i = 0; i < r->nsegs; i++)
        if (r->segs[i].live && !r->segs[i].marked)
            do_ctl(r, r->segs[i].id, IPC_RMID, NULL);
    if (r->map && r->reserved)
        munmap(r->map, r->map_len);
    r->map = NULL;
}

/* Removes every segment of the private namespace (after a failure). */
static void sweep(void)
{
    union ctlbuf b;
    int max;

    if (!cfg.ns || (max = shmctl(0, IPC_INFO, &b.ds)) < 0)
        return;
    for (int i = 0; i <= max; i++) {
        int id = shmctl(i, SHM_STAT_ANY, &b.ds);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

static void check_empty(struct run *r)
{
    union ctlbuf b;

    if (cfg.ns) {
        if (shmctl(0, SHM_INFO, &b.ds) < 0 || b.sinfo.used_ids != 0)
            fail(r, "segment left behind", NULL, b.sinfo.used_ids, 0,
                 "shmctl(0, SHM_INFO): used_ids after cleanup");
        return;
    }
    for (int i = 0; i < r->nsegs; i++)
        if (shmctl(r->segs[i].id, IPC_STAT, &b.ds) == 0)
            fail(r, "segment left behind", NULL, r->segs[i].id, 0,
                 "shmctl(%d, IPC_STAT) after cleanup", r->segs[i].id);
}

/* ---- entry points ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
static void setup(void);

static key_t pick_key(unsigned sel, uint32_t raw, int proj)
{
    static const key_t fixed[4] = {IPC_PRIVATE, KEY_A, KEY_B, (key_t)-1};

    if (!cfg.ns)
        return IPC_PRIVATE; /* never a host key */
    if ((sel & 7) < 4)
        return fixed[sel & 7];
    return (sel & 7) == 4 ? ftok("/", proj) : (key_t)raw;
}

/* The input, decoded in the order of the Input table. */
struct args {
    unsigned ops, ksel, asel, csel, dsel;
    uint32_t rawkey, aid, cid, cmode;
    uint64_t gsize, aaddr, daddr;
    int gflg, aflg, cmd, proj;
};

static struct args decode(const uint8_t *data, size_t size)
{
    struct in in = {data, size};
    struct args a;
    uint32_t cmd;

    a.ops = (unsigned)take(&in, 1);
    a.ksel = (unsigned)take(&in, 1);
    a.rawkey = (uint32_t)take(&in, 4);
    a.gsize = take(&in, 8);
    a.gflg = (int)take(&in, 4);
    a.asel = (unsigned)take(&in, 1);
    a.aid = (uint32_t)take(&in, 4);
    a.aaddr = take(&in, 8);
    a.aflg = (int)take(&in, 4);
    a.csel = (unsigned)take(&in, 1);
    a.cid = (uint32_t)take(&in, 4);
    cmd = (uint32_t)take(&in, 4);
    a.cmd = a.csel & 32 ? (int)(cmd & 0xff) % 18 - 2 : (int)cmd;
    a.cmode = (uint32_t)take(&in, 4);
    a.dsel = (unsigned)take(&in, 1);
    a.daddr = take(&in, 8);
    a.proj = (int)take(&in, 4);
    return a;
}

static void ctl_op(struct run *r, const struct args *a)
{
    int info = a->cmd == IPC_INFO || a->cmd == SHM_INFO; /* id unused */
    union ctlbuf buf;

    memset(&buf, 0, sizeof buf);
    /* Our own ids, or -1, which is never valid: ownership stays ours. */
    buf.ds.shm_perm.uid = a->csel & 8 ? (uid_t)-1 : cfg.uid;
    buf.ds.shm_perm.gid = a->csel & 16 ? (gid_t)-1 : cfg.gid;
    buf.ds.shm_perm.mode = (mode_t)a->cmode;
    do_ctl(r, pick_id(r, a->csel, a->cid, info), a->cmd,
           a->csel & 4 ? NULL : &buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t pre_size[4] = {1, 4096, 8193, 65536};
    static const int pre_mode[8] = {0600, 0400, 0,    0644,
                                    0200, 0666, 0700, 0777};
    struct args a = decode(data, size);
    struct run r = {0};
    key_t key;

#ifdef __AFL_COMPILER
    if (cfg.lim == NULL)
        setup(); /* in the fork-server child: see Namespace */
#endif
    key = pick_key(a.ksel, a.rawkey, a.proj);
    if (a.ops & 1)
        do_get(&r, key, pre_size[a.ksel >> 3 & 3],
               IPC_CREAT | IPC_EXCL | pre_mode[a.ksel >> 5 & 7]);
    do_get(&r, key, a.ops & 32 ? a.gsize : a.gsize & 0xfffff, a.gflg);
    if ((a.ops & 4) && (a.ops & 64))
        ctl_op(&r, &a);
    if (a.ops & 2)
        do_at(&r, a.asel, a.aid, a.aaddr, a.aflg);
    if ((a.ops & 4) && !(a.ops & 64))
        ctl_op(&r, &a);
    if (a.ops & 8) {
        uintptr_t addr = dt_addr(&r, a.dsel, a.daddr);
        do_dt(&r, addr);
        if (a.ops & 128)
            do_dt(&r, addr); /* double detach */
    }
    if (a.ops & 16)
        do_proj(&r, a.proj);
    cleanup(&r);
    check_empty(&r);
    return 0;
}

/* ---- start-up: what this kernel and process allow ---- */

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

    cfg.mmap_min = read_num("/proc/sys/vm/mmap_min_addr", 65536);
    p = mmap(NULL, LOW_AREA, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED)
        munmap(p, LOW_AREA);
    if (p == NULL)
        cfg.low_free = LOW_AREA;
    else if (p == MAP_FAILED && (errno == EPERM || errno == EACCES))
        cfg.low_err = errno; /* the kernel refuses page 0 to us too */
}

static void probe_task_end(void)
{
#if defined(__x86_64__)
    /* TASK_SIZE: 2^47 - 4096, or 2^56 - 4096 where a hint above 47 bits
     * works (5-level paging). */
    void *hint = (void *)((uintptr_t)1 << 47);
    void *p = mmap(hint, cfg.page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    if (p != MAP_FAILED)
        munmap(p, cfg.page);
    cfg.task_end = ((uintptr_t)1 << (p == hint ? 56 : 47)) - cfg.page;
#else
    cfg.task_end = (uintptr_t)1 << 48;
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
        cfg.huge_err[log] = id < 0 ? errno : 0;
        cfg.hpage[log] = log ? (size_t)1 << log : dflt;
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

/* SHM_STAT takes an index: the id's low 15 bits, or 24 (ipcmni_extend). */
static void probe_ids(void)
{
    union ctlbuf b;
    int id = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);

    cfg.idx_mask = 0x7fff;
    if (id < 0)
        return;
    if (shmctl(id ^ (1 << 15), SHM_STAT_ANY, &b.ds) < 0)
        cfg.idx_mask = 0xffffff;
    shmctl(id, IPC_RMID, NULL);
}

static void probe_memory(void)
{
    struct sysinfo si;
    struct rlimit rl;

    if (sysinfo(&si) == 0)
        cfg.ram_pages = (unsigned long)(((uint64_t)si.totalram + si.totalswap) *
                                        si.mem_unit / cfg.page);
    cfg.overcommit = (int)read_num("/proc/sys/vm/overcommit_memory", 0);
    cfg.memlock = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? rl.rlim_cur : 0;
}

/* The validator judges sizes by shmc_limits(): it must be the kernel's. */
static void check_limits(void)
{
    const struct shmc_limits *l = cfg.lim;
    union ctlbuf b;

    if (shmctl(0, IPC_INFO, &b.ds) < 0 || b.info.shmmax != l->shmmax ||
        b.info.shmall != l->shmall || b.info.shmmni != l->shmmni) {
        fprintf(stderr,
                "fuzz_validator: shmc_limits() (shmmax %zu, shmall "
                "%lu, shmmni %lu) is not the kernel's IPC_INFO\n",
                l->shmmax, l->shmall, l->shmmni);
        abort();
    }
    if (cfg.ns && (shmctl(0, SHM_INFO, &b.ds) < 0 || b.sinfo.used_ids != 0)) {
        fprintf(stderr, "fuzz_validator: the new IPC namespace is not empty\n");
        abort();
    }
}

static void setup(void)
{
    cfg.ns = unshare(CLONE_NEWIPC) == 0;
    if (!cfg.ns)
        fprintf(stderr,
                "fuzz_validator: unshare(CLONE_NEWIPC): %s; running in this "
                "IPC namespace with IPC_PRIVATE keys and own ids only\n",
                strerror(errno));
    cfg.lim = shmc_limits(); /* cached now: this namespace's limits */
    cfg.page = (size_t)sysconf(_SC_PAGESIZE);
    cfg.uid = geteuid();
    cfg.gid = getegid();
    cfg.init_priv = cfg.uid == 0 && initial_userns();
    cfg.priv = cfg.ns ? cfg.uid == 0 : cfg.init_priv;
    if (stat("/", &cfg.root) != 0) {
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#ifndef __AFL_COMPILER
    setup();
#endif
    return 0;
}
