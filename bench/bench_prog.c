/*
 * bench_prog - the programs the cost benchmarks run under shmcheck: raw
 * System V calls, no libshmcheck, clean unless a finding is the point.
 *
 *     bench_prog getrm N        N x (shmget IPC_PRIVATE + IPC_RMID)
 *     bench_prog baddt N        N x shmdt of an address never attached
 *                               (one invalid detach, repeated)
 *     bench_prog threads N T    N attach+detach pairs on one segment,
 *                               shared out over T threads
 *     bench_prog stacks clean|bad  ten functions, each detaching: in
 *                               "bad" each detaches an address inside
 *                               the attachment, not its start (ten
 *                               invalid detaches, ten distinct stacks)
 *
 * Exit status 0 when every call did what the mode expects, else 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

#define MAX_THREADS 64

static int getrm(long n)
{
    for (long i = 0; i < n; i++)
        if (shmctl(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), IPC_RMID,
                   NULL) != 0)
            return 1;
    return 0;
}

/* The address: a static variable's, which no shmat ever returned. */
static int baddt(long n)
{
    static char never_attached[64];

    for (long i = 0; i < n; i++)
        if (shmdt(never_attached) == 0)
            return 1;
    return 0;
}

struct share {
    int id;
    long pairs;
};

static void *pairs(void *arg)
{
    const struct share *s = arg;

    for (long i = 0; i < s->pairs; i++) {
        void *p = shmat(s->id, NULL, 0);
        if (p == (void *)-1 || shmdt(p) != 0)
            return (void *)1;
    }
    return NULL;
}

static int threads(long n, int t)
{
    pthread_t th[MAX_THREADS];
    struct share s[MAX_THREADS];
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), bad = id < 0;

    for (int i = 0; i < t && !bad; i++) {
        s[i].id = id;
        s[i].pairs = n / t + (i < n % t);
        bad = pthread_create(&th[i], NULL, pairs, &s[i]) != 0;
        for (int k = 0; bad && k < i; k++)
            pthread_join(th[k], NULL);
        if (bad)
            t = i;
    }
    for (int i = 0; i < t && !bad; i++) {
        void *r;
        bad |= pthread_join(th[i], &r) != 0 || r != NULL;
    }
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    return bad;
}

/* Ten functions the compiler keeps apart, one call site each: the ten
 * stacks differ in their first frame. */
#define DETACHER(n)                                                  \
    static __attribute__((noinline)) int detach##n(char *p, int bad) \
    {                                                                \
        int r = shmdt(p + (bad ? 8 * (n + 1) : 0));                  \
        __asm__ volatile("" ::: "memory");                           \
        return r;                                                    \
    }
DETACHER(0)
DETACHER(1)
DETACHER(2)
DETACHER(3)
DETACHER(4)
DETACHER(5)
DETACHER(6)
DETACHER(7)
DETACHER(8)
DETACHER(9)

static int stacks(int bad)
{
    int (*const f[10])(char *, int) = {detach0, detach1, detach2, detach3,
                                       detach4, detach5, detach6, detach7,
                                       detach8, detach9};
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), wrong = id < 0;

    for (int i = 0; i < 10 && !wrong; i++) {
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1)
            wrong = 1;
        else if ((f[i](p, bad) == 0) == bad)
            wrong = 1;
        if (p != (void *)-1 && bad)
            shmdt(p);
    }
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    return wrong;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 0;
    int t = argc > 3 ? atoi(argv[3]) : 0;

    if (strcmp(mode, "getrm") == 0 && n > 0)
        return getrm(n);
    if (strcmp(mode, "baddt") == 0 && n > 0)
        return baddt(n);
    if (strcmp(mode, "threads") == 0 && n > 0 && t > 0 && t <= MAX_THREADS)
        return threads(n, t);
    if (strcmp(mode, "stacks") == 0 && argc > 2 &&
        (!strcmp(argv[2], "clean") || !strcmp(argv[2], "bad")))
        return stacks(strcmp(argv[2], "bad") == 0);
    fprintf(stderr, "usage: bench_prog getrm N | baddt N | threads N T | "
                    "stacks clean|bad\n");
    return 2;
}
