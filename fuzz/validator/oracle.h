/*
 * oracle.h - what fuzz_validator's pieces in fuzz/validator/ share: the
 * facts probed at start-up, one input's segments and attachments, and the
 * answers the oracle allows the kernel for each call.
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
 */
#ifndef SHMC_FUZZ_VALIDATOR_ORACLE_H
#define SHMC_FUZZ_VALIDATOR_ORACLE_H

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>

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

/* Facts about this process and kernel, set once by setup() (setup.c). */
struct facts {
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
};
extern struct facts facts;

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

static inline struct expect success(void)
{
    return (struct expect){.ok = 1};
}

static inline struct expect only(int err)
{
    return (struct expect){.errs = EB(err)};
}

/* ---- this input's segments, attachments and reservation (run.c) ---- */

struct seg *find_id(struct run *r, int id);
/* The segment SHM_STAT's index idx names. */
struct seg *find_idx(struct run *r, int idx);
struct seg *find_key(struct run *r, key_t key);
struct att *find_att(struct run *r, uintptr_t addr);
/* The reservation, mapped PROT_NONE on first use; returns its base. */
uintptr_t region(struct run *r);
/* a lies in the reservation. */
int in_map(const struct run *r, uintptr_t a);
/* 1 when something is mapped in [a, a+len) (clipped to user space). */
int overlaps(uintptr_t a, size_t len);

/* ---- judging (verdict.c) ---- */

/* The kernel's answer (errno err, 0: success) is one e allows. */
int allowed(const struct expect *e, int err);
/* e, reached through the deliberate rule: the validator said v. */
struct expect via(enum rule rule, enum shmc_err v, struct expect e);
/* Prints what went wrong (the call: fmt), cleans up and aborts. */
__attribute__((format(printf, 6, 7))) void fail(struct run *r, const char *what,
                                                const struct expect *e,
                                                long ret, int err,
                                                const char *fmt, ...);

#define CHECK(r, e, ret, err, ...)                                         \
    do {                                                                   \
        if (!allowed(&(e), (err)))                                         \
            fail((r), "validator and kernel disagree", &(e), (ret), (err), \
                 __VA_ARGS__);                                             \
    } while (0)

/* ---- the calls, each judged and made (get.c ... proj.c) ---- */

void do_get(struct run *r, key_t key, size_t size, int flg);
/* An id of this input, or a raw one (attach.c). */
int pick_id(struct run *r, unsigned cls, uint32_t raw, int any);
void do_at(struct run *r, unsigned sel, uint32_t raw, uint64_t v, int flg);
/* The address the input's shmdt class cls and value v stand for. */
uintptr_t dt_addr(struct run *r, unsigned cls, uint64_t v);
void do_dt(struct run *r, uintptr_t addr);
void do_ctl(struct run *r, int id, int cmd, union ctlbuf *buf);
void do_proj(struct run *r, int proj);

/* ---- the end of an input (cleanup.c) and the start (setup.c) ---- */

/* Detaches and removes everything r made; unmaps the reservation. */
void cleanup(struct run *r);
/* Removes every segment of the private namespace (after a failure). */
void sweep(void);
/* The namespace (or, outside one, each id r made) is empty. */
void check_empty(struct run *r);
/* Enters a private IPC namespace and probes facts. */
void setup(void);

#endif
