/*
 * tprog - the programs the tracer tests run under LD_PRELOAD, one per
 * subcommand. They use the raw System V calls (not libshmcheck), as the
 * programs users preload the tracer into do. Each prints what the test
 * needs on stdout and exits 0 unless it says otherwise. Run bare, each
 * prints the same as traced: the tests compare the two.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS 10000

static int make(size_t size)
{
    int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
    if (id < 0) {
        perror("tprog: shmget");
        exit(2);
    }
    return id;
}

static void *attach(int id)
{
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        perror("tprog: shmat");
        exit(2);
    }
    return p;
}

static void *worker(void *arg)
{
    int id = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++)
        if (shmdt(attach(id)) != 0)
            return (void *)1;
    return NULL;
}

/* 8 threads attach and detach 10,000 times each, then clean up: no
 * finding, and the journal holds exactly 80,000 of each. */
static int threads(void)
{
    pthread_t t[THREADS];
    int id = make(4096), bad = 0;

    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, &id);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    shmctl(id, IPC_RMID, NULL);
    return bad;
}

/* The parent creates and attaches, the child inherits the attachment and
 * ends without detaching; the parent detaches and never removes: one leak,
 * reported by the parent only, and one inherited unmatched attach in the
 * child. */
static int forked(void)
{
    int id = make(4096), status;
    void *p = attach(id);
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    printf("child %d\n", (int)pid);
    shmdt(p);
    return 0;
}

/* Attach, then exec: the attachment ends by exec; the new image (this
 * program again, "clean") is traced too. */
static int execs(const char *self)
{
    int id = make(4096);
    attach(id);
    shmctl(id, IPC_RMID, NULL);
    execl(self, self, "clean", (char *)NULL);
    perror("tprog: execl");
    return 2;
}

static int clean(void)
{
    int id = make(4096);
    shmdt(attach(id));
    shmctl(id, IPC_RMID, NULL);
    printf("clean %d\n", (int)getpid());
    return 0;
}

/* A leak and an unmatched attach, then the way out named by how. */
static int leave(const char *how)
{
    int id = make(4096);
    attach(id);
    printf("ready\n");
    fflush(stdout);
    if (strcmp(how, "_exit") == 0)
        _exit(0);
    if (strcmp(how, "_Exit") == 0)
        _Exit(0);
    if (strcmp(how, "kill") == 0)
        raise(SIGKILL);
    if (strcmp(how, "abort") == 0)
        abort();
    if (strcmp(how, "segv") == 0)
        raise(SIGSEGV);
    exit(0);
}

/* 2,000 segments and 20,000 live attachments at once, then all undone. */
static int scale(void)
{
    enum { SEGS = 2000, PER = 10 };
    static int id[SEGS];
    static void *p[SEGS][PER];

    for (int i = 0; i < SEGS; i++)
        id[i] = make(4096);
    for (int i = 0; i < SEGS; i++)
        for (int k = 0; k < PER; k++)
            p[i][k] = attach(id[i]);
    for (int i = 0; i < SEGS; i++) {
        for (int k = 0; k < PER; k++)
            shmdt(p[i][k]);
        shmctl(id[i], IPC_RMID, NULL);
    }
    return 0;
}

/* Like a daemon: closes every fd, then goes on using shared memory past a
 * journal chunk (1 MiB) and leaks one segment at the end. */
static int closefds(void)
{
    for (int fd = 0; fd < 1024; fd++)
        close(fd);
    int id = make(4096);
    for (int i = 0; i < 20000; i++)
        shmdt(attach(id));
    make(4096); /* the leak */
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* Results and errno of calls that succeed and fail, to compare traced and
 * bare runs. */
static void show(const char *what, long r)
{
    printf("%s %ld %d\n", what, r, errno);
    errno = 1234;
}

static int results(void)
{
    int id = make(8192);
    void *p = shmat(id, NULL, 0);
    long r;

    errno = 1234;
    r = shmget(0x7e57, 0, 0);
    show("shmget(missing)", r);
    r = shmget(0x7e58, 10, IPC_CREAT | IPC_EXCL | 0600) >= 0;
    show("shmget(excl)", r);
    r = shmget(0x7e58, 10, IPC_CREAT | IPC_EXCL | 0600);
    show("shmget(excl again)", r);
    r = (long)shmat(-1, NULL, 0);
    show("shmat(bad id)", r);
    r = shmdt(p);
    show("shmdt", r);
    r = shmdt(p);
    show("shmdt(again)", r);
    r = shmctl(id, 99, NULL);
    show("shmctl(bad cmd)", r);
    r = ftok("/nonexistent/x", 1);
    show("ftok(missing)", r);
    r = ftok("/", 1) != -1;
    show("ftok(/)", r);
    r = shmctl(shmget(0x7e58, 0, 0), IPC_RMID, NULL);
    show("rmid(key)", r);
    r = shmctl(id, IPC_RMID, NULL);
    show("rmid", r);
    return 0;
}

/* 40 leaked segments and 40 unmatched attaches from one call site: the
 * report groups and caps them. */
static int many(void)
{
    for (int i = 0; i < 40; i++)
        attach(make(4096));
    return 0;
}

/* posix_spawn of this program ("clean") with an environment that has no
 * LD_PRELOAD: the tracer puts itself back, so the child is traced too. */
static int spawn(const char *self)
{
    char *argv[] = {(char *)self, "clean", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    pid_t pid;
    int status;

    if (posix_spawn(&pid, self, NULL, NULL, argv, envp) != 0)
        return 2;
    waitpid(pid, &status, 0);
    printf("spawned %d\n", (int)pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

/* execle with its own environment: the program keeps its argv and env. */
static int execle_self(const char *self)
{
    char *envp[] = {"TPROG_MARK=execle", NULL};
    execle(self, self, "env", (char *)NULL, envp);
    perror("tprog: execle");
    return 2;
}

static int show_env(void)
{
    const char *m = getenv("TPROG_MARK");
    printf("mark %s\n", m ? m : "(none)");
    return 0;
}

/* Lists this process's open fds (the tracer must add none). */
static int fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int own = dirfd(d);

    shmctl(make(4096), IPC_RMID, NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && atoi(e->d_name) != own)
            printf("fd %s\n", e->d_name);
    closedir(d);
    return 0;
}

/* ---- the exec family, vfork, raw clone and posix_spawn ---- */

/* Attaches (an attachment the exec ends), then execs this program
 * ("clean") through the exec function named by how; search functions
 * look "tprog" up in PATH, which the test sets. */
static int exec_via(const char *self, const char *how)
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
    perror("tprog: exec");
    return 2;
}

/* An exec that fails returns to the program with its errno, and tracing
 * goes on: prints "how result errno", then makes and removes a segment. */
static int exec_fail(const char *self, const char *how)
{
    char *argv[] = {"tprog", NULL};
    const char *path = "/nonexistent/tprog", *name = "tprog-nonexistent";
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
        r = execl(path, "tprog", (char *)NULL);
    else if (strcmp(how, "execlp") == 0)
        r = execlp(name, "tprog", (char *)NULL);
    else if (strcmp(how, "execle") == 0)
        r = execle(path, "tprog", (char *)NULL, environ);
    else if (strcmp(how, "fexecve") == 0)
        r = fexecve(-1, argv, environ);
    printf("%s %d %d\n", how, r, errno);
    return clean();
}

/* execle with arg0 NULL, as glibc reads it: the NULL after arg0 ends
 * the list, envp comes after it. The new image has argc 0. */
static int exec_noargs(const char *self)
{
    char *envp[] = {"TPROG_MARK=noargs", NULL};
    char *const volatile none = NULL; /* execle's arg0 is declared nonnull */

    fflush(stdout);
    execle(self, none, (char *)NULL, envp);
    perror("tprog: execle");
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
static int exec_env(const char *self, const char *how)
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
    else if (strcmp(how, "long") == 0) {
        size_t len =
            (size_t)snprintf(value, sizeof value, "LD_PRELOAD=%s", libc);
        while (len < 9000)
            len +=
                (size_t)snprintf(value + len, sizeof value - len, ":%s", libc);
    } else if (strcmp(how, "many") == 0) {
        for (; n < 1100; n++) {
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
    perror("tprog: execve");
    return 2;
}

/* What an exec'd image got: LD_PRELOAD, the SHMCHECK_* entries in order,
 * and how many entries there are. */
static int env_dump(void)
{
    const char *pre = getenv("LD_PRELOAD");
    size_t n = 0;

    printf("got LD_PRELOAD=%s\n", pre ? pre : "(none)");
    for (char **e = environ; e != NULL && *e != NULL; e++, n++)
        if (strncmp(*e, "SHMCHECK_", 9) == 0)
            printf("got %s\n", *e);
    printf("count %zu\n", n);
    return 0;
}

/* A vfork child shares the parent's memory until it execs or exits: it
 * execs this program ("clean"), fails to exec, or exits with 3. */
static int vforked(const char *self, const char *how)
{
    int status = 0;
    pid_t pid;

    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        if (strcmp(how, "exec") == 0)
            execl(self, self, "clean", (char *)NULL);
        else if (strcmp(how, "execfail") == 0)
            execl("/nonexistent/tprog", "tprog", (char *)NULL);
        _exit(3);
    }
    waitpid(pid, &status, 0);
    printf("vfork %s status %d\n", how,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* A child made by the clone system call, not fork(): no atfork handler
 * runs, it has the parent's tracer state; it exits with 5 or _exits
 * with 6. */
static int rawfork(const char *how)
{
    int status = 0;
    long pid;

    fflush(stdout);
    pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
    if (pid == 0) {
        if (strcmp(how, "_exit") == 0)
            _exit(6);
        exit(5);
    }
    waitpid((pid_t)pid, &status, 0);
    printf("rawfork %s status %d\n", how,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* posix_spawnp through PATH with no pid pointer, and a posix_spawn that
 * fails; prints both results and the child's exit status. */
static int spawn_more(const char *self)
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
    r = posix_spawn(&pid, "/nonexistent/tprog", NULL, NULL, argv, environ);
    printf("spawn-fail %d\n", r);
    return 0;
}

/* ---- before the tracer starts, and after it ended ---- */

static int errno_at_main;

/* Makes, attaches, detaches and removes a segment: 0 when all worked. */
static int shm_cycle(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *p = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
    int dt = p != (void *)-1 ? shmdt(p) : -1;
    int rm = id >= 0 ? shmctl(id, IPC_RMID, NULL) : -1;

    return id >= 0 && dt == 0 && rm == 0 ? 0 : -1;
}

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

/* Runs from .preinit_array, before any shared object's constructor (the
 * tracer's and libc's included: environ is still NULL): the first call
 * starts the tracer from inside its interposer. early-atfork registers
 * atfork handlers before the tracer registers its own. */
static void early(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 2 || strncmp(argv[1], "early", 5) != 0)
        return;
    if (strcmp(argv[1], "early-atfork") == 0)
        pthread_atfork(early_prepare, early_parent, early_child);
    errno = 1234;
    early_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    early_errno = errno;
    early_addr = shmat(early_id, NULL, 0);
}

typedef void init_fn(int argc, char **argv, char **envp);
__attribute__((section(".preinit_array"),
               used)) static init_fn *const early_hook = early;

/* early: the segment made before main is left attached and is not
 * removed. early-atfork: forks, then cleans up; prints what the atfork
 * handlers saw. */
static int early_main(const char *how)
{
    int status = -1;

    printf("early %d %d %d\n", early_id >= 0, early_errno,
           early_addr != (void *)-1);
    if (strcmp(how, "early-atfork") != 0)
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
static int atforked(void)
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
 * exit handler, the tracer's included: shared memory calls, ftok, dlopen
 * and fork there, results on fd 1, then _exit(4). */
static ssize_t late_write(void *cookie, const char *buf, size_t len)
{
    char out[160];
    int child = -1, n;

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
    n = snprintf(out, sizeof out, "late %d %d %d %d %d\n", cycle, key != -1,
                 lib != NULL, WIFEXITED(child) ? WEXITSTATUS(child) : -1,
                 errno);
    if (write(1, out, (size_t)n) != n)
        _exit(2);
    _exit(4);
}

static int late(void)
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
static int dlopened(void)
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
 * until one is missing: more modules than the tracer keeps. */
static int modules(const char *dir)
{
    char path[PATH_MAX];
    int data, n = 0;

    snprintf(path, sizeof path, "%s/data.so", dir);
    data = dlopen(path, RTLD_NOW) != NULL;
    for (;; n++) {
        snprintf(path, sizeof path, "%s/lib%d.so", dir, n);
        if (dlopen(path, RTLD_NOW | RTLD_LOCAL) == NULL)
            break;
    }
    printf("modules %d %d\n", data, n);
    return 0;
}

/* ---- stacks ---- */

/* A known call chain: stack_chain -> stack_mid -> stack_leaf -> shmget.
 * The empty asm keeps each call a real call (no tail call). */
static __attribute__((noinline)) int stack_leaf(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    __asm__ volatile("" ::: "memory");
    return id;
}

static __attribute__((noinline)) int stack_mid(void)
{
    int id = stack_leaf();
    __asm__ volatile("" ::: "memory");
    return id;
}

static __attribute__((noinline)) int stack_chain(void)
{
    int id = stack_mid();
    __asm__ volatile("" ::: "memory");
    return id;
}

static int stacks(void)
{
    return shmctl(stack_chain(), IPC_RMID, NULL) == 0 ? 0 : 2;
}

#if defined(__x86_64__)
/* shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) called with the frame
 * pointer register set to fp, as from code built without frame pointers
 * that uses it for data. */
__attribute__((visibility("hidden"))) int shmget_with_fp(uintptr_t *fp);
__asm__(".text\n"
        ".globl shmget_with_fp\n"
        ".hidden shmget_with_fp\n"
        ".type shmget_with_fp, @function\n"
        "shmget_with_fp:\n"
        "    push %rbp\n"
        "    mov %rdi, %rbp\n"
        "    xor %edi, %edi\n"
        "    mov $4096, %esi\n"
        "    mov $0x380, %edx\n"
        "    call shmget@PLT\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size shmget_with_fp, .-shmget_with_fp\n");

#define FAKE_RET 0x1234567u /* no object is loaded there */

/* One fake frame {next, return address} whose next is bad as kind says:
 * down (below it), top (past the stack), misaligned, gap (16 MiB or more
 * above it), or lowret (the frame's return address is below 4096).
 * Makes a segment with it; leaks it for "down", removes it otherwise. */
static __attribute__((noinline)) int fake_frame(const char *kind)
{
    uintptr_t f[2] = {0, FAKE_RET};
    uintptr_t at = (uintptr_t)f;

    if (strcmp(kind, "down") == 0)
        f[0] = at - 64;
    else if (strcmp(kind, "top") == 0)
        f[0] = UINTPTR_MAX & ~(uintptr_t)15;
    else if (strcmp(kind, "misaligned") == 0)
        f[0] = at + 20;
    else if (strcmp(kind, "gap") == 0)
        f[0] = at + (17u << 20);
    else
        f[1] = 0;
    int id = shmget_with_fp(f);
    __asm__ volatile("" ::: "memory");
    if (strcmp(kind, "down") != 0)
        shmctl(id, IPC_RMID, NULL);
    return id >= 0 ? 0 : 2;
}

/* 20 MiB down a 64 MiB thread stack, so that 17 MiB above the frame is
 * still on the stack. */
static void *deep(void *kind)
{
    volatile char *pad = alloca(20u << 20);
    pad[0] = 0;
    return (void *)(intptr_t)fake_frame(kind);
}

static int badframe(const char *kind)
{
    pthread_attr_t attr;
    pthread_t t;
    void *r;

    if (strcmp(kind, "gap") != 0)
        return fake_frame(kind);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64u << 20);
    if (pthread_create(&t, &attr, deep, (void *)kind) != 0)
        return 2;
    pthread_join(t, &r);
    return (int)(intptr_t)r;
}
#else
static int badframe(const char *kind)
{
    (void)kind;
    printf("skip: x86-64 only\n");
    return 0;
}
#endif

/* ---- what the report says ---- */

static volatile int site_mark;

/* 35 call sites of shmat, each its own function (the stores keep any two
 * from being merged): 35 stacks. */
#define SITE(i)                                            \
    static __attribute__((noinline)) void *site##i(int id) \
    {                                                      \
        site_mark = i;                                     \
        void *p = shmat(id, NULL, 0);                      \
        __asm__ volatile("" ::: "memory");                 \
        return p;                                          \
    }
#define ADDR(i) site##i,
/* clang-format off */
#define SITES(X)                                                           \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)    \
    X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)      \
    X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33) X(34)
SITES(SITE)
static void *(*const sites_fn[])(int) = {SITES(ADDR)};
/* clang-format on */

/* Unmatched attaches from 35 call sites and 70 failed calls: the report
 * shows 30 of each kind of block and counts the rest. No errors. */
static int sites(void)
{
    int id = make(4096);

    for (size_t i = 0; i < sizeof sites_fn / sizeof sites_fn[0]; i++)
        if (sites_fn[i](id) == (void *)-1)
            return 2;
    for (int i = 0; i < 70; i++)
        shmat(-1, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* Invalid detaches of each kind: inside an attachment (not page-aligned,
 * the validator says why), an aligned address never attached, twice. */
static int detaches(void)
{
    static char page[4096] __attribute__((aligned(4096)));
    int id = make(8192);
    char *p = attach(id);
    int inside = shmdt(p + 1), never = shmdt(page), once = shmdt(p);

    printf("%d %d %d %d\n", inside, never, once, shmdt(p));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* IPC_SET with and without a buffer, ftok of no path and of a path too
 * long to journal whole: results and errno. */
static int calls(void)
{
    static char longpath[4001];
    struct shmid_ds ds;
    int id = make(4096);

    memset(longpath, '/', sizeof longpath - 1);
    shmctl(id, IPC_STAT, &ds);
    ds.shm_perm.mode = 0640;
    errno = 0;
    show("IPC_SET", shmctl(id, IPC_SET, &ds));
    show("IPC_SET(NULL)", shmctl(id, IPC_SET, NULL));
    show("ftok(NULL)", ftok(NULL, 1));
    show("ftok(long)", ftok(longpath, 1) == ftok("/", 1));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* An attachment made with the system call itself, not through libc (the
 * tracer never saw it), detached through libc. */
static int raw_attach(void)
{
    int id = make(4096);
    long p = syscall(SYS_shmat, id, 0L, 0L);

    printf("raw %d\n", shmdt((void *)p));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* A leak and an unmatched attach after the program put a file of its own
 * on fd 2: the report must not go into that file. */
static int redirect(const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || dup2(fd, 2) != 2)
        return 2;
    attach(make(4096));
    return 0;
}

/* 20,000 attach-detach pairs (a journal of more than a chunk), then a
 * leak. */
static int churn(void)
{
    int id = make(4096);

    for (int i = 0; i < 20000; i++)
        shmdt(attach(id));
    shmctl(id, IPC_RMID, NULL);
    make(4096);
    printf("churned\n");
    return 0;
}

/* ---- other processes: the segment is not this process's leak ---- */

/* One segment a child removes, one it marks for removal while this
 * process stays attached, one it keeps attached while this process
 * execs ("reap", which then releases the child and cleans up). */
static int others(const char *self)
{
    int gone = make(4096), marked = make(4096), used = make(4096);
    int held[2], go[2];
    char arg[32], c;

    attach(marked);
    if (pipe(held) != 0 || pipe(go) != 0)
        return 2;
    pid_t pid = fork();
    if (pid == 0) {
        void *p = attach(used);
        shmctl(gone, IPC_RMID, NULL);
        shmctl(marked, IPC_RMID, NULL);
        if (write(held[1], "h", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(1);
        shmdt(p);
        _exit(0);
    }
    if (read(held[0], &c, 1) != 1)
        return 2;
    snprintf(arg, sizeof arg, "%d:%d", go[1], used);
    fflush(stdout);
    execl(self, self, "reap", arg, (char *)NULL);
    return 2;
}

/* After others' exec ("fd:shmid"): lets the child go, waits for it,
 * removes the segment it had attached. */
static int reap(const char *arg)
{
    int status = -1, fd, id;

    if (sscanf(arg, "%d:%d", &fd, &id) != 2 || write(fd, "g", 1) != 1)
        return 2;
    wait(&status);
    printf("reaped %d %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           shmctl(id, IPC_RMID, NULL));
    return 0;
}

/* ---- faults ---- */

/* The address space in use, in bytes (/proc/self/statm, read without
 * allocating). */
static size_t vm_size(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        exit(2);
    buf[n] = '\0';
    return (size_t)strtoul(buf, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

/* Lets pages more pages of address space be mapped from now on. */
static void room_for(size_t pages)
{
    struct rlimit rl;

    getrlimit(RLIMIT_AS, &rl);
    rl.rlim_cur = vm_size() + pages * (size_t)sysconf(_SC_PAGESIZE);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        exit(2);
}

static __attribute__((noinline)) void touch_stack(void)
{
    volatile char buf[256 << 10];
    for (size_t i = 0; i < sizeof buf; i += 1024)
        buf[i] = 0;
}

/* The tracer's tables live in mmap'd memory: with the address space
 * capped, its puts fail while the program's own calls still succeed.
 * Every table starts empty (the first put maps it). Ends with a leak and
 * an unmatched attach, and no room for the report's own table. */
static int nomem(void)
{
    int a, b, r[4];
    void *p;

    touch_stack();
    /* A heap that stays: exit's stdio (and gcov) allocate from it. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    free(malloc(1 << 20));
    printf("nomem start\n");
    fflush(stdout);
    room_for(0);
    a = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* segs: no room */
    room_for(1);
    p = shmat(a, NULL, 0); /* the page is the attachment's; atts: none */
    r[0] = p != (void *)-1;
    r[1] = shmdt(p);
    r[2] = shmctl(a, IPC_RMID, NULL);
    room_for(1);
    b = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* segs; no depot */
    room_for(2);
    p = shmat(b, NULL, 0); /* the attachment and atts; no depot */
    r[3] = p != (void *)-1;
    room_for(0);
    printf("nomem %d %d %d %d %d %d\n", a >= 0, r[0], r[1], r[2], b >= 0, r[3]);
    fflush(stdout);
    return 0;
}

static char handler_out[128];

/* Uses shared memory from a signal handler that interrupts the tracer's
 * report, and says how it went on fd 1. */
static void on_usr1(int sig)
{
    int n = snprintf(handler_out, sizeof handler_out, "handler %d %d\n", sig,
                     shm_cycle());
    if (write(1, handler_out, (size_t)n) != n)
        _exit(2);
}

/* 40 leaks (a report of many KiB), stderr (a pipe) filled up, then exit:
 * the report blocks on the pipe while the tracer holds its lock, until
 * the test has sent SIGUSR1 and read the pipe. */
static int sighandler(void)
{
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
    int flags = fcntl(2, F_GETFL);
    char junk[4096];

    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < 40; i++)
        attach(make(4096));
    memset(junk, '.', sizeof junk);
    fcntl(2, F_SETFL, flags | O_NONBLOCK);
    for (size_t n = sizeof junk; n > 0; n /= 2) /* to the last byte */
        while (write(2, junk, n) > 0)
            continue;
    fcntl(2, F_SETFL, flags);
    printf("ready\n");
    fflush(stdout);
    return 0;
}

/* ---- the subcommands ---- */

static int show_errno(void)
{
    printf("errno %d\n", errno_at_main);
    return 0;
}

/* Every subcommand as (self, argument): the wrappers adapt the few
 * signatures above. */
#define NONE(f)                                         \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)self;                                     \
        (void)arg;                                      \
        return f();                                     \
    }
#define SELF(f)                                         \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)arg;                                      \
        return f(self);                                 \
    }
#define ARG(f)                                          \
    static int m_##f(const char *self, const char *arg) \
    {                                                   \
        (void)self;                                     \
        return f(arg);                                  \
    }
NONE(threads)
NONE(forked)
SELF(execs)
NONE(clean)
ARG(leave)
NONE(scale)
NONE(closefds)
NONE(results)
NONE(fds)
NONE(many)
SELF(spawn)
SELF(execle_self)
NONE(show_env)
NONE(env_dump)
SELF(exec_noargs)
SELF(spawn_more)
NONE(atforked)
NONE(late)
NONE(dlopened)
ARG(modules)
NONE(stacks)
ARG(badframe)
NONE(sites)
NONE(detaches)
NONE(calls)
NONE(raw_attach)
ARG(redirect)
NONE(churn)
SELF(others)
ARG(reap)
NONE(nomem)
NONE(sighandler)
NONE(show_errno)
ARG(rawfork)

static int m_exec_via(const char *self, const char *arg)
{
    return exec_via(self, arg);
}

static int m_exec_fail(const char *self, const char *arg)
{
    return exec_fail(self, arg);
}

static int m_exec_env(const char *self, const char *arg)
{
    return exec_env(self, arg);
}

static int m_vforked(const char *self, const char *arg)
{
    return vforked(self, arg);
}

struct mode {
    const char *name;
    int (*run)(const char *self, const char *arg);
    int needs_arg;
};

static const struct mode modes[] = {
    {"threads", m_threads, 0},
    {"fork", m_forked, 0},
    {"exec", m_execs, 0},
    {"clean", m_clean, 0},
    {"leave", m_leave, 1},
    {"scale", m_scale, 0},
    {"closefds", m_closefds, 0},
    {"results", m_results, 0},
    {"fds", m_fds, 0},
    {"many", m_many, 0},
    {"spawn", m_spawn, 0},
    {"execle", m_execle_self, 0},
    {"env", m_show_env, 0},
    {"env-dump", m_env_dump, 0},
    {"exec-via", m_exec_via, 1},
    {"exec-fail", m_exec_fail, 1},
    {"exec-noargs", m_exec_noargs, 0},
    {"exec-env", m_exec_env, 1},
    {"vfork", m_vforked, 1},
    {"rawfork", m_rawfork, 1},
    {"spawn-more", m_spawn_more, 0},
    {"atfork", m_atforked, 0},
    {"late", m_late, 0},
    {"dlopen", m_dlopened, 0},
    {"modules", m_modules, 1},
    {"stacks", m_stacks, 0},
    {"badframe", m_badframe, 1},
    {"sites", m_sites, 0},
    {"detaches", m_detaches, 0},
    {"calls", m_calls, 0},
    {"rawshmat", m_raw_attach, 0},
    {"redirect", m_redirect, 1},
    {"churn", m_churn, 0},
    {"others", m_others, 0},
    {"reap", m_reap, 1},
    {"nomem", m_nomem, 0},
    {"sighandler", m_sighandler, 0},
    {"errno", m_show_errno, 0},
};

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : NULL;

    errno_at_main = errno;
    /* exec-noargs: argc 0, or argv {""} since Linux 5.18. */
    if (argc == 0 || argv[0][0] == '\0') {
        printf("no args, mark %s\n", getenv("TPROG_MARK"));
        return 0;
    }
    if (strncmp(cmd, "early", 5) == 0)
        return early_main(cmd);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(cmd, modes[i].name) == 0 && (arg || !modes[i].needs_arg))
            return modes[i].run(argv[0], arg);
    fprintf(stderr, "usage: tprog SUBCOMMAND [ARG] (tests/trace/tprog.c)\n");
    return 2;
}
