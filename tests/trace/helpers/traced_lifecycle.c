/*
 * traced_lifecycle.c - traced_prog's subcommands for before the tracer
 * starts (a call from .preinit_array, atfork handlers registered before
 * its own) and after it ended (a stdio stream flushed by exit), and for
 * libraries loaded at run time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

static int early_id = -1, early_errno, early_prepare_rc = -2;
static int early_parent_rc = -2, early_child_rc = -2;
static void *early_addr = (void *)-1;

static void early_prepare(void)
{
    early_prepare_rc = shm_cycle();
}

static void early_parent(void)
{
    early_parent_rc = shm_cycle();
}

static void early_child(void)
{
    early_child_rc = shm_cycle();
}

/* A raw clone child made while the tracer holds its lock: its shm cycle
 * and its _exit pass through. */
static void early_clone(void)
{
    int status = -1;
    pid_t pid = (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);

    if (pid == 0)
        _exit(shm_cycle() == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    early_prepare_rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs from .preinit_array, before any shared object's constructor (the
 * tracer's and libc's included: environ is still NULL): the first call
 * starts the tracer from inside its interposer. early-atfork registers
 * atfork handlers before the tracer registers its own (early-atclone: a
 * prepare handler that makes a raw clone child); early-exec execs this
 * program ("clean") first of all. */
static void early(int argc, char **argv, char **envp)
{
    if (argc < 2 || strncmp(argv[1], "early", 5) != 0)
        return;
    if (strcmp(argv[1], "early-exec") == 0) { /* before any other call */
        char *clean[] = {argv[0], "clean", NULL};
        execve(argv[0], clean, envp);
        _exit(2);
    }
    if (strcmp(argv[1], "early-atfork") == 0)
        pthread_atfork(early_prepare, early_parent, early_child);
    if (strcmp(argv[1], "early-atclone") == 0)
        pthread_atfork(early_clone, NULL, NULL);
    errno = 1234;
    early_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    early_errno = errno;
    early_addr = shmat(early_id, NULL, 0);
}

typedef void init_fn(int argc, char **argv, char **envp);
__attribute__((section(".preinit_array"),
               used)) static init_fn *const early_hook = early;

/* early: the segment made before main is left attached and is not
 * removed. early-atfork, early-atclone: forks, then cleans up; prints
 * what the atfork handlers saw. */
int cmd_early_main(const char *how)
{
    int status = -1;

    printf("early %d %d %d\n", early_id >= 0, early_errno,
           early_addr != (void *)-1);
    if (strcmp(how, "early-atfork") != 0 && strcmp(how, "early-atclone") != 0)
        return 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(early_child_rc == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    printf("atfork %d %d %d\n", early_prepare_rc, early_parent_rc,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    shmdt(early_addr);
    shmctl(early_id, IPC_RMID, NULL);
    return 0;
}

static void *atfork_addr;
static int atfork_child_rc = -2;

static void detach_in_child(void)
{
    atfork_child_rc = shmdt(atfork_addr);
}

/* The child detaches its inherited attachment in an atfork handler
 * registered by main (after the tracer's). */
int cmd_atforked(void)
{
    int id = make(4096), status = -1;

    atfork_addr = attach(id);
    pthread_atfork(NULL, NULL, detach_in_child);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(atfork_child_rc == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    printf("atfork child %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    shmdt(atfork_addr);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* The write function of a stdio stream that exit() flushes after every
 * exit handler, the tracer's included: shared memory calls, ftok, dlopen,
 * fork, a raw clone and posix_spawn (of a program that does not exist:
 * no child to trace) there, results on fd 1, then _exit(4). */
static ssize_t late_write(void *cookie, const char *buf, size_t len)
{
    char out[160], *spawn_argv[] = {"missing", NULL};
    int child = -1, n;
    pid_t spawned;

    (void)cookie;
    (void)buf;
    (void)len;
    errno = 0;
    int cycle = shm_cycle();
    key_t key = ftok("/", 1);
    void *lib = dlopen("libm.so.6", RTLD_NOW);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    waitpid(pid, &child, 0);
    long raw = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
    if (raw == 0) /* a raw clone child: its calls and _exit pass too */
        _exit(shm_cycle() == 0 ? 9 : 10);
    int clone_st = -1;
    waitpid((pid_t)raw, &clone_st, 0);
    int err = errno; /* posix_spawn may leave errno set: it returns */
    int spawn = posix_spawn(&spawned, "/nonexistent/missing", NULL, NULL,
                            spawn_argv, environ);
    n = snprintf(out, sizeof out, "late %d %d %d %d %d %d %d\n", cycle,
                 key != -1, lib != NULL,
                 WIFEXITED(child) ? WEXITSTATUS(child) : -1, spawn, err,
                 WIFEXITED(clone_st) ? WEXITSTATUS(clone_st) : -1);
    if (write(1, out, (size_t)n) != n)
        _exit(2);
    _exit(4);
}

int cmd_late(void)
{
    cookie_io_functions_t io = {.write = late_write};
    FILE *f = fopencookie(NULL, "w", io);

    if (f == NULL)
        return 2;
    setvbuf(f, NULL, _IOFBF, 64);
    fputs("x", f); /* stays in the buffer until exit flushes it */
    printf("main done\n");
    fflush(stdout); /* f, the newest stream, is flushed first */
    return 0;
}

/* A library loaded at run time (new code that may call the shm
 * functions), the program itself, and one that does not exist. */
int cmd_dlopened(void)
{
    void *m = dlopen("libm.so.6", RTLD_NOW);
    void *self = dlopen(NULL, RTLD_NOW);
    void *none = dlopen("libshmcheck-nonexistent.so", RTLD_NOW);
    const char *why = dlerror();

    printf("dlopen %d %d %d %s\n", m != NULL, self != NULL, none != NULL,
           why != NULL && strstr(why, "nonexistent") ? "named" : "?");
    return 0;
}

/* Loads DIR/data.so (no code at all), then DIR/lib0.so, lib1.so, ...
 * until one is missing: more modules than the tracer keeps; then unloads
 * lib0.so and loads libm. */
int cmd_modules(const char *dir)
{
    char path[PATH_MAX];
    int data, n = 0, closed, more;
    void *first = NULL, *h;

    snprintf(path, sizeof path, "%s/data.so", dir);
    data = dlopen(path, RTLD_NOW) != NULL;
    for (;; n++) {
        snprintf(path, sizeof path, "%s/lib%d.so", dir, n);
        if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
            break;
        first = first ? first : h;
    }
    /* One of them unloaded, then another library loaded. */
    closed = first != NULL && dlclose(first) == 0;
    more = dlopen("libm.so.6", RTLD_NOW) != NULL;
    printf("modules %d %d %d %d\n", data, n, closed, more);
    return 0;
}

/* Loads the library at path; prints whether it loaded. */
int cmd_load(const char *path)
{
    printf("load %d\n", dlopen(path, RTLD_NOW) != NULL);
    return 0;
}
