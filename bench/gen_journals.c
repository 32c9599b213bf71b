/*
 * gen_journals - writes synthetic journals (with the tracer's own
 * writer, src/journal/writer.h) into a directory, for measuring what
 * `shmcheck --replay DIR` costs in time and memory:
 *
 *     gen_journals DIR [-c SEGMENTS] [-r] [-a PAIRS] [-p PROCESSES]
 *                      [-s STACKS] [-d DEPTH]
 *
 *   -c  segments created (SHMGET records with created=1), shmids 1..N
 *   -r  each one removed too (SHMCTL IPC_RMID right after)
 *   -a  attach/detach pairs (SHMAT and SHMDT records)
 *   -p  processes, one journal each; the work is shared out between them
 *   -s  distinct stacks the records use (round robin), default 1
 *   -d  frames per stack, default 8
 *
 * DIR must exist. A kernel snapshot (kernel.shm) that holds no segment is
 * written too, so that the replay judges against an empty kernel: every
 * segment created and not removed is then a never_removed lint.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "journal/writer.h"

struct plan {
    long created, pairs;
    int removed, procs, stacks, depth;
};

static uint64_t clock_ns = 1000000000;

/* One committed record of type with the given result and args; its
 * frames are stack number `stack` of the plan. */
static int emit(struct shmc_jwriter *w, const struct plan *p, uint16_t type,
                int64_t result, int64_t a0, int64_t a1, int64_t a2, int64_t a3,
                long stack)
{
    struct shmc_jrec *r =
        shmc_jwriter_begin(w, shmc_jrec_size((unsigned)p->depth, 0), type);
    uint64_t *frames;

    if (r == NULL)
        return -1;
    r->time_ns = clock_ns++;
    r->tid = w->pid;
    r->result = result;
    r->args[0] = a0;
    r->args[1] = a1;
    r->args[2] = a2;
    r->args[3] = a3;
    r->nframes = (uint16_t)p->depth;
    frames = (uint64_t *)(void *)(r + 1);
    for (int i = 0; i < p->depth; i++)
        frames[i] = 0x400000 + 0x1000 * (uint64_t)(stack % p->stacks) +
                    16 * (uint64_t)i;
#ifdef SHMC_JREPEAT_GHOST /* journal version 3: commit counts writers */
    shmc_jwriter_commit(w, r);
#else
    shmc_jwriter_commit(r);
#endif
    return 0;
}

/* The journal of process number n: its share of the creations and of the
 * attach/detach pairs. */
static int one_journal(const char *dir, const struct plan *p, int n)
{
    struct shmc_jwriter w;
    int pid = 10000 + n, rc = 0;
    long from = p->created * n / p->procs, to = p->created * (n + 1) / p->procs;
    long pairs = p->pairs * (n + 1) / p->procs - p->pairs * n / p->procs;

    if (shmc_jwriter_open(&w, dir, pid, 1, SHMC_JF_STACKS, clock_ns, 0) != 0) {
        perror("gen_journals: open");
        return -1;
    }
    for (long i = from; i < to && rc == 0; i++) {
        int shmid = (int)i + 1;
        rc = emit(&w, p, SHMC_J_SHMGET, shmid, IPC_PRIVATE, 4096,
                  IPC_CREAT | 0600, 1, i);
        if (rc == 0 && p->removed)
            rc = emit(&w, p, SHMC_J_SHMCTL, 0, shmid, IPC_RMID, 0, 0, i);
    }
    for (long i = 0; i < pairs && rc == 0; i++) {
        int64_t addr = 0x7f0000000000 + 0x10000 * (i % 64);
        rc = emit(&w, p, SHMC_J_SHMAT, addr, 1, 0, 0, 0, i);
        if (rc == 0)
            rc = emit(&w, p, SHMC_J_SHMDT, 0, addr, 1, 1, 0, i);
    }
    if (rc == 0)
        rc = emit(&w, p, SHMC_J_EXIT, 0, 0, SHMC_JEXIT_EXIT, 0, 0, 0);
    if (rc != 0 || w.lost)
        fprintf(stderr, "gen_journals: pid %d: journal full\n", pid);
    shmc_jwriter_close(&w);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_journals DIR [-c SEGMENTS] [-r] [-a PAIRS] "
                    "[-p PROCESSES] [-s STACKS] [-d DEPTH]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct plan p = {.procs = 1, .stacks = 1, .depth = 8};
    char path[4096];
    FILE *snap;
    int c;

    while ((c = getopt(argc, argv, "c:ra:p:s:d:")) != -1) {
        switch (c) {
        case 'c':
            p.created = atol(optarg);
            break;
        case 'r':
            p.removed = 1;
            break;
        case 'a':
            p.pairs = atol(optarg);
            break;
        case 'p':
            p.procs = atoi(optarg);
            break;
        case 's':
            p.stacks = atoi(optarg);
            break;
        case 'd':
            p.depth = atoi(optarg);
            break;
        default:
            return usage();
        }
    }
    if (optind + 1 != argc || p.created < 0 || p.pairs < 0 || p.procs < 1 ||
        p.stacks < 1 || p.depth < 0 || p.depth > (int)SHMC_JMAX_FRAMES)
        return usage();
    for (int n = 0; n < p.procs; n++)
        if (one_journal(argv[optind], &p, n) != 0)
            return 1;
    snprintf(path, sizeof path, "%s/kernel.shm", argv[optind]);
    if ((snap = fopen(path, "wx")) == NULL) {
        perror(path);
        return 1;
    }
    fprintf(snap, "# shmcheck kernel snapshot 1 isolated=1 start=0\n"
                  "       key      shmid perms                  size  cpid  "
                  "lpid nattch   uid   gid  cuid  cgid      atime      dtime "
                  "     ctime                   rss                  swap\n");
    return fclose(snap) == 0 ? 0 : 1;
}
