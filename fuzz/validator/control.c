/*
 * control.c - shmctl judged by shmc_validate_ctl and made for real; the
 * harness follows what IPC_SET and IPC_RMID change.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "oracle.h"

static struct expect ctl_state(struct run *r, int id, int cmd)
{
    int stat = cmd == SHM_STAT || cmd == SHM_STAT_ANY;
    const struct seg *s = stat ? find_idx(r, id) : find_id(r, id);
    struct expect e = success();

    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return e; /* whole-namespace queries */
    if (s == NULL)
        return only(EINVAL);
    if ((cmd == IPC_STAT || cmd == SHM_STAT) && !facts.priv &&
        !(s->mode & 0400))
        return only(EACCES);
    if (cmd == SHM_LOCK && !facts.priv && facts.memlock == 0)
        return only(EPERM);
    if (cmd == SHM_LOCK && !facts.init_priv)
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

void do_ctl(struct run *r, int id, int cmd, union ctlbuf *buf)
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
