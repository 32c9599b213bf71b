/*
 * ckpt_prog.c - many System V calls, for the journal checkpoint tests
 * (tests/cli/test_checkpoint.py).
 *
 *   ckpt_prog pairs N THREADS  N shmat/shmdt pairs of one segment, over
 *                              THREADS threads; the segment removed at
 *                              the end
 *   ckpt_prog mix N THREADS    per thread, N steps of a fixed pseudo-random
 *                              sequence (its seed: the thread's number):
 *                              creations (some with lints), attaches and
 *                              detaches, failed calls, IPC_STAT, removals;
 *                              then (the threads joined) a fork whose
 *                              child inherits the attachments left and
 *                              detaches half of them;
 *                              what is left attached and unremoved stays
 *                              (unmatched attaches, leaks: run it with
 *                              --cleanup)
 *   ckpt_prog steps N          N shmat/shmdt pairs, one thread, writing
 *                              "<calls returned>\n" to stdout after each
 *                              call (the test knows which calls returned
 *                              when the tracer kills the process)
 *
 * Prints "calls C" at the end (pairs, mix): the System V calls it made.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXSEG 8

static long steps_each;
static int seg_shared;
static long total_calls[64];
static pthread_mutex_t order = PTHREAD_MUTEX_INITIALIZER;

static void *pairs(void *arg)
{
    long t = (long)arg;

    for (long i = 0; i < steps_each; i++) {
        void *p = shmat(seg_shared, NULL, 0);
        if (p == (void *)-1 || shmdt(p) != 0)
            exit(10);
    }
    total_calls[t] = 2 * steps_each;
    return NULL;
}

struct mix {
    int segs[MAXSEG];
    void *atts[MAXSEG];
    unsigned seed;
    int t;
    long calls;
};

/* One pseudo-random step: creations, attaches, detaches, failures. */
static void mix_step(struct mix *m)
{
    unsigned r = (unsigned)rand_r(&m->seed), i = (r >> 8) % MAXSEG;
    struct shmid_ds ds;

    /* Attaches and detaches one thread at a time: the tracer journals a
     * call after it returns, so another thread's attach at an address just
     * detached could be journaled before that detach, and two runs would
     * judge differently (checkpoints or not). */
    int serial = r % 10 == 2 || r % 10 == 3 || r % 10 == 9;

    if (serial)
        pthread_mutex_lock(&order);
    m->calls++;
    switch (r % 10) {
    case 0: /* create (over one not removed: a leak), sometimes linted */
        m->segs[i] =
            shmget(IPC_PRIVATE, 4096, IPC_CREAT | (r & 0x100 ? 0666 : 0600));
        break;
    case 1: /* IPC_CREAT without IPC_EXCL on a key (the thread's own: runs
               are alike whatever the threads' order): a lint */
        m->segs[i] = shmget((key_t)(0x5c00 + 16 * m->t + (int)i), 4096,
                            IPC_CREAT | 0600);
        break;
    case 2:
    case 3:
        if (m->atts[i] == NULL)
            m->atts[i] = shmat(m->segs[i], NULL, 0);
        else
            shmdt(m->atts[i]), m->atts[i] = NULL;
        if (m->atts[i] == (void *)-1)
            m->atts[i] = NULL;
        break;
    case 4: /* a failed shmat: bad shmid */
        shmat(-1, NULL, 0);
        break;
    case 5: /* an invalid detach */
        shmdt((char *)&ds + 1);
        break;
    case 6:
        shmctl(m->segs[i], IPC_STAT, &ds);
        break;
    case 7: /* a failed shmget: no such key */
        shmget((key_t)0x7a7a7a, 4096, 0600);
        break;
    case 8: /* removed (keyed ones too: they come back) */
        shmctl(m->segs[i], IPC_RMID, NULL);
        break;
    default: /* attach with ignored bits: a lint */
        if (m->atts[i] == NULL) {
            m->atts[i] = shmat(m->segs[i], NULL, SHM_RDONLY | 0x40000);
            if (m->atts[i] == (void *)-1)
                m->atts[i] = NULL;
        }
        break;
    }
    if (serial)
        pthread_mutex_unlock(&order);
}

static struct mix mixes[64];

static void *mix(void *arg)
{
    long t = (long)arg;
    struct mix *m = &mixes[t];

    m->seed = (unsigned)t + 1;
    m->t = (int)t;
    for (int i = 0; i < MAXSEG; i++)
        m->segs[i] = -1;
    for (long s = 0; s < steps_each; s++)
        mix_step(m);
    total_calls[t] = m->calls;
    return NULL;
}

/* After the threads: a child inherits what they left attached and
 * detaches half of it. */
static long mix_fork(long nthreads)
{
    pid_t c = fork();

    if (c == 0) {
        for (long t = 0; t < nthreads; t++)
            for (int i = 0; i < MAXSEG; i += 2)
                if (mixes[t].atts[i] != NULL)
                    shmdt(mixes[t].atts[i]);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 1;
}

static int steps(long n)
{
    char line[32];

    for (long i = 0; i < 2 * n; i += 2) {
        void *p = shmat(seg_shared, NULL, 0);
        int len = snprintf(line, sizeof line, "%ld\n", i + 1);
        if (p == (void *)-1 || write(1, line, (size_t)len) != len)
            return 10;
        if (shmdt(p) != 0)
            return 11;
        len = snprintf(line, sizeof line, "%ld\n", i + 2);
        if (write(1, line, (size_t)len) != len)
            return 12;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 0,
         nthreads = argc > 3 ? atol(argv[3]) : 1;
    pthread_t th[64];
    long calls = 0;

    if (argc < 3 || nthreads < 1 || nthreads > 64)
        return 2;
    steps_each = n / nthreads;
    if (strcmp(argv[1], "mix") != 0 &&
        (seg_shared = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) < 0)
        return 3;
    if (strcmp(argv[1], "steps") == 0)
        return steps(n);
    for (long t = 0; t < nthreads; t++)
        pthread_create(&th[t], NULL, strcmp(argv[1], "mix") ? pairs : mix,
                       (void *)t);
    for (long t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        calls += total_calls[t];
    }
    if (strcmp(argv[1], "mix") == 0)
        calls += mix_fork(nthreads);
    else if (shmctl(seg_shared, IPC_RMID, NULL) != 0)
        return 4;
    printf("calls %ld\n", calls + (strcmp(argv[1], "mix") ? 2 : 0));
    return 0;
}
