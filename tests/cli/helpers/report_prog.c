/*
 * report_prog - programs whose findings test what the reports say about
 * them (tests/cli/test_report_safety.py): findings in a known call order,
 * the same leak made through two call paths, a legal shmget that opens
 * an existing segment, and an attachment whose mapping remap_file_pages
 * replaced. The tests look the lines of the calls up in this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

static void *first_attach(int id)
{
    return shmat(id, NULL, 0); /* first attach */
}

static void *second_attach(int id)
{
    return shmat(id, NULL, 0); /* second attach */
}

/* Two attachments, attached in this order, never detached. */
static int order(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *a, *b;

    if (id < 0)
        return 2;
    a = first_attach(id);
    b = second_attach(id);
    shmctl(id, IPC_RMID, NULL);
    printf("attached %d %d\n", a != (void *)-1, b != (void *)-1);
    return a == (void *)-1 || b == (void *)-1 ? 2 : 0;
}

/* The leaf both paths call: the leak is made here. */
static __attribute__((noinline)) int make_segment(void)
{
    return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* make_segment */
}

static __attribute__((noinline)) int path_a(void)
{
    return make_segment() < 0;
}

static __attribute__((noinline)) int path_b(void)
{
    return make_segment() < 0;
}

/* A segment opened again by its key with size 0, as a program that joins
 * an existing segment does; then removed. */
static int open_existing(void)
{
    key_t key = 0x5eed0001;
    int id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    int again = shmget(key, 0, 0);
    int created = shmget(key, 0, IPC_CREAT);

    printf("opened %d %d\n", again == id, created == id);
    shmctl(id, IPC_RMID, NULL);
    return id < 0 ? 2 : 0;
}

/* The first page of a two-page attachment remapped by remap_file_pages to
 * the segment's second page, and the second to its first: no mapping
 * starts the attachment any more, so shmdt fails with EINVAL. */
static int remap(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int id = shmget(IPC_PRIVATE, 2 * (size_t)page, IPC_CREAT | 0600);
    char *p = id < 0 ? (char *)-1 : shmat(id, NULL, 0);
    int r1, r2, d, e;

    if (p == (char *)-1)
        return 2;
    r1 = remap_file_pages(p, (size_t)page, 0, 1, 0);
    r2 = remap_file_pages(p + page, (size_t)page, 0, 0, 0);
    d = shmdt(p); /* the detach of a replaced mapping */
    e = errno;
    printf("remap %d %d shmdt %d %s\n", r1, r2, d, d ? strerrorname_np(e) : "");
    if (d != 0) { /* what is left goes, so that the segment can go */
        munmap(p, 2 * (size_t)page);
    }
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";

    if (!strcmp(c, "order"))
        return order();
    if (!strcmp(c, "path_a"))
        return path_a();
    if (!strcmp(c, "paths")) /* both leaks, a's first */
        return path_a() + path_b();
    if (!strcmp(c, "open_existing"))
        return open_existing();
    if (!strcmp(c, "remap"))
        return remap();
    fputs("usage: report_prog order|path_a|paths|open_existing|remap\n",
          stderr);
    return 2;
}
