/*
 * traced_unmap.c - attachments whose pages go away without shmdt:
 * munmap, mremap and mmap(MAP_FIXED) over them, and pages remap_file_pages
 * replaced (traced_prog unmap HOW).
 * Each prints the calls' results and errno and the segment's attach
 * count, the same bare and traced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "traced_prog.h"

#define PAGE 4096

static long nattch(int id)
{
    struct shmid_ds ds;

    return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

/* mremap moves the whole attachment to a place reserved for it. */
static void moved(char *p)
{
    char *to =
        mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *q = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);

    show("mremap", q == to);
    show("shmdt(old)", shmdt(p));
    show("shmdt(new)", shmdt(q));
}

/* The mmap family on memory of its own, away from the attachment. */
static void elsewhere(void)
{
    char *q = mmap64(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *r = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    show("mmap64(any)", q != MAP_FAILED && r != MAP_FAILED);
    show("mmap64(fixed)",
         mmap64(q, PAGE, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                0) == q);
    show("mmap(fixed)",
         mmap(q, PAGE, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
              0) == q);
    show("mremap", mremap(q, PAGE, PAGE, 0) == q);
    q = mremap(q, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, r);
    show("mremap(fixed)", q == r);
    show("munmap", munmap(q, PAGE));
}

/* Calls that fail inside the attachment's range, and mmap64 over it. */
static int edges(const char *how, char *p)
{
    if (!strcmp(how, "einval")) { /* unaligned: nothing taken */
        show("munmap", munmap(p + 1, PAGE));
        show("mmap", mmap(p + 1, PAGE, PROT_READ,
                          MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                          0) == MAP_FAILED);
        show("mremap", mremap(p + 1, PAGE, PAGE, 0) == MAP_FAILED);
        show("mmap(both)", /* MAP_FIXED_NOREPLACE wins */
             mmap(p, PAGE, PROT_READ,
                  MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0) == MAP_FAILED);
        show("mremap(same)", mremap(p, 2 * PAGE, 2 * PAGE, 0) == p);
    } else if (!strcmp(how, "mmap64")) { /* failing, then over it */
        show("mmap64(noreplace)",
             mmap64(p, PAGE, PROT_READ,
                    MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                    0) == MAP_FAILED);
        show("mmap64(unaligned)",
             mmap64(p + 1, PAGE, PROT_READ,
                    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                    0) == MAP_FAILED);
        show("mmap64",
             mmap64(p, PAGE, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0) == p);
    } else if (!strcmp(how, "elsewhere")) {
        elsewhere();
    } else if (!strcmp(how, "copy")) { /* old length 0: a second mapping */
        char *q = mremap(p, 0, PAGE, MREMAP_MAYMOVE);
        show("mremap", q != MAP_FAILED && q != p);
        show("shmdt(copy)", shmdt(q));
    } else if (!strcmp(how, "dontunmap")) { /* the old range stays */
        char *q =
            mremap(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
        show("mremap", q != MAP_FAILED && q != p);
        show("munmap(new)", munmap(q, PAGE));
    } else if (!strcmp(how, "onto")) { /* another mapping moved over it */
        char *q =
            mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        show("mremap",
             mremap(q, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p) == p);
    } else if (!strcmp(how, "headmove")) { /* its head moved away */
        char *to =
            mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        show("mremap",
             mremap(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to) == to);
        show("munmap(moved)", munmap(to, PAGE));
    } else if (!strcmp(how, "twice")) { /* the second finds it gone */
        show("munmap", munmap(p, 2 * PAGE));
        show("munmap(again)", munmap(p, 2 * PAGE));
    } else if (!strcmp(how, "tailmove")) { /* its tail moved away */
        char *to =
            mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        show("mremap", mremap(p + PAGE, PAGE, PAGE,
                              MREMAP_MAYMOVE | MREMAP_FIXED, to) == to);
        show("munmap(moved)", munmap(to, PAGE));
    } else {
        return -1;
    }
    return 1;
}

static int unmap_how(const char *how, char *p)
{
    if (!strcmp(how, "munmap")) {
        show("munmap", munmap(p, 2 * PAGE));
    } else if (!strcmp(how, "halves")) {
        show("munmap(head)", munmap(p, PAGE));
        show("munmap(tail)", munmap(p + PAGE, PAGE));
    } else if (!strcmp(how, "remap")) { /* pages swapped: still attached */
        show("remap_file_pages", remap_file_pages(p, PAGE, 0, 1, 0));
        show("remap_file_pages(tail)",
             remap_file_pages(p + PAGE, PAGE, 0, 0, 0));
    } else if (!strcmp(how, "part")) { /* shmdt still finds the rest */
        show("munmap(tail)", munmap(p + PAGE, PAGE));
    } else if (!strcmp(how, "shrink")) {
        show("mremap", mremap(p, 2 * PAGE, PAGE, 0) == p);
        show("munmap(head)", munmap(p, PAGE));
    } else if (!strcmp(how, "fixed")) {
        show("mmap", mmap(p, 2 * PAGE, PROT_READ | PROT_WRITE,
                          MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == p);
    } else if (!strcmp(how, "noreplace")) {
        show("mmap", mmap(p, PAGE, PROT_READ,
                          MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                          0) == MAP_FAILED);
    } else if (!strcmp(how, "moved")) {
        moved(p);
        return 0;
    } else {
        return edges(how, p);
    }
    return 1;
}

/* Each thread attaches and unmaps in two halves, and maps and unmaps
 * memory of its own in between: the table and its hull under threads. */
static void *unmapper(void *arg)
{
    int bad = 0;

    (void)arg;
    for (int i = 0; i < 2000; i++) {
        int id = make(2 * PAGE);
        char *p = attach(id);
        char *q =
            mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        bad |= q == MAP_FAILED || munmap(q, PAGE) != 0;
        bad |= munmap(p + PAGE, PAGE) != 0 || munmap(p, PAGE) != 0;
        bad |= shmctl(id, IPC_RMID, NULL) != 0;
    }
    return bad ? (void *)1 : NULL;
}

static int threads(void)
{
    pthread_t t[4];
    void *bad = NULL, *r;

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, unmapper, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &r);
        bad = bad ? bad : r;
    }
    printf("threads %s\n", bad ? "failed" : "ok");
    return bad != NULL;
}

/* The segment attached one page into a reserved range: calls just below
 * it miss it, or reach into it from below. */
static int below(void)
{
    int id = make(2 * PAGE);
    char *r =
        mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p = shmat(id, r + PAGE, SHM_REMAP);

    show("shmat", p == r + PAGE);
    show("munmap(below)", munmap(r, PAGE));
    show("munmap(into)", munmap(r, 2 * PAGE));
    show("nattch", nattch(id));
    show("shmdt", shmdt(p));
    munmap(r + 3 * PAGE, PAGE);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* Three pages, the middle one unmapped: what is left is taken as the
 * whole range; then three attachments, the middle one (in address order)
 * unmapped first: the others are above and below it. */
static int hole_pair(void)
{
    int id = make(3 * PAGE), id2 = make(PAGE);
    char *p = attach(id), *a[3];

    show("munmap(middle)", munmap(p + PAGE, PAGE));
    show("nattch", nattch(id));
    show("shmdt", shmdt(p));
    for (int i = 0; i < 3; i++)
        a[i] = attach(id2);
    if (!(a[0] > a[1] && a[1] > a[2]) && !(a[0] < a[1] && a[1] < a[2]))
        return 3; /* not in address order: the test cannot tell */
    show("munmap(middle)", munmap(a[1], PAGE));
    show("munmap(ends)", munmap(a[0], PAGE) | munmap(a[2], PAGE));
    for (int i = 0; i < 3; i++)
        show("shmdt", shmdt(a[i]));
    shmctl(id, IPC_RMID, NULL);
    shmctl(id2, IPC_RMID, NULL);
    return 0;
}

/* The segment attached one page into a reserved range; another mapping
 * moved (mremap, MREMAP_FIXED) to just below it, reaching into it. */
static int onto_below(void)
{
    int id = make(2 * PAGE);
    char *r =
        mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p = shmat(id, r + PAGE, SHM_REMAP);
    char *q =
        mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    show("shmat", p == r + PAGE);
    show("mremap",
         mremap(q, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, r) == r);
    show("nattch", nattch(id));
    show("shmdt", shmdt(p));
    munmap(r, 4 * PAGE);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

/* A two-page segment attached, then taken away as how says; then shmdt
 * of its address, as the kernel answers it. "threads": 4 threads x 2000
 * attachments unmapped. */
int cmd_unmap(const char *how)
{
    int id, r;
    char *p;

    if (!strcmp(how, "threads"))
        return threads();
    if (!strcmp(how, "below"))
        return below();
    if (!strcmp(how, "hole"))
        return hole_pair();
    if (!strcmp(how, "ontobelow"))
        return onto_below();
    id = make(2 * PAGE);
    p = attach(id);

    errno = 0;
    r = unmap_how(how, p);
    if (r < 0) {
        fprintf(stderr, "traced_prog: unmap HOW: unknown %s\n", how);
        shmctl(id, IPC_RMID, NULL);
        return 2;
    }
    show("nattch", nattch(id));
    if (r > 0)
        show("shmdt", shmdt(p));
    shmctl(id, IPC_RMID, NULL);
    return 0;
}
