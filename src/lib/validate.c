/*
 * validate.c - the validator: pure checks of shmget, shmat, shmdt and shmctl
 * arguments, each beside the kernel fact that justifies it. No system
 * calls, no errno: the library, the tracer and the fuzzers all call these.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/shm.h>
/* <linux/shm.h> clashes with <sys/shm.h>; its SHM_HUGE_* come from here. */
#include <asm-generic/hugetlb_encode.h>

#include "internal.h"

#define MODE_BITS 0777
/* Bits 26..31 carry log2 of the huge page size (SHM_HUGE_SHIFT/MASK). */
#define HUGE_SHIFT HUGETLB_FLAG_ENCODE_SHIFT
#define HUGE_MASK HUGETLB_FLAG_ENCODE_MASK
#define HUGE_BITS ((int)((unsigned)HUGE_MASK << HUGE_SHIFT))
#define GET_KNOWN \
    (MODE_BITS | IPC_CREAT | IPC_EXCL | SHM_HUGETLB | SHM_NORESERVE | HUGE_BITS)
#define AT_KNOWN (SHM_RDONLY | SHM_RND | SHM_EXEC | SHM_REMAP)

static const struct shmc_limits *limits_or_cached(const struct shmc_limits *l)
{
    return l ? l : shmc_limits();
}

enum shmc_err shmc_validate_key(key_t key)
{
    /* Any int is a key, but -1 is what a failed ftok returned. */
    return key == (key_t)-1 ? SHMC_E_KEY_FTOK_FAILED : SHMC_OK;
}

enum shmc_err shmc_validate_size(size_t size, const struct shmc_limits *lim)
{
    lim = limits_or_cached(lim);
    /* newseg(): size < SHMMIN || size > shm_ctlmax gives EINVAL. Objects
     * beyond PTRDIFF_MAX break pointer differences inside them. */
    if (size < lim->shmmin || size == 0)
        return SHMC_E_SIZE_ZERO;
    if (size > lim->shmmax || size > PTRDIFF_MAX)
        return SHMC_E_SIZE_TOO_BIG;
    return SHMC_OK;
}

/* log2 of the page sizes include/uapi/asm-generic/hugetlb_encode.h names. */
static int huge_log_known(unsigned log2)
{
    static const unsigned char known[] = {16, 19, 20, 21, 23, 24,
                                          25, 28, 29, 30, 31, 34};
    for (size_t i = 0; i < sizeof known; i++)
        if (known[i] == log2)
            return 1;
    return 0;
}

enum shmc_err shmc_validate_get_flags(int shmflg)
{
    unsigned huge = ((unsigned)shmflg >> HUGE_SHIFT) & HUGE_MASK;

    /* The kernel masks the mode with S_IRWXUGO and ignores unknown bits. */
    if (shmflg & ~GET_KNOWN)
        return SHMC_E_GET_FLAGS_UNKNOWN;
    /* ipcget(): IPC_EXCL is only looked at together with IPC_CREAT. */
    if ((shmflg & IPC_EXCL) && !(shmflg & IPC_CREAT))
        return SHMC_E_GET_EXCL_WITHOUT_CREAT;
    /* hugetlb_file_setup() reads the size bits only under SHM_HUGETLB. */
    if (huge != 0 && !(shmflg & SHM_HUGETLB))
        return SHMC_E_GET_HUGE_WITHOUT_HUGETLB;
    if (huge != 0 && !huge_log_known(huge))
        return SHMC_E_GET_HUGE_SIZE_UNKNOWN;
    return SHMC_OK;
}

enum shmc_err shmc_validate_get(key_t key, size_t size, int shmflg,
                                const struct shmc_limits *lim)
{
    enum shmc_err err;

    lim = limits_or_cached(lim);
    if ((err = shmc_validate_key(key)) != SHMC_OK ||
        (err = shmc_validate_get_flags(shmflg)) != SHMC_OK)
        return err;
    /* A call that may create needs a real size: IPC_CREAT with size 0 only
     * works when the key happens to exist, so it is refused. */
    if (key == IPC_PRIVATE || (shmflg & IPC_CREAT))
        return shmc_validate_size(size, lim);
    /* Joining: 0 means any size; more than SHMMAX can never match. */
    if (size > lim->shmmax || size > PTRDIFF_MAX)
        return SHMC_E_SIZE_TOO_BIG;
    return SHMC_OK;
}

enum shmc_err shmc_validate_id(int shmid)
{
    /* ipc_obtain_object_check() finds nothing for a negative id. */
    return shmid < 0 ? SHMC_E_ID_NEGATIVE : SHMC_OK;
}

enum shmc_err shmc_validate_at(int shmid, const void *addr, int shmflg,
                               const struct shmc_limits *lim)
{
    uintptr_t a = (uintptr_t)addr;
    enum shmc_err err;

    lim = limits_or_cached(lim);
    if ((err = shmc_validate_id(shmid)) != SHMC_OK)
        return err;
    if (shmflg & ~AT_KNOWN)
        return SHMC_E_AT_FLAGS_UNKNOWN;
    /* do_shmat(): SHM_REMAP without an address is EINVAL. */
    if (a == 0)
        return (shmflg & SHM_REMAP) ? SHMC_E_AT_REMAP_NULL : SHMC_OK;
    /* do_shmat(): an address off SHMLBA is EINVAL unless SHM_RND rounds it
     * down; rounded into page 0 it maps nothing usable. */
    if (a & (lim->shmlba - 1)) {
        if (!(shmflg & SHM_RND))
            return SHMC_E_AT_ADDR_UNALIGNED;
        a &= ~(uintptr_t)(lim->shmlba - 1);
    }
    if (a < lim->shmlba)
        return SHMC_E_AT_ADDR_LOW;
    if (a >= SHMC__USER_ADDR_END)
        return SHMC_E_AT_ADDR_RANGE;
    return SHMC_OK;
}

enum shmc_err shmc_validate_dt(const void *addr, const struct shmc_limits *lim)
{
    lim = limits_or_cached(lim);
    /* ksys_shmdt(): addr & ~PAGE_MASK is EINVAL; NULL is never attached. */
    if (addr == NULL || ((uintptr_t)addr & (lim->page_size - 1)))
        return SHMC_E_DT_ADDR;
    return SHMC_OK;
}

enum shmc_err shmc_validate_ctl(int shmid, int cmd, const void *buf)
{
    const struct shmid_ds *ds = buf;

    /* ksys_shmctl() refuses a negative id before it looks at the command,
     * even for the whole-namespace queries that ignore the id. */
    if (shmid < 0 && (cmd == IPC_INFO || cmd == SHM_INFO))
        return SHMC_E_ID_NEGATIVE;
    switch (cmd) {
    case IPC_INFO:
    case SHM_INFO: /* whole-namespace queries: the id is ignored */
        return buf ? SHMC_OK : SHMC_E_CTL_BUF_NULL;
    case IPC_RMID:
    case SHM_LOCK:
    case SHM_UNLOCK: /* no buffer is read */
        return shmc_validate_id(shmid);
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: /* SHM_STAT* take an index, also >= 0 */
        if (shmid < 0)
            return SHMC_E_ID_NEGATIVE;
        return buf ? SHMC_OK : SHMC_E_CTL_BUF_NULL;
    case IPC_SET:
        if (shmid < 0)
            return SHMC_E_ID_NEGATIVE;
        if (!buf)
            return SHMC_E_CTL_BUF_NULL;
        /* ipcctl_obtain_check(): an owner of -1 is not a valid id. */
        if (ds->shm_perm.uid == (uid_t)-1 || ds->shm_perm.gid == (gid_t)-1)
            return SHMC_E_CTL_SET_OWNER;
        /* ipc_update_perm() keeps only the S_IRWXUGO bits of the mode. */
        return (ds->shm_perm.mode & ~MODE_BITS) ? SHMC_E_CTL_SET_MODE : SHMC_OK;
    default:
        return SHMC_E_CTL_CMD_UNKNOWN;
    }
}

enum shmc_err shmc_validate_proj(int proj_id)
{
    /* ftok() uses proj_id & 0xff; 0 is reserved by POSIX, and anything
     * outside 1..255 silently aliases a number inside it. */
    return (proj_id < 1 || proj_id > 255) ? SHMC_E_PROJ_RANGE : SHMC_OK;
}
