/*
 * traced_query.c - the tracer's stack query (src/trace/query.c,
 * src/lib/trace_query.h), looked up by name as the library's leak check
 * does: the stacks of a segment's creation and of an attachment point
 * into the functions that made them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The header the library's leak check uses (src/lib); traced_prog is
 * built without the source tree on its include path. */
#include "../../../src/lib/trace_query.h"
#include "traced_prog.h"

#define FN_MAX 512 /* bytes: more than either function below takes */

/* The calls themselves here, not in make() and attach(): the innermost
 * frame is the return address into these functions. */
__attribute__((noinline)) static int query_make(void)
{
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}

__attribute__((noinline)) static void *query_attach(int id)
{
    return shmat(id, NULL, 0);
}

/* Where frames[0] of n frames is: "in F" when inside function F (the
 * nearest of the two that starts below it, at most FN_MAX bytes below),
 * the object dladdr names ("prog" for this program), or "none". */
static void where(const char *what, const uintptr_t *frames, unsigned n)
{
    const uintptr_t make_at = (uintptr_t)query_make,
                    attach_at = (uintptr_t)query_attach;
    uintptr_t pc = n ? frames[0] : 0;
    uintptr_t d_make = pc - make_at, d_attach = pc - attach_at;
    const char *in = !n                                       ? "none"
                     : d_attach < FN_MAX && d_attach < d_make ? "query_attach"
                     : d_make < FN_MAX                        ? "query_make"
                                                              : "elsewhere";
    Dl_info info;
    int prog = n && dladdr((void *)pc, &info) && info.dli_fname &&
               strstr(info.dli_fname, "traced_prog") != NULL;

    printf("%s: %u frame(s), in %s%s\n", what, n, in, prog ? ", prog" : "");
}

/* Asks about a segment created and an attachment made here, with errno
 * set to a value the query must keep; then about what no longer is (a
 * detached address, a removed segment) and what never was; in a forked
 * child about the inherited attachment, in a vfork child about the
 * parent's segment; argument: how many frames to ask for. */
int cmd_query(const char *max_arg)
{
    shmc_trace_stack_fn *q =
        (shmc_trace_stack_fn *)dlsym(RTLD_DEFAULT, SHMC_TRACE_QUERY_SYMBOL);
    uintptr_t f[32];
    unsigned max = (unsigned)atoi(max_arg);
    int id, status;
    unsigned n;
    void *p;

    if (q == NULL) {
        printf("no query\n");
        return 0;
    }
    printf("before: %u\n", q(SHMC_TRACE_CREATED, 0, 0, f, max));
    if ((id = query_make()) < 0 || (p = query_attach(id)) == (void *)-1)
        return 2;
    errno = 1234;
    n = q(SHMC_TRACE_CREATED, id, 0, f, max);
    where("created", f, n);
    where("attached", f, q(SHMC_TRACE_ATTACHED, 0, (uintptr_t)p, f, max));
    printf("errno %d\n", errno);
    fflush(stdout);
    if (fork() == 0) {
        where("inherited", f, q(SHMC_TRACE_ATTACHED, 0, (uintptr_t)p, f, max));
        where("child's creation", f, q(SHMC_TRACE_CREATED, id, 0, f, max));
        fflush(stdout);
        _exit(0);
    }
    wait(&status);
    /* A vfork child shares this process's memory, tables included: they
     * are not its own. */
    pid_t pid = vfork();
    if (pid == 0)
        _exit((int)q(SHMC_TRACE_CREATED, id, 0, f, max));
    waitpid(pid, &status, 0);
    printf("vfork child: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* A raw clone child copied this process's tables: not its own
     * either (it exits through the tracer, which writes its counts). */
    pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit((int)q(SHMC_TRACE_CREATED, id, 0, f, max));
    waitpid(pid, &status, 0);
    printf("raw clone child: %d\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* No buffer for a stack that is there; an address never attached. */
    printf("no buffer: %u\n", q(SHMC_TRACE_CREATED, id, 0, NULL, max));
    where("never attached", f,
          q(SHMC_TRACE_ATTACHED, 0, (uintptr_t)p + 4096, f, max));
    shmdt(p);
    where("detached", f, q(SHMC_TRACE_ATTACHED, 0, (uintptr_t)p, f, max));
    where("unknown", f, q(SHMC_TRACE_ATTACHED + 5, id, 0, f, max));
    shmctl(id, IPC_RMID, NULL);
    where("removed", f, q(SHMC_TRACE_CREATED, id, 0, f, max));
    return 0;
}
