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
 *     resource reasons validator/oracle.h lists for that call, and only when
 * the harness, which knows the namespace's whole state, sees it hold; refused
 * -> the kernel refuses too: with EINVAL (ENOMEM or EINVAL for
 *     SHMC_E_AT_ADDR_RANGE, EFAULT for SHMC_E_CTL_BUF_NULL), or with the
 *     error of a state check it makes first (ENOENT/EEXIST from the key
 *     lookup, EINVAL/EACCES from the id lookup);
 *   or the refusal is a deliberately stricter rule (validator/oracle.h): the
 * kernel lets the call through, the oracle rewrites the arguments the way the
 *     kernel reads them and judges the rewritten call again.
 * Anything else prints the call, its arguments, the verdict (shmc_errname)
 * and the kernel's result and errno, and aborts. Every input then detaches
 * and removes all it made, and the namespace must be empty again.
 *
 * The oracle (the deliberate rules, the state and resource reasons, the
 * safety of the addresses) is validator/oracle.h; each call is judged and
 * made in validator/get.c, attach.c, control.c, detach.c and proj.c; the
 * private IPC namespace and the start-up probes are validator/setup.c.
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
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "validator/oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input: bytes read little-endian, 0 past the end. */
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

static key_t pick_key(unsigned sel, uint32_t raw, int proj)
{
    static const key_t fixed[4] = {IPC_PRIVATE, KEY_A, KEY_B, (key_t)-1};

    if (!facts.ns)
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
    buf.ds.shm_perm.uid = a->csel & 8 ? (uid_t)-1 : facts.uid;
    buf.ds.shm_perm.gid = a->csel & 16 ? (gid_t)-1 : facts.gid;
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
    if (facts.lim == NULL)
        setup(); /* in the fork-server child: see validator/setup.c */
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#ifndef __AFL_COMPILER
    setup();
#endif
    return 0;
}
