/*
 * bench_frames - what symbolization costs per distinct frame, in
 * process with libdw (src/cli/symbolize.c) against llvm-symbolizer-14 run
 * as a child (what the CLI did before), and what findings add to a run:
 * `shmcheck -- prog` whose 10 distinct stacks each leave a segment
 * against the same program removing them.
 *
 *     bench_frames SHMCHECK [OLD_SHMCHECK] [ROUNDS]
 *     bench_frames --traced leak|clean     (the program run)
 *
 * The frames are functions of libc and of this program. Per frame, in
 * process: a first run (the modules opened and their debug information
 * read) and a warm one (the same symbolizer, every frame new to its
 * cache), with the separate debug files of /usr/lib/debug (libc's, where
 * libc6-dbg is installed) and without (SHMCHECK_DEBUG_DIR an empty
 * directory: the modules' own debug information and symbol tables);
 * llvm-symbolizer: its start alone, then the same frames in one batch,
 * the start taken off. End to end, the same two ways, and the old
 * shmcheck when given. Medians over the rounds (default 7).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "findings.h"
#include "stats.h"
#include "symbolize.h"

#define MAX_ROUNDS 31
#define STACKS 10

extern char **environ;

/* --- the traced program: ten call sites ---------------------------------- */

#define SITE(n)                                                   \
    __attribute__((noinline)) static int site##n(void)            \
    {                                                             \
        return shmget(IPC_PRIVATE, 4096 + (n), IPC_CREAT | 0600); \
    }
SITE(0)
SITE(1)
SITE(2)
SITE(3)
SITE(4)
SITE(5)
SITE(6)
SITE(7)
SITE(8)
SITE(9)
static int (*const sites[STACKS])(void) = {site0, site1, site2, site3, site4,
                                           site5, site6, site7, site8, site9};

static int traced(int leak)
{
    for (int i = 0; i < STACKS; i++) {
        int id = sites[i]();
        if (id < 0 || (!leak && shmctl(id, IPC_RMID, NULL) != 0))
            return 1;
    }
    return 0;
}

/* --- the frames ---------------------------------------------------------- */

/* Functions whose entries (+ 1, a return address) are the frames. */
static void *const functions[] = {
    (void *)printf,   (void *)fprintf, (void *)malloc, (void *)free,
    (void *)calloc,   (void *)realloc, (void *)strlen, (void *)strcmp,
    (void *)memcpy,   (void *)qsort,   (void *)getenv, (void *)setenv,
    (void *)fopen,    (void *)fclose,  (void *)fread,  (void *)fwrite,
    (void *)snprintf, (void *)strtol,  (void *)atoi,   (void *)shmget,
    (void *)shmctl,   (void *)shmat,   (void *)shmdt,  (void *)getpid,
    (void *)waitpid,  (void *)dladdr,  (void *)traced, (void *)site0,
    (void *)site1,    (void *)site2,   (void *)site3,  (void *)site4,
    (void *)site5,    (void *)site6,   (void *)site7,  (void *)site8,
    (void *)site9,    (void *)now_ns,  (void *)median, (void *)cmp_double,
};
#define NFRAMES (sizeof functions / sizeof functions[0])

struct frames {
    char module[NFRAMES][4096];
    uint64_t offset[NFRAMES];
};

static int find_frames(struct frames *fr)
{
    for (size_t i = 0; i < NFRAMES; i++) {
        Dl_info info;
        if (dladdr(functions[i], &info) == 0 || info.dli_fname == NULL)
            return -1;
        if (realpath(info.dli_fname, fr->module[i]) == NULL &&
            readlink("/proc/self/exe", fr->module[i], 4095) <= 0)
            return -1;
        fr->offset[i] =
            (uint64_t)((char *)functions[i] - (char *)info.dli_fbase) + 1;
    }
    return 0;
}

/* A run with one finding per frame: every frame distinct. */
static void fill(struct cli_run *run, const struct frames *fr)
{
    memset(run, 0, sizeof *run);
    run->findings = calloc(NFRAMES, sizeof *run->findings);
    if (run->findings == NULL)
        exit(1);
    run->nfindings = NFRAMES;
    for (size_t i = 0; i < NFRAMES; i++) {
        struct cli_frame *f = &run->findings[i].stack.f[0];
        run->findings[i].stack.n = 1;
        f->module = cli_run_strdup(run, fr->module[i]);
        f->offset = fr->offset[i];
    }
}

/* In process: ns per frame of a first run and of a warm one. */
static void in_process(const struct frames *fr, double *first, double *warm)
{
    struct cli_run a, b;
    char err[128];

    fill(&a, fr);
    fill(&b, fr);
    double t0 = now_ns();
    struct cli_symbolizer *s = cli_symbolizer_start(err, sizeof err);
    if (s == NULL)
        exit(1);
    cli_symbolize_stacks(s, &a);
    double t1 = now_ns();
    cli_symbolize_stacks(s, &b);
    double t2 = now_ns();
    cli_symbolizer_stop(s);
    *first = (t1 - t0) / NFRAMES;
    *warm = (t2 - t1) / NFRAMES;
    cli_run_free(&a);
    cli_run_free(&b);
}

/* --- children ------------------------------------------------------------ */

/* Runs argv with stdin from in (or /dev/null), stdout and stderr to
 * /dev/null; ns it took, or -1 if it could not run or exit 0/23. */
static double run(char *const argv[], const char *in)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = -1;
    double t0 = now_ns();

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", 0, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0)
        waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(status) ||
        (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 23))
        return -1;
    return now_ns() - t0;
}

/* llvm-symbolizer-14: its start (an empty input) and ns per frame in one
 * batch of every frame, the start taken off; -1 when it cannot run. */
static void llvm(const struct frames *fr, const char *dir, int rounds,
                 double *start, double *per)
{
    char *argv[] = {"llvm-symbolizer-14",  "--inlining=false",    "--demangle",
                    "--functions=linkage", "--output-style=LLVM", NULL};
    char queries[128];
    double s[MAX_ROUNDS], p[MAX_ROUNDS];
    FILE *q;

    snprintf(queries, sizeof queries, "%s/queries", dir);
    if ((q = fopen(queries, "w")) == NULL)
        exit(1);
    for (size_t i = 0; i < NFRAMES; i++)
        fprintf(q, "\"%s\" 0x%llx\n", fr->module[i],
                (unsigned long long)fr->offset[i] - 1);
    fclose(q);
    for (int r = 0; r < rounds; r++) {
        s[r] = run(argv, NULL);
        p[r] = (run(argv, queries) - s[r]) / NFRAMES;
        if (s[r] < 0) {
            *start = *per = -1;
            return;
        }
    }
    *start = median(s, rounds);
    *per = median(p, rounds);
}

/* Median ns of `shmcheck -q --isolate -- self --traced what`. */
static double checked(const char *shmcheck, const char *what, int rounds)
{
    char self[4096];
    double t[MAX_ROUNDS];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    if (n <= 0)
        exit(1);
    self[n] = '\0';
    char *argv[] = {(char *)shmcheck, "-q",         "--isolate", "--", self,
                    "--traced",       (char *)what, NULL};
    for (int r = 0; r < rounds; r++)
        if ((t[r] = run(argv, NULL)) < 0)
            return -1;
    return median(t, rounds);
}

static void end_to_end(const char *name, const char *shmcheck, int rounds)
{
    double clean = checked(shmcheck, "clean", rounds);
    double leak = checked(shmcheck, "leak", rounds);

    if (clean < 0 || leak < 0) {
        printf("%-34s cannot run %s\n", name, shmcheck);
        return;
    }
    printf("%-34s clean %7.1f ms, %d leaks %7.1f ms, +%.1f ms\n", name,
           clean / 1e6, STACKS, leak / 1e6, (leak - clean) / 1e6);
}

/* In process, with the separate debug files of /usr/lib/debug (default)
 * or without any (debug_dir: an empty directory). */
static void libdw(const struct frames *fr, const char *label,
                  const char *debug_dir, int rounds)
{
    double first[MAX_ROUNDS], warm[MAX_ROUNDS];

    if (debug_dir != NULL)
        setenv("SHMCHECK_DEBUG_DIR", debug_dir, 1);
    for (int r = 0; r < rounds; r++)
        in_process(fr, &first[r], &warm[r]);
    unsetenv("SHMCHECK_DEBUG_DIR");
    printf("  libdw, %-22s first run %8.1f us/frame, modules open "
           "%6.1f us/frame\n",
           label, median(first, rounds) / 1e3, median(warm, rounds) / 1e3);
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 7;
    double start, per;
    char dir[] = "/tmp/shmc-bench-XXXXXX", empty[64];
    static struct frames fr;

    if (argc == 3 && strcmp(argv[1], "--traced") == 0)
        return traced(strcmp(argv[2], "leak") == 0);
    if (argc < 2 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_frames SHMCHECK [OLD_SHMCHECK] "
                "[ROUNDS 1..%d]\n",
                MAX_ROUNDS);
        return 2;
    }
    if (find_frames(&fr) != 0 || mkdtemp(dir) == NULL)
        return 1;
    unsetenv("DEBUGINFOD_URLS"); /* local files only */
    snprintf(empty, sizeof empty, "%s/empty", dir);
    mkdir(empty, 0700);
    printf("symbolization, %zu distinct frames (libc and this program), "
           "medians of %d:\n",
           NFRAMES, rounds);
    libdw(&fr, "/usr/lib/debug:", NULL, rounds);
    libdw(&fr, "no separate debug:", empty, rounds);
    llvm(&fr, dir, rounds, &start, &per);
    if (start < 0)
        printf("  llvm-symbolizer-14 not installed\n");
    else
        printf("  llvm-symbolizer-14 child, /usr/lib/debug: %8.1f us/frame, "
               "its start %.1f ms\n",
               per / 1e3, start / 1e6);
    printf("shmcheck -- prog, %d distinct stacks, medians of %d:\n", STACKS,
           rounds);
    end_to_end("  shmcheck", argv[1], rounds);
    setenv("SHMCHECK_DEBUG_DIR", empty, 1);
    end_to_end("  shmcheck, no separate debug", argv[1], rounds);
    unsetenv("SHMCHECK_DEBUG_DIR");
    if (argc > 2 && argv[2][0] != '\0')
        end_to_end("  old shmcheck (llvm-symbolizer)", argv[2], rounds);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    return system(rm) != 0;
}
