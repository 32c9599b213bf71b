/*
 * traced_cov.c - remap_file_pages where the tracer has nothing to record:
 * over memory no attachment is near, refused by the kernel over an
 * attachment, and over an attachment after the tracer's final report
 * (from a stdio stream exit() flushes last).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

#define PAGE 4096

/* A page far from any attachment, then the attachment with a protection
 * (which must be 0): both EINVAL; the attachment is intact (shmdt 0). */
int cmd_remap_refused(void)
{
    int id = make(2 * PAGE);
    char *p = attach(id);
    char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    errno = 0;
    show("remap_file_pages(elsewhere)", remap_file_pages(q, PAGE, 0, 0, 0));
    show("remap_file_pages(prot)", remap_file_pages(p, PAGE, PROT_READ, 1, 0));
    show("shmdt", shmdt(p));
    show("shmctl", shmctl(id, IPC_RMID, NULL));
    munmap(q, PAGE);
    return 0;
}

static char *late_at;

/* Flushed by exit() after every exit handler, the tracer's report too:
 * the pages swapped there as bare; then _exit(4). */
static ssize_t late_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    (void)buf;
    (void)len;
    errno = 0;
    long r = remap_file_pages(late_at, PAGE, 0, 1, 0);
    printf("late remap_file_pages %ld %d\n", r, errno);
    fflush(stdout);
    _exit(4);
}

/* The segment is removed but stays attached until the process ends. */
int cmd_remap_late(void)
{
    cookie_io_functions_t io = {.write = late_write};
    FILE *f = fopencookie(NULL, "w", io);
    int id = make(2 * PAGE);

    late_at = attach(id);
    if (f == NULL || shmctl(id, IPC_RMID, NULL) != 0)
        return 2;
    setvbuf(f, NULL, _IOFBF, 64);
    fputs("x", f); /* stays in the buffer until exit flushes it */
    printf("main done\n");
    fflush(stdout); /* f, the newest stream, is flushed first */
    return 0;
}

/* Whether the main thread (tid pid) waits in write(2, ...): the report. */
static int main_writes_stderr(void)
{
    char path[64], line[128] = "";
    long nr = -1;
    unsigned long fd = 0;

    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)getpid());
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (fgets(line, sizeof line, f) == NULL ||
        sscanf(line, "%ld 0x%lx", &nr, &fd) != 2)
        nr = -1;
    fclose(f);
    return nr == SYS_write && fd == 2;
}

/* The second thread: once the main thread is held writing the report,
 * forks a child that exits 0 at once; says its status on fd 1, then
 * drains the pipe (fd 3) so that the report gets through. */
static void *fork_while_reporting(void *arg)
{
    char buf[4096], out[64];
    int status = -1;

    (void)arg;
    while (!main_writes_stderr())
        sched_yield();
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    int n = snprintf(out, sizeof out, "child %d\n",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (write(1, out, (size_t)n) != n)
        _exit(2);
    while (read(3, buf, sizeof buf) > 0)
        continue;
    return NULL;
}

/* fd 2 is a pipe whose read end is fd 3 (the test's doing): it is filled
 * so that the report, written at _exit after a segment was left, waits;
 * meanwhile another thread forks (after the final report: not traced). */
int cmd_fork_in_report(void)
{
    static const char fill[4096];
    pthread_t t;

    make(4096);
    fflush(stdout);
    if (fcntl(2, F_SETFL, O_NONBLOCK) != 0)
        return 2;
    while (write(2, fill, sizeof fill) > 0 || write(2, fill, 1) > 0)
        continue;
    if (errno != EAGAIN || fcntl(2, F_SETFL, 0) != 0 ||
        pthread_create(&t, NULL, fork_while_reporting, NULL) != 0)
        return 2;
    _exit(0);
}
