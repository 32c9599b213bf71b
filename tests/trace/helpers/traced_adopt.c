/*
 * traced_adopt.c - traced_prog's subcommands for raw clone children whose
 * parent is gone, that make a vfork child first or that drop root; for
 * calls the kernel refuses (a seccomp filter): IPC_STAT, clone, a NULL
 * spawn path; and for a SIGPIPE pending across the report at exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

#define PAGE 4096

static pid_t raw_clone(void)
{
    return (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
}

static int code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The raw clone child of a forked parent that ends before the child's
 * first traced call: this process (a subreaper, so that the orphan
 * becomes its child) lets the child go on once the parent is a zombie
 * ("zombie") or reaped ("reaped"). Prints both pids and the statuses. */
int cmd_orphan(const char *how)
{
    int go[2], pids[2], pst = -1, cst = -1;
    pid_t parent, child = -1;
    siginfo_t si;
    char c = 0;

    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 || pipe(go) || pipe(pids))
        return 2;
    fflush(stdout);
    if ((parent = fork()) == 0) {
        if ((child = raw_clone()) == 0) {
            if (read(go[0], &c, 1) != 1)
                _exit(3);
            _exit(shm_cycle() == 0 ? 0 : 4);
        }
        _exit(write(pids[1], &child, sizeof child) == sizeof child ? 0 : 5);
    }
    if (read(pids[0], &child, sizeof child) != sizeof child)
        return 2;
    if (strcmp(how, "zombie") == 0)
        waitid(P_PID, (id_t)parent, &si, WEXITED | WNOWAIT);
    else
        waitpid(parent, &pst, 0);
    if (write(go[1], "g", 1) != 1)
        return 2;
    waitpid(child, &cst, 0);
    if (strcmp(how, "zombie") == 0)
        waitpid(parent, &pst, 0);
    printf("orphan %s parent %d status %d child %d status %d\n", how,
           (int)parent, code(pst), (int)child, code(cst));
    return 0;
}

/* The vfork child of cmd_clonevfork: an exec that fails, an mremap of
 * the attachment at p (same size: nothing changes) and a shm cycle, all
 * passed through; 6 when each worked as without the tracer. */
static int vfork_child(char *p)
{
    int failed =
        execl("/nonexistent/traced_prog", "traced_prog", (char *)NULL) == -1 &&
        errno == ENOENT;
    int same = mremap(p, 2 * PAGE, 2 * PAGE, 0) == p;
    int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600);

    return failed && same && id >= 0 && shmctl(id, IPC_RMID, NULL) == 0 ? 6 : 7;
}

/* A raw clone child whose first call is vfork (not traced): the vfork
 * child shares its memory, so its calls and its _exit pass through; then
 * the clone child detaches the attachment it inherited and runs a shm
 * cycle of its own. */
int cmd_clonevfork(void)
{
    int status = -1, id = make(2 * PAGE);
    char *p = attach(id);
    pid_t pid = raw_clone();

    if (pid == 0) {
        int vst = -1;
        pid_t v = vfork();
        if (v == 0)
            _exit(vfork_child(p));
        waitpid(v, &vst, 0);
        _exit(code(vst) * 10 + (shmdt(p) == 0 && shm_cycle() == 0 ? 0 : 1));
    }
    waitpid(pid, &status, 0);
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    printf("clonevfork status %d pid %d\n", code(status), (int)pid);
    return 0;
}

/* Makes the system call nr fail with err; for shmctl only the command
 * IPC_STAT (with or without IPC_64). 0, or -1 where filters are not
 * available here. */
static int refuse(long nr, int err)
{
    struct sock_filter stat_only[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, args[1])),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr == SYS_shmctl ? IPC_STAT : 0u, 0,
                 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_filter all[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {7, stat_only};

    if (nr != SYS_shmctl) {
        prog.len = 4;
        prog.filter = all;
    }
#ifndef __x86_64__ /* the numbers above are those of this architecture */
    return -1;
#endif
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return -1;
    return 0;
}

/* IPC_STAT refused (EACCES) after a first attachment was made: a keyed
 * shmget with IPC_CREAT alone, then an attachment where the first one
 * was, which munmap takes away; shmdt then finds nothing there. */
int cmd_nostat(void)
{
    key_t key = (key_t)(0x53480000 | (getpid() & 0xffff));
    int id0 = make(2 * PAGE), id;
    char *p0 = attach(id0), *p;
    struct shmid_ds ds;

    show("shmdt(first)", shmdt(p0));
    if (refuse(SYS_shmctl, EACCES) != 0) {
        shmctl(id0, IPC_RMID, NULL);
        printf("no filters\n");
        return 0;
    }
    show("stat", shmctl(id0, IPC_STAT, &ds));
    id = shmget(key, PAGE, IPC_CREAT | 0600);
    show("shmget", id >= 0);
    p = shmat(id, p0, 0);
    show("shmat", p == p0);
    show("munmap", munmap(p, PAGE));
    show("shmdt", shmdt(p));
    show("rmid", shmctl(id, IPC_RMID, NULL) | shmctl(id0, IPC_RMID, NULL));
    return 0;
}

/* fork refused (clone fails with EAGAIN): -1 and errno, as bare. */
int cmd_forkfail(void)
{
    if (refuse(SYS_clone, EAGAIN) != 0) {
        printf("no filters\n");
        return 0;
    }
    show("fork", fork());
    return 0;
}

/* posix_spawn with no path: the child's exec fails (EFAULT). */
int cmd_spawnnull(void)
{
    const char *volatile none = NULL; /* the path is declared nonnull */
    char *argv[] = {"traced_prog", NULL};
    pid_t pid;

    printf("spawn-null %d\n", posix_spawn(&pid, none, NULL, NULL, argv, NULL));
    return 0;
}

/* SIGPIPE blocked and already pending when the report at exec meets a
 * pipe nobody reads on stderr; this program ("pending") then says
 * whether it is still pending after the exec. */
int cmd_pipepending(const char *self)
{
    char *argv[] = {(char *)self, "pending", NULL};
    int id = make(PAGE);
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGPIPE);
    attach(id); /* still attached at exec: a warning to write */
    shmctl(id, IPC_RMID, NULL);
    fflush(stdout);
    execv(self, argv);
    return 2;
}

int cmd_pending(void)
{
    sigset_t set;

    sigpending(&set);
    printf("pending %d\n", sigismember(&set, SIGPIPE));
    return 0;
}

/* The raw clone child of a raw clone child, made before either made a
 * traced call, drops root to nobody first: it may no longer look at its
 * parents (kill, kcmp), cannot be told from a vfork child and passes
 * through. Prints the statuses, and "no root" where it cannot drop. */
int cmd_dropnest(void)
{
    int status = -1;
    pid_t pid = geteuid() == 0 ? raw_clone() : -1;

    if (pid == 0) {
        int gst = -1;
        pid_t g = raw_clone();
        if (g == 0) {
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
                setuid(65534) != 0)
                _exit(3);
            _exit(shm_cycle() == 0 ? 0 : 4);
        }
        waitpid(g, &gst, 0);
        _exit(code(gst));
    }
    if (pid < 0) {
        printf("no root\n");
        return 0;
    }
    waitpid(pid, &status, 0);
    printf("dropnest status %d pid %d\n", code(status), (int)pid);
    return 0;
}
