/*
 * guard.c - the process that removes what a crashed fuzz target left
 * (contract: guard.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard/guard.h"

/* The page the target writes and the guard reads: rings of the last
 * GUARD_KEEP ids and pids. Ids are kept + 1: 0 marks a slot never
 * written, and 0 is a valid id. */
struct notes {
    _Atomic unsigned nid, npid;
    _Atomic int id1[GUARD_KEEP]; /* shmid + 1; 0: empty */
    _Atomic pid_t pid[GUARD_KEEP];
};

static struct notes *notes;

void guard_note_id(int shmid)
{
    if (notes != NULL && shmid >= 0) {
        unsigned i = atomic_fetch_add(&notes->nid, 1) % GUARD_KEEP;
        atomic_store(&notes->id1[i], shmid + 1);
    }
}

void guard_note_pid(pid_t pid)
{
    if (notes != NULL && pid > 0) {
        unsigned i = atomic_fetch_add(&notes->npid, 1) % GUARD_KEEP;
        atomic_store(&notes->pid[i], pid);
    }
}

/* Whether the segment (its id and creator) is one the target noted. */
static int noted(int id, pid_t cpid)
{
    for (unsigned i = 0; i < GUARD_KEEP; i++)
        if (atomic_load(&notes->id1[i]) == id + 1 ||
            (cpid > 0 && atomic_load(&notes->pid[i]) == cpid))
            return 1;
    return 0;
}

/* Every segment of this IPC namespace that is ours and noted, removed.
 * SHM_STAT_ANY: a segment the target made with mode 0 is still seen. */
static void sweep(void)
{
    struct shmid_ds ds;
    int max = shmctl(0, IPC_INFO, &ds);

    for (int i = 0; i <= max; i++) {
        int id = shmctl(i, SHM_STAT_ANY, &ds);
        if (id >= 0 && ds.shm_perm.cuid == geteuid() && noted(id, ds.shm_cpid))
            (void)shmctl(id, IPC_RMID, NULL);
    }
}

/* The guard: a session of its own (a signal to the target's group does
 * not reach it), every signal it can blocked, no descriptor but the
 * pipe's read end; at its end, the sweep. */
static _Noreturn void guard(int fd)
{
    sigset_t all;
    char c;

    setsid();
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    if (fd != 3)
        close_range(3, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0U, 0);
    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
    sweep();
    _exit(0);
}

int guard_start(void)
{
    int p[2];
    pid_t pid;

    if (notes != NULL)
        return 0;
    notes = mmap(NULL, sizeof *notes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (notes == MAP_FAILED) {
        notes = NULL;
        return -1;
    }
    /* The write end stays here, across forks (a forked child ends with
     * the input), but not across exec: a worker that execs need not
     * hold the guard back. */
    if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
        munmap(notes, sizeof *notes);
        notes = NULL;
        return -1;
    }
    /* Forked twice, so that it is not our child: a target that waits for
     * all its children must not wait for it. (Call this before the target
     * becomes a child subreaper, which would take it back.) */
    if (pid == 0) {
        close(p[1]);
        if (fork() == 0)
            guard(p[0]);
        _exit(0);
    }
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    guard_note_pid(getpid());
    return 0;
}
