/*
 * leaky_prog - programs with known findings, one per subcommand, for the
 * shmcheck CLI's end-to-end tests (tests/cli/test_*.py). Their expected
 * reports are in tests/cli/expected/<subcommand>.json; the line numbers
 * of the calls below are part of them.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int create(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0)
        exit(2);
    return id;
}

static void *attach(int id)
{
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1)
        exit(2);
    return p;
}

static int clean(void)
{
    int id = create();
    shmdt(attach(id));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

static int leak(void)
{
    create();
    return 0;
}

/* The child leaves, the grandchild leaks after its parent has exited. */
static int grandchild(void)
{
    int p[2];
    pid_t child;

    if (pipe(p) != 0 || (child = fork()) < 0)
        return 2;
    if (child == 0) {
        if (fork() == 0) {
            char c;
            close(p[1]);
            if (read(p[0], &c, 1) != 0) /* EOF: the parent has exited */
                _exit(2);
            leak();
            _exit(0);
        }
        _exit(0);
    }
    close(p[0]);
    close(p[1]);
    waitpid(child, NULL, 0);
    return 0;
}

/* A daemon (double fork, setsid) that leaks after the program has exited:
 * it waits for EOF on a pipe only the program holds. */
static int daemon_leak(void)
{
    int p[2];
    pid_t child;

    if (pipe(p) != 0 || (child = fork()) < 0)
        return 2;
    if (child == 0) {
        setsid();
        if (fork() == 0) {
            char c;
            close(p[1]);
            if (read(p[0], &c, 1) != 0)
                _exit(2);
            leak();
            _exit(0);
        }
        _exit(0);
    }
    close(p[0]);
    waitpid(child, NULL, 0);
    return 0; /* p[1] closes at exit: the daemon goes on */
}

static int attach_twice(void)
{
    int id = create();
    void *a = attach(id);
    attach(id);
    shmdt(a);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

static int double_detach(void)
{
    int id = create();
    void *a = attach(id);
    shmdt(a);
    shmdt(a);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

static int inherit(void)
{
    int id = create();
    void *a = attach(id);
    pid_t child = fork();

    if (child == 0)
        _exit(0); /* the inherited attachment is never detached here */
    waitpid(child, NULL, 0);
    shmdt(a);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

static int exec_after_attach(const char *self)
{
    int id = create();
    attach(id);
    shmctl(id, IPC_RMID, NULL);
    execl(self, self, "clean", (char *)NULL);
    return 2;
}

static int leave_quickly(void)
{
    leak();
    _exit(0);
}

static int killed(void)
{
    attach(create());
    raise(SIGKILL);
    return 2;
}

/* Leaks, says it is ready, and waits for a signal (forwarded by the CLI). */
static int wait_for_signal(void)
{
    leak();
    printf("ready\n");
    fflush(stdout);
    pause();
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";

    if (!strcmp(c, "clean"))
        return clean();
    if (!strcmp(c, "leak"))
        return leak();
    if (!strcmp(c, "grandchild"))
        return grandchild();
    if (!strcmp(c, "daemon"))
        return daemon_leak();
    if (!strcmp(c, "attach_twice"))
        return attach_twice();
    if (!strcmp(c, "double_detach"))
        return double_detach();
    if (!strcmp(c, "inherit"))
        return inherit();
    if (!strcmp(c, "exec"))
        return exec_after_attach(argv[0]);
    if (!strcmp(c, "_exit"))
        return leave_quickly();
    if (!strcmp(c, "killed"))
        return killed();
    if (!strcmp(c, "wait"))
        return wait_for_signal();
    int blind_spots(const char *c, int argc, char **argv); /* after main */
    int spot = blind_spots(c, argc, argv);
    if (spot >= 0)
        return spot;
    int unmapped(const char *mode); /* below main: the lines above stay */
    int r = unmapped(c);
    if (r >= 0)
        return r;
    int untraced(const char *c, char **argv); /* last: the lines above stay */
    if ((r = untraced(c, argv)) >= 0)
        return r;
    fprintf(stderr, "usage: leaky_prog clean|leak|grandchild|daemon|"
                    "attach_twice|double_detach|inherit|exec|_exit|killed|wait|"
                    "rawclone|exec_many N|say|"
                    "unmap|unmap_shmdt|map_fixed|mremap|mremap_kept|"
                    "spawn PROG ARG...|vfork PROG ARG...|clone_vm\n");
    return 2;
}

/* --- munmap, mmap(MAP_FIXED) and mremap of an attachment (issue 11):
 * after main, so that the lines above stay where they are. --- */
#include <errno.h>
#include <sys/mman.h>

/* mremap moves the attachment at p to a page reserved for it. */
static char *move(char *p)
{
    char *to = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *q = mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);

    printf("mremap %d\n", q == to);
    return q;
}

/* The mode's calls on a new attachment; -1 for no such mode. */
int unmapped(const char *mode)
{
    int id;
    char *p;

    if (strcmp(mode, "unmap") && strcmp(mode, "unmap_shmdt") &&
        strcmp(mode, "map_fixed") && strcmp(mode, "mremap") &&
        strcmp(mode, "mremap_kept"))
        return -1;
    id = create();
    p = attach(id);
    if (!strcmp(mode, "unmap") || !strcmp(mode, "unmap_shmdt"))
        printf("munmap %d\n", munmap(p, 4096));
    if (!strcmp(mode, "unmap_shmdt")) {
        int r = shmdt(p);
        printf("shmdt %d %d\n", r, errno);
    }
    if (!strcmp(mode, "map_fixed")) {
        int flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS;
        printf("mmap %d\n", mmap(p, 4096, PROT_READ, flags, -1, 0) == p);
    }
    if (!strcmp(mode, "mremap"))
        printf("shmdt %d\n", shmdt(move(p)));
    if (!strcmp(mode, "mremap_kept"))
        move(p);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* --- issue 11, blind spots: a raw clone child, many execs, a malformed
 * setting. After main, so that the lines above, which the expected
 * reports name (main's too), stay where they are. --- */
#include <sys/syscall.h>

/* A child made by the clone system call (no fork handler runs) leaks. */
static int rawclone(void)
{
    long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);

    if (pid < 0)
        return 2;
    if (pid == 0) {
        leak();
        exit(0);
    }
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}

/* Execs itself n times in one pid; the last image leaks. */
static int exec_many(const char *self, const char *count)
{
    long n = count ? atol(count) : 0;
    char next[32];

    if (n <= 0)
        return leak();
    snprintf(next, sizeof next, "%ld", n - 1);
    execl(self, self, "exec_many", next, (char *)NULL);
    return 2;
}

/* Writes a line to its own stderr, and is clean. */
static int say(void)
{
    fputs("leaky_prog: my own stderr\n", stderr);
    return clean();
}

/* Runs the subcommand c of this block; -1 when it is not one of them. */
int blind_spots(const char *c, int argc, char **argv)
{
    if (!strcmp(c, "rawclone"))
        return rawclone();
    if (!strcmp(c, "exec_many"))
        return exec_many(argv[0], argc > 2 ? argv[2] : NULL);
    if (!strcmp(c, "say"))
        return say();
    return -1;
}

/* --- end of issue 11's block --- */

/* --- issue 11, untraced processes: children shmcheck may not see (a
 * static program run through posix_spawn or vfork, a CLONE_VM child).
 * Last in the file, so that the lines above stay where they are. --- */
#include <sched.h>
#include <spawn.h>

extern char **environ;

/* Runs PROG ARG... through posix_spawn ("spawn") or vfork and execv
 * ("vfork"), waits for it, and says so: exits 4 + its exit status. */
static int run_child(const char *how, char **argv)
{
    pid_t pid = -1;
    int st;

    fputs("leaky_prog: starting a child\n", stderr);
    if (!strcmp(how, "spawn")) {
        if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
            return 2;
    } else if ((pid = vfork()) == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return 2;
    printf("child exited %d\n", WEXITSTATUS(st));
    return 4 + WEXITSTATUS(st);
}

static int clone_vm_child(void *arg)
{
    (void)arg;
    leak(); /* journaled in the parent's journal, as the parent's */
    return 0;
}

/* A child made with clone(CLONE_VM) (not vfork) creates a segment. */
static int clone_vm(void)
{
    static char stack[64 << 10] __attribute__((aligned(16)));
    int st;
    pid_t pid =
        clone(clone_vm_child, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);

    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return 2;
    printf("clone_vm child exited %d\n", WEXITSTATUS(st));
    return 0;
}

/* Runs the subcommand c of this block; -1 when it is not one of them. */
int untraced(const char *c, char **argv)
{
    if ((!strcmp(c, "spawn") || !strcmp(c, "vfork")) && argv[2] != NULL)
        return run_child(c, argv + 2);
    if (!strcmp(c, "clone_vm"))
        return clone_vm();
    return -1;
}
