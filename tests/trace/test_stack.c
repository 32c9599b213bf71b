/*
 * test_stack.c - call stacks and the module list (src/trace/stack.c and
 * modules.c): the stacks of each SHMCHECK_STACKS mode and depth, a corrupt
 * frame chain that ends the walk, more modules than the tracer keeps, and a
 * library loaded at run time journaled as a module.
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

#define FAKE_RET 0x1234567u /* the traced program's fake return address */

/* The load bias of traced_prog in j (its MODULE record). */
static uint64_t exe_bias(const struct journal *j)
{
    for (int n = 0; rec_of(j, SHMC_J_MODULE, n) != NULL; n++)
        if (strcmp(rec_of(j, SHMC_J_MODULE, n)->payload, SHMC_TRACED_PROG) == 0)
            return (uint64_t)rec_of(j, SHMC_J_MODULE, n)->args[0];
    fail_msg("no MODULE record for traced_prog");
    return 0;
}

struct stack_case {
    const char *settings;
    int stacks_flag; /* SHMC_JF_STACKS in the header */
    int nframes;     /* 0: more than 3 */
};

/* The stack of a shmget called through a known chain of three functions,
 * as each mode records it: fast (frame pointers) and full (the unwinder)
 * agree frame by frame; STACK_DEPTH cuts both; off keeps the call site. */
static void stacks_of_each_mode_and_depth(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const struct stack_case cases[] = {
        {"SHMCHECK_STACKS=fast", 1, 0},
        {"SHMCHECK_STACKS=full", 1, 0},
        {"SHMCHECK_STACKS=fast SHMCHECK_STACK_DEPTH=3", 1, 3},
        {"SHMCHECK_STACKS=full SHMCHECK_STACK_DEPTH=2", 1, 2},
        {"SHMCHECK_STACKS=fast SHMCHECK_STACK_DEPTH=1", 1, 1},
        {"SHMCHECK_STACKS=off", 0, 1},
    };
    uint64_t chain[4] = {0};

    for (size_t i = 0; i < NELEM(cases); i++) {
        reset(fx);
        run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "stacks", NULL},
                   cases[i].settings);
        read_journals(fx);

        assert_exit(r.status, 0);
        assert_int_equal(fx->nj, 1);
        const struct journal *j = &fx->j[0];
        const struct rec *get = rec_of(j, SHMC_J_SHMGET, 0);
        uint64_t bias = exe_bias(j);
        assert_int_equal((j->flags & SHMC_JF_STACKS) != 0,
                         cases[i].stacks_flag);
        if (cases[i].nframes == 0)
            assert_true(get->nframes > 3 && get->nframes <= 8);
        else
            assert_int_equal(get->nframes, cases[i].nframes);
        for (unsigned k = 0; k < 4 && k < get->nframes; k++) {
            if (i == 0)
                chain[k] = get->frames[k] - bias;
            assert_int_equal(get->frames[k] - bias, chain[k]);
        }
    }
}

/* Code without frame pointers may leave anything in the frame pointer
 * register: the fast walk stops at a frame that is not above the last,
 * past the stack's top, too far away, misaligned or has an impossible
 * return address, keeping what came before. A frame that is in no
 * object is reported as a bare address. */
static void corrupt_frame_chain_ends_the_walk(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const char *kinds[] = {"down", "top", "misaligned", "gap", "lowret"};
    const int nframes[] = {2, 2, 2, 2, 1};
    char line[64];

    for (size_t i = 0; i < NELEM(kinds); i++) {
        char *argv[] = {SHMC_TRACED_PROG, "badframe", (char *)kinds[i], NULL};
        reset(fx);
        run_traced(fx, &r, argv, NULL);
        if (strncmp(r.out, "skip", 4) == 0)
            skip();
        read_journals(fx);

        assert_exit(r.status, i == 0 ? 23 : 0); /* "down" leaks */
        const struct rec *get = rec_of(&fx->j[0], SHMC_J_SHMGET, 0);
        assert_non_null(get);
        assert_int_equal(get->nframes, nframes[i]);
        if (nframes[i] == 2)
            assert_int_equal(get->frames[1], FAKE_RET);
    }
    reset(fx);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "badframe", "down", NULL},
               NULL);
    snprintf(line, sizeof line, "==%d==     #1 0x%x\n", (int)r.pid, FAKE_RET);
    assert_non_null(strstr(r.err, line));
}

/* Writes n bytes of data to path. */
static void write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* A program that loads more modules than the tracer keeps (256): the
 * first 256 with code are journaled, the rest and one without code are
 * not, and the program goes on; once the list is full, a module loaded
 * after another was unloaded is not journaled either. */
static void more_modules_than_the_tracer_keeps(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    static char lib[64 << 10];
    char path[256], cc[512];
    struct stat st;
    int fd;

    snprintf(path, sizeof path, "%s/empty.c", fx->dir);
    write_file(path, "int shmc_empty;\n", 16);
    snprintf(path, sizeof path, "%s/data.c", fx->dir);
    write_file(path, "const int shmc_data = 1;\n", 25);
    snprintf(cc, sizeof cc,
             "cc -shared -fPIC -o %1$s/lib0.so %1$s/empty.c 2>/dev/null && "
             "cc -shared -nostdlib -o %1$s/data.so %1$s/data.c 2>/dev/null",
             fx->dir);
    if (system(cc) != 0)
        skip();
    snprintf(path, sizeof path, "%s/lib0.so", fx->dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0 && fstat(fd, &st) == 0);
    assert_true((size_t)st.st_size <= sizeof lib);
    assert_int_equal(read(fd, lib, sizeof lib), st.st_size);
    close(fd);
    for (int i = 1; i < 260; i++) { /* copies are distinct modules */
        snprintf(path, sizeof path, "%s/lib%d.so", fx->dir, i);
        write_file(path, lib, (size_t)st.st_size);
    }

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "modules", fx->dir, NULL},
               NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "modules 1 260 1 1\n");
    assert_int_equal(fx->j[0].count[SHMC_J_MODULE], 256);
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_MODULE, n) != NULL; n++) {
        const char *path = rec_of(&fx->j[0], SHMC_J_MODULE, n)->payload;
        assert_null(strstr(path, "data.so"));
        assert_null(strstr(path, "/libm.so"));
    }
}

/* A library with two code segments far apart (its own section placed at
 * 4 MiB): its module's range runs from the first to the end of the
 * second. */
static void module_with_two_code_segments(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char path[256], cc[512];
    const struct rec *m = NULL;

    snprintf(path, sizeof path, "%s/two.c", fx->dir);
    write_file(path,
               "int shmc_one(void) { return 1; }\n"
               "__attribute__((section(\"shmc_far\")))\n"
               "int shmc_two(void) { return 2; }\n",
               103);
    snprintf(cc, sizeof cc,
             "cc -shared -fPIC -o %1$s/two.so %1$s/two.c "
             "-Wl,--section-start=shmc_far=0x400000 2>/dev/null",
             fx->dir);
    if (system(cc) != 0)
        skip();
    snprintf(path, sizeof path, "%s/two.so", fx->dir);
    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "load", path, NULL}, NULL);
    read_journals(fx);
    assert_exit(r.status, 0);
    assert_string_equal(r.out, "load 1\n");
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_MODULE, n) != NULL; n++)
        if (strcmp(rec_of(&fx->j[0], SHMC_J_MODULE, n)->payload, path) == 0)
            m = rec_of(&fx->j[0], SHMC_J_MODULE, n);
    assert_non_null(m);
    assert_true(m->args[1] < m->args[0] + 0x400000);
    assert_true(m->args[2] > m->args[0] + 0x400000);
    assert_true(m->args[2] <= m->args[0] + 0x401000);
}

/* A library loaded at run time is journaled as a module (the CLI needs
 * it to symbolize), once; dlopen's results are unchanged. */
static void dlopen_journals_the_new_module(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "dlopen", NULL};
    int libm = 0, exe = 0;

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(traced.status, 0);
    assert_string_equal(bare.out, "dlopen 1 1 0 named\n");
    assert_string_equal(traced.out, bare.out);
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_MODULE, n) != NULL; n++) {
        const char *path = rec_of(&fx->j[0], SHMC_J_MODULE, n)->payload;
        libm += strstr(path, "/libm.so.6") != NULL;
        exe += strcmp(path, SHMC_TRACED_PROG) == 0;
    }
    assert_int_equal(libm, 1);
    assert_int_equal(exe, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(stacks_of_each_mode_and_depth),
        T(corrupt_frame_chain_ends_the_walk),
        T(more_modules_than_the_tracer_keeps),
        T(dlopen_journals_the_new_module),
        T(module_with_two_code_segments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
