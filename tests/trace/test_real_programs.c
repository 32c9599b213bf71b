/*
 * test_real_programs.c - the tracer preloaded into programs nobody here
 * wrote: util-linux ipcmk, whose segment is a leak on purpose, and
 * AFL++'s afl-showmap, which shares its coverage segments with the
 * target it forks and removes them. Each skips when the program is not
 * installed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* util-linux ipcmk leaves its segment on purpose. */
static void ipcmk_leak_is_reported(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {"/usr/bin/ipcmk", "-M", "4096", NULL};

    if (access(argv[0], X_OK) != 0)
        skip();
    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 23);
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_non_null(strstr(r.err, "4096 bytes"));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 1);
}

/* Concatenates the reports of every process (SHMCHECK_REPORT=logdir). */
static void read_reports(const struct fx *fx, char *out, size_t len)
{
    struct dirent **names;
    char path[512];
    size_t used = 0;
    int n = scandir(fx->dir, &names, NULL, alphasort);

    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        int fd;
        ssize_t got;
        snprintf(path, sizeof path, "%s/%s", fx->dir, name);
        if (strstr(name, ".report") && (fd = open(path, O_RDONLY)) >= 0) {
            while (used + 1 < len &&
                   (got = read(fd, out + used, len - 1 - used)) > 0)
                used += (size_t)got;
            out[used] = '\0';
            close(fd);
        }
        free(names[i]);
    }
    free(names);
}

/* AFL++ creates its coverage segments, shares them with the forked
 * target, and removes them: nothing leaks; the target's attachment, which
 * the kernel drops at its exit, is an unmatched attach only. */
static void afl_showmap_leaks_nothing(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char reports[OUT_MAX];
    char src[256], bin[256], map[256], cc[1024];

    if (access("/usr/bin/afl-showmap", X_OK) != 0 ||
        access("/usr/bin/afl-cc", X_OK) != 0)
        skip();
    snprintf(src, sizeof src, "%s/target.c", fx->dir);
    snprintf(bin, sizeof bin, "%s/target", fx->dir);
    snprintf(map, sizeof map, "%s/map", fx->dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("#include <stdio.h>\nint main(void) { return getchar() == 'a'; }\n",
          f);
    fclose(f);
    snprintf(cc, sizeof cc, "AFL_QUIET=1 afl-cc -o %s %s 2>/dev/null", bin,
             src);
    assert_int_equal(system(cc), 0);
    char *argv[] = {"/usr/bin/afl-showmap", "-q", "-o", map, "--", bin, NULL};

    run_traced(fx, &r, argv, "SHMCHECK_REPORT=logdir");
    read_reports(fx, reports, sizeof reports);
    read_journals(fx);

    assert_true(WIFEXITED(r.status)); /* afl-showmap's own status kept */
    assert_null(strstr(reports, "leaked segment:"));
    assert_non_null(strstr(reports, "unmatched attach"));
    assert_true(fx->nj >= 3); /* afl-showmap, forkserver, target */
    unsigned created = 0, removed = 0;
    for (int i = 0; i < fx->nj; i++) {
        created += fx->j[i].count[SHMC_J_SHMGET];
        removed += fx->j[i].count[SHMC_J_SHMCTL];
    }
    assert_true(created >= 1);
    assert_true(removed >= created);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(ipcmk_leak_is_reported),
        T(afl_showmap_leaks_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
