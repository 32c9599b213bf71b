/*
 * traced_exec.c - traced_prog's subcommands for the exec family, vfork,
 * raw clone and posix_spawn.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

/* Attaches (an attachment the exec ends), then execs this program
 * ("clean") through the exec function named by how; search functions
 * look "traced_prog" up in PATH, which the test sets. */
int cmd_exec_via(const char *self, const char *how)
{
    char *argv[] = {(char *)self, "clean", NULL};
    const char *name = strrchr(self, '/') + 1;
    int id = make(4096);

    attach(id);
    shmctl(id, IPC_RMID, NULL);
    fflush(stdout);
    if (strcmp(how, "execv") == 0)
        execv(self, argv);
    else if (strcmp(how, "execve") == 0)
        execve(self, argv, environ);
    else if (strcmp(how, "execvp") == 0)
        execvp(name, argv);
    else if (strcmp(how, "execvpe") == 0)
        execvpe(name, argv, environ);
    else if (strcmp(how, "execlp") == 0)
        execlp(name, name, "clean", (char *)NULL);
    else if (strcmp(how, "fexecve") == 0)
        fexecve(open(self, O_RDONLY | O_CLOEXEC), argv, environ);
    perror("traced_prog: exec");
    return 2;
}

/* An exec that fails returns to the program with its errno, and tracing
 * goes on: prints "how result errno", then makes and removes a segment. */
int cmd_exec_fail(const char *self, const char *how)
{
    char *argv[] = {"traced_prog", NULL};
    const char *path = "/nonexistent/traced_prog",
               *name = "traced_prog-nonexistent";
    int r = -2;

    (void)self;
    errno = 0;
    if (strcmp(how, "execve") == 0)
        r = execve(path, argv, environ);
    else if (strcmp(how, "execv") == 0)
        r = execv(path, argv);
    else if (strcmp(how, "execvp") == 0)
        r = execvp(name, argv);
    else if (strcmp(how, "execvpe") == 0)
        r = execvpe(name, argv, environ);
    else if (strcmp(how, "execl") == 0)
        r = execl(path, "traced_prog", (char *)NULL);
    else if (strcmp(how, "execlp") == 0)
        r = execlp(name, "traced_prog", (char *)NULL);
    else if (strcmp(how, "execle") == 0)
        r = execle(path, "traced_prog", (char *)NULL, environ);
    else if (strcmp(how, "fexecve") == 0)
        r = fexecve(-1, argv, environ);
    printf("%s %d %d\n", how, r, errno);
    return cmd_clean();
}

/* execle with arg0 NULL, as glibc reads it: the NULL after arg0 ends
 * the list, envp comes after it. The new image has argc 0. */
int cmd_exec_noargs(const char *self)
{
    char *envp[] = {"TPROG_MARK=noargs", NULL};
    char *const volatile none = NULL; /* execle's arg0 is declared nonnull */

    fflush(stdout);
    execle(self, none, (char *)NULL, envp);
    perror("traced_prog: execle");
    return 2;
}

/* The path of the C library, a library that is safe to preload. */
static const char *libc_path(void)
{
    Dl_info info;

    if (!dladdr((void *)&printf, &info) || info.dli_fname == NULL)
        exit(2);
    return info.dli_fname;
}

/* Execs this program ("env-dump") with the environment named by how,
 * after printing the LD_PRELOAD it passes ("sent ..."). LD_PRELOAD of
 * this process is the tracer's path. */
int cmd_exec_env(const char *self, const char *how)
{
    static char value[12000], entries[1100][16];
    static char *envp[1200];
    const char *trace = getenv("LD_PRELOAD"), *libc = libc_path();
    char *argv[] = {(char *)self, "env-dump", NULL};
    size_t n = 0;

    if (trace == NULL)
        trace = "(untraced)";
    if (strcmp(how, "other") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=%s", libc);
    else if (strcmp(how, "listed") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=%s %s", libc, trace);
    else if (strcmp(how, "doubled") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=/%s", trace);
    else if (strcmp(how, "suffix") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=%s.missing:%s", trace, trace);
    else if (strcmp(how, "first") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=%s:%s", trace, libc);
    else if (strcmp(how, "first-space") == 0)
        snprintf(value, sizeof value, "LD_PRELOAD=%s %s", trace, libc);
    else if (strcmp(how, "long") == 0) {
        size_t len =
            (size_t)snprintf(value, sizeof value, "LD_PRELOAD=%s", libc);
        while (len < 9000)
            len +=
                (size_t)snprintf(value + len, sizeof value - len, ":%s", libc);
    } else if (strcmp(how, "many") == 0 || strcmp(how, "most") == 0) {
        for (size_t want = how[1] == 'a' ? 1100 : 1000; n < want; n++) {
            snprintf(entries[n], sizeof entries[n], "V%zu=x", n);
            envp[n] = entries[n];
        }
    } else if (strcmp(how, "keep") == 0) {
        snprintf(value, sizeof value, "SHMCHECK_EXITCODE=9");
    }
    if (value[0] != '\0')
        envp[n++] = value;
    envp[n] = NULL;
    printf("sent %s\n", value[0] != '\0' ? value : "(none)");
    fflush(stdout);
    execve(self, argv, strcmp(how, "null") == 0 ? NULL : envp);
    perror("traced_prog: execve");
    return 2;
}

/* What an exec'd image got: LD_PRELOAD, the SHMCHECK_* entries in order
 * (the root's entry says whether it names this process), and how many
 * entries there are. */
int cmd_env_dump(void)
{
    const char *pre = getenv("LD_PRELOAD");
    size_t n = 0;

    printf("got LD_PRELOAD=%s\n", pre ? pre : "(none)");
    for (char **e = environ; e != NULL && *e != NULL; e++, n++)
        if (strncmp(*e, "SHMCHECK__ROOT=", 15) == 0) /* which process */
            printf("got SHMCHECK__ROOT=%s\n",
                   atoi(*e + 15) == (int)getpid() ? "me" : "other");
        else if (strncmp(*e, "SHMCHECK_", 9) == 0)
            printf("got %s\n", *e);
    printf("count %zu\n", n);
    return 0;
}

/* A vfork child shares the parent's memory until it execs or exits: it
 * execs this program ("clean"), fails to exec, or exits with 3. */
int cmd_vforked(const char *self, const char *how)
{
    int status = 0;
    pid_t pid;

    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        if (strcmp(how, "exec") == 0)
            execl(self, self, "clean", (char *)NULL);
        else if (strcmp(how, "execfail") == 0)
            execl("/nonexistent/traced_prog", "traced_prog", (char *)NULL);
        _exit(3);
    }
    waitpid(pid, &status, 0);
    printf("vfork %s status %d\n", how,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* The raw clone child: its own segment, made and removed, then exit 5,
 * _exit 6 or (with a stack of its own) exit 7. */
static int raw_child(void *how)
{
    int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);

    shmctl(id, IPC_RMID, NULL);
    if (strcmp(how, "_exit") == 0)
        _exit(6);
    exit(strcmp(how, "stack") == 0 ? 7 : 5);
}

/* A child made by the clone system call, not fork(): no atfork handler
 * runs, it has the parent's tracer state. The parent holds an attachment
 * over the clone (the child inherits it) and detaches it after. how:
 * "exit", "_exit" (SYS_clone on the parent's stack) or "stack" (clone()
 * with a new stack, without CLONE_VM). */
int cmd_rawfork(const char *how)
{
    static char stack[256 * 1024] __attribute__((aligned(16)));
    int status = 0, id = make(4096);
    void *p = shmat(id, NULL, 0);
    long pid;

    fflush(stdout);
    if (strcmp(how, "stack") == 0)
        pid = clone(raw_child, stack + sizeof stack, SIGCHLD, (void *)how);
    else if ((pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L)) == 0)
        raw_child((void *)how);
    waitpid((pid_t)pid, &status, 0);
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    printf("rawfork %s status %d pid %ld\n", how,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, pid);
    return 0;
}

/* posix_spawnp through PATH with no pid pointer, and a posix_spawn that
 * fails; prints both results and the child's exit status. */
int cmd_spawn_more(const char *self)
{
    const char *name = strrchr(self, '/') + 1;
    char *argv[] = {(char *)name, "clean", NULL};
    int status = -1, r;
    pid_t pid;

    r = posix_spawnp(NULL, name, NULL, NULL, argv, environ);
    wait(&status);
    printf("spawnp %d status %d\n", r,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    fflush(stdout);
    r = posix_spawn(&pid, "/nonexistent/traced_prog", NULL, NULL, argv,
                    environ);
    printf("spawn-fail %d\n", r);
    return 0;
}

/* What the raw clone child of cmd_rawnest does first, before any shm call
 * of its own: fork, exec, posix_spawn or a raw clone; the process that
 * makes runs a shm cycle ("clean" for exec and spawn; the raw clone's
 * child first fails an exec). Its status. */
static int nest_child(const char *self, const char *how)
{
    char *argv[] = {(char *)self, "clean", NULL};
    int status = -1;
    pid_t pid = -1;

    if (strcmp(how, "exec") == 0) {
        execv(self, argv);
        _exit(3);
    }
    if (strcmp(how, "spawn") == 0) {
        if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
            return 3;
    } else if (strcmp(how, "fork") == 0) {
        if ((pid = fork()) == 0)
            _exit(shm_cycle() ? 4 : 0);
    } else if ((pid = (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L,
                                     0L)) == 0) {
        execl("/nonexistent/traced_prog", "traced_prog", (char *)NULL);
        _exit(errno == ENOENT && shm_cycle() == 0 ? 8 : 4);
    }
    fflush(stdout);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A raw clone child whose first traced call makes a process (how: fork,
 * exec, spawn or clone); prints its status and pid. */
int cmd_rawnest(const char *self, const char *how)
{
    int status = 0;
    long pid;

    fflush(stdout);
    if ((pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L)) == 0)
        _exit(nest_child(self, how));
    waitpid((pid_t)pid, &status, 0);
    printf("rawnest %s status %d pid %ld\n", how,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, pid);
    return 0;
}
