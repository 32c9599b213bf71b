/*
 * test_limits.c - shmc_limits(): read once, cached, thread-safe, equal to
 * /proc/sys/kernel/shm*; shmc_limits_read(): counts the files it parsed and
 * keeps the kernel's compiled-in default for each missing or malformed one.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock.h"
#include "shmcheck.h"
#include "testutil.h"

/* include/uapi/linux/shm.h: SHMMAX, SHMALL and SHMMNI a kernel boots with. */
#define DEFAULT_SHMMAX (ULONG_MAX - (1UL << 24))
#define DEFAULT_SHMALL (ULONG_MAX - (1UL << 24))
#define DEFAULT_SHMMNI 4096UL

#define NTHREADS 8

static const char *const files[] = {"shmmax", "shmall", "shmmni"};
#define NFILES COUNT(files)

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    static struct fixture fx;

    mock_reset();
    strcpy(fx.dir, "/tmp/shmc-limits-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char path[128];

    for (size_t i = 0; i < NFILES; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->dir, files[i]);
        if (unlink(path) != 0 && errno == EISDIR)
            rmdir(path);
    }
    return rmdir(fx->dir);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static unsigned long read_proc(const char *name)
{
    char path[64];
    unsigned long v = 0;
    snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%lu", &v), 1);
    fclose(f);
    return v;
}

static void assert_defaults_except(const struct shmc_limits *l,
                                   const char *read_name, unsigned long v)
{
    unsigned long shmmax = DEFAULT_SHMMAX, shmall = DEFAULT_SHMALL,
                  shmmni = DEFAULT_SHMMNI;
    if (read_name && strcmp(read_name, "shmmax") == 0)
        shmmax = v;
    if (read_name && strcmp(read_name, "shmall") == 0)
        shmall = v;
    if (read_name && strcmp(read_name, "shmmni") == 0)
        shmmni = v;
    assert_int_equal(l->shmmax, shmmax);
    assert_int_equal(l->shmall, shmall);
    assert_int_equal(l->shmmni, shmmni);
    assert_int_equal(l->shmmin, 1);
    assert_int_equal(l->shmlba, SHMLBA);
    assert_int_equal(l->page_size, sysconf(_SC_PAGESIZE));
}

struct caller {
    pthread_barrier_t *start;
    int errno_in;
    int errno_out;
    const struct shmc_limits *got;
    struct shmc_limits copy;
};

static void *call_limits(void *arg)
{
    struct caller *c = arg;
    pthread_barrier_wait(c->start);
    errno = c->errno_in;
    c->got = shmc_limits();
    c->errno_out = errno;
    c->copy = *c->got;
    return NULL;
}

/* Listed first in the table so that these are the process's first calls:
 * NTHREADS threads released together race through the one-time load. */
static void test_limits_concurrent_first_calls_agree(void **state)
{
    (void)state;
    pthread_barrier_t start;
    pthread_t tid[NTHREADS];
    struct caller c[NTHREADS];
    struct shmc_limits fresh;
    int nread = shmc_limits_read("/proc/sys/kernel", &fresh);
    assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
    for (int i = 0; i < NTHREADS; i++) {
        c[i] = (struct caller){.start = &start, .errno_in = 1000 + i};
        assert_int_equal(pthread_create(&tid[i], NULL, call_limits, &c[i]), 0);
    }

    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    pthread_barrier_destroy(&start);

    assert_int_equal(nread, 3);
    for (int i = 0; i < NTHREADS; i++) {
        assert_ptr_equal(c[i].got, c[0].got);
        assert_int_equal(c[i].errno_out, 1000 + i);
        assert_memory_equal(&c[i].copy, &fresh, sizeof fresh);
    }
    assert_ptr_equal(shmc_limits(), c[0].got);
}

static void test_limits_cached_same_pointer(void **state)
{
    (void)state;
    const struct shmc_limits *first = shmc_limits();
    struct shmc_limits copy = *first;

    const struct shmc_limits *second = shmc_limits();

    assert_non_null(first);
    assert_ptr_equal(first, second);
    assert_memory_equal(second, &copy, sizeof copy);
}

static void test_limits_match_proc(void **state)
{
    (void)state;
    unsigned long shmmax = read_proc("shmmax");
    unsigned long shmall = read_proc("shmall");
    unsigned long shmmni = read_proc("shmmni");
    long page = sysconf(_SC_PAGESIZE);

    const struct shmc_limits *l = shmc_limits();

    assert_int_equal(l->shmmax, shmmax);
    assert_int_equal(l->shmall, shmall);
    assert_int_equal(l->shmmni, shmmni);
    assert_int_equal(l->shmmin, 1);
    assert_int_equal(l->page_size, page);
    assert_int_equal(l->shmlba, SHMLBA);
    assert_int_equal(l->page_size & (l->page_size - 1), 0);
    assert_int_equal(l->shmlba % l->page_size, 0);
    assert_true(l->shmmax >= l->shmmin);
}

static void test_read_all_good(void **state)
{
    struct fixture *fx = *state;
    struct shmc_limits l;
    write_file(fx->dir, "shmmax", "1048576\n");
    write_file(fx->dir, "shmall", "2048\n");
    write_file(fx->dir, "shmmni", "128");

    int n = shmc_limits_read(fx->dir, &l);

    assert_int_equal(n, 3);
    assert_int_equal(l.shmmax, 1048576);
    assert_int_equal(l.shmall, 2048);
    assert_int_equal(l.shmmni, 128);
    assert_int_equal(l.shmmin, 1);
    assert_int_equal(l.shmlba, SHMLBA);
    assert_int_equal(l.page_size, sysconf(_SC_PAGESIZE));
}

static void test_read_missing_dir_gives_defaults(void **state)
{
    struct fixture *fx = *state;
    char missing[128];
    struct shmc_limits l;
    snprintf(missing, sizeof missing, "%s/nonexistent", fx->dir);
    fill_sentinel(l);

    int n = shmc_limits_read(missing, &l);

    assert_int_equal(n, 0);
    assert_defaults_except(&l, NULL, 0);
}

static void test_read_dir_too_long_gives_defaults(void **state)
{
    (void)state;
    static char dir[PATH_MAX + 16];
    struct shmc_limits l;
    memset(dir, 'd', sizeof dir - 1);
    dir[0] = '/';
    dir[sizeof dir - 1] = '\0';

    int n = shmc_limits_read(dir, &l);

    assert_int_equal(n, 0);
    assert_defaults_except(&l, NULL, 0);
}

static void test_read_one_missing_keeps_its_default(void **state)
{
    struct fixture *fx = *state;

    for (size_t i = 0; i < NFILES; i++) {
        char path[128];
        struct shmc_limits l;
        write_file(fx->dir, "shmmax", "4096\n");
        write_file(fx->dir, "shmall", "4096\n");
        write_file(fx->dir, "shmmni", "4096\n");
        snprintf(path, sizeof path, "%s/%s", fx->dir, files[i]);
        assert_int_equal(unlink(path), 0);

        int n = shmc_limits_read(fx->dir, &l);

        assert_int_equal(n, 2);
        assert_int_equal(l.shmmax, i == 0 ? DEFAULT_SHMMAX : 4096);
        assert_int_equal(l.shmall, i == 1 ? DEFAULT_SHMALL : 4096);
        assert_int_equal(l.shmmni, i == 2 ? DEFAULT_SHMMNI : 4096);
    }
}

/* Each malformed text in each of the three files: that file keeps its
 * default, the two others (holding 77) are read. */
static void test_read_malformed_keeps_default(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad[] = {
        "abc",
        "-5",
        "12x",
        "",
        "99999999999999999999999",
        "18446744073709551616",
        " 5",
        "+5",
        "0x10",
        "5 ",
        "\n5",
        "5\nxyz",
        "5\n\n",
    };

    for (size_t f = 0; f < NFILES; f++) {
        for (size_t b = 0; b < COUNT(bad); b++) {
            struct shmc_limits l;
            for (size_t g = 0; g < NFILES; g++)
                write_file(fx->dir, files[g], g == f ? bad[b] : "77\n");

            int n = shmc_limits_read(fx->dir, &l);

            if (n != 2)
                fail_msg("%s = \"%s\": %d files read, want 2", files[f], bad[b],
                         n);
            assert_int_equal(l.shmmax, f == 0 ? DEFAULT_SHMMAX : 77);
            assert_int_equal(l.shmall, f == 1 ? DEFAULT_SHMALL : 77);
            assert_int_equal(l.shmmni, f == 2 ? DEFAULT_SHMMNI : 77);
        }
    }
}

static void test_read_accepts_edges(void **state)
{
    struct fixture *fx = *state;
    struct shmc_limits l;
    write_file(fx->dir, "shmmax", "18446744073709551615\n");
    write_file(fx->dir, "shmall", "0\n");
    write_file(fx->dir, "shmmni", "007");

    int n = shmc_limits_read(fx->dir, &l);

    assert_int_equal(n, 3);
    assert_int_equal(l.shmmax, ULONG_MAX);
    assert_int_equal(l.shmall, 0);
    assert_int_equal(l.shmmni, 7);
}

static void test_read_directory_in_place_of_file(void **state)
{
    struct fixture *fx = *state;
    char path[128];
    struct shmc_limits l;
    snprintf(path, sizeof path, "%s/shmmax", fx->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(fx->dir, "shmall", "10\n");
    write_file(fx->dir, "shmmni", "20\n");

    int n = shmc_limits_read(fx->dir, &l);

    assert_int_equal(n, 2);
    assert_int_equal(l.shmmax, DEFAULT_SHMMAX);
    assert_int_equal(l.shmall, 10);
    assert_int_equal(l.shmmni, 20);
}

/* shmc_limits() loads through shmc_limits_read, and the validators that
 * call it promise not to touch errno, so a failed open or parse must not. */
static void test_read_keeps_errno(void **state)
{
    struct fixture *fx = *state;
    char missing[128];
    struct shmc_limits l;
    snprintf(missing, sizeof missing, "%s/nonexistent", fx->dir);
    write_file(fx->dir, "shmmax", "99999999999999999999999");
    write_file(fx->dir, "shmall", "12x");
    write_file(fx->dir, "shmmni", "5\n");

    errno = 12345;
    int n_missing = shmc_limits_read(missing, &l);
    int errno_missing = errno;
    errno = 12345;
    int n_bad = shmc_limits_read(fx->dir, &l);
    int errno_bad = errno;

    assert_int_equal(n_missing, 0);
    assert_int_equal(errno_missing, 12345);
    assert_int_equal(n_bad, 1);
    assert_int_equal(errno_bad, 12345);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* Must stay first: it makes the process's first shmc_limits calls. */
        cmocka_unit_test_setup_teardown(
            test_limits_concurrent_first_calls_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_cached_same_pointer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_limits_match_proc, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_all_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_missing_dir_gives_defaults,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_dir_too_long_gives_defaults,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_one_missing_keeps_its_default,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_malformed_keeps_default,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_accepts_edges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_directory_in_place_of_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_keeps_errno, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
