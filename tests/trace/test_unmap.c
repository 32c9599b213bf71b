/*
 * test_unmap.c - attachments whose pages munmap, mremap or mmap(MAP_FIXED)
 * take away, or remap_file_pages replaces (src/trace/interpose.c,
 * record.c): the program sees the
 * results and errno it sees bare, each attachment touched gets one UNMAP
 * record saying what is left of it, and the standalone report does not
 * call an attachment the kernel detached unmatched.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

struct unmap_case {
    const char *how;
    const char *out; /* bare and traced */
    int status;      /* traced: 23 when the later shmdt fails */
    unsigned n;      /* UNMAP records */
    int64_t call[2]; /* their how (SHMC_JUNMAP_*) */
    int64_t left[2]; /* and what they left (SHMC_JLEFT_*) */
};

static const struct unmap_case cases[] = {
    {"munmap",
     "munmap 0 0\nnattch 0 1234\nshmdt -1 22\n",
     23,
     1,
     {SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_NONE}},
    {"halves",
     "munmap(head) 0 0\nmunmap(tail) 0 1234\nnattch 0 1234\nshmdt -1 22\n",
     23,
     2,
     {SHMC_JUNMAP_MUNMAP, SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_PART, SHMC_JLEFT_NONE}},
    {"part",
     "munmap(tail) 0 0\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_PART}},
    {"shrink",
     "mremap 1 0\nmunmap(head) 0 1234\nnattch 0 1234\nshmdt -1 22\n",
     23,
     2,
     {SHMC_JUNMAP_MREMAP, SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_PART, SHMC_JLEFT_NONE}},
    {"fixed",
     "mmap 1 0\nnattch 0 1234\nshmdt -1 22\n",
     23,
     1,
     {SHMC_JUNMAP_MMAP_FIXED},
     {SHMC_JLEFT_NONE}},
    {"noreplace", "mmap 1 17\nnattch 1 1234\nshmdt 0 1234\n", 0, 0, {0}, {0}},
    {"einval",
     "munmap -1 22\nmmap 1 22\nmremap 1 22\nmmap(both) 1 17\n"
     "mremap(same) 1 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     0,
     {0},
     {0}},
    {"mmap64",
     "mmap64(noreplace) 1 17\nmmap64(unaligned) 1 22\nmmap64 1 1234\n"
     "nattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MMAP_FIXED},
     {SHMC_JLEFT_PART}},
    {"elsewhere",
     "mmap64(any) 1 0\nmmap64(fixed) 1 1234\nmmap(fixed) 1 1234\n"
     "mremap 1 1234\nmremap(fixed) 1 1234\nmunmap 0 1234\n"
     "nattch 1 1234\nshmdt 0 1234\n",
     0,
     0,
     {0},
     {0}},
    {"copy",
     "mremap 1 0\nshmdt(copy) 0 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     0,
     {0},
     {0}},
    {"dontunmap",
     "mremap 1 0\nmunmap(new) 0 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     0,
     {0},
     {0}},
    {"onto",
     "mremap 1 0\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MREMAP},
     {SHMC_JLEFT_PART}},
    {"tailmove",
     "mremap 1 0\nmunmap(moved) 0 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MREMAP},
     {SHMC_JLEFT_PART}},
    {"below",
     "shmat 1 0\nmunmap(below) 0 1234\nmunmap(into) 0 1234\nnattch 1 "
     "1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_PART}},
    {"ontobelow", /* mremap's new place reaches into it from below */
     "shmat 1 0\nmremap 1 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MREMAP},
     {SHMC_JLEFT_PART}},
    {"headmove",
     "mremap 1 0\nmunmap(moved) 0 1234\nnattch 1 1234\nshmdt 0 1234\n",
     0,
     1,
     {SHMC_JUNMAP_MREMAP},
     {SHMC_JLEFT_PART}},
    {"twice",
     "munmap 0 0\nmunmap(again) 0 1234\nnattch 0 1234\nshmdt -1 22\n",
     23,
     1,
     {SHMC_JUNMAP_MUNMAP},
     {SHMC_JLEFT_NONE}},
    {"moved",
     "mremap 1 0\nshmdt(old) -1 22\nshmdt(new) 0 1234\nnattch 0 1234\n",
     23,
     1,
     {SHMC_JUNMAP_MREMAP},
     {SHMC_JLEFT_MOVED}},
};

/* The UNMAP records name the attachment the SHMAT made, in order. */
static void check_records(const struct journal *j, const struct unmap_case *k)
{
    const struct rec *at = rec_of(j, SHMC_J_SHMAT, 0);

    assert_non_null(at);
    assert_int_equal(j->count[SHMC_J_UNMAP], k->n);
    for (unsigned i = 0; i < k->n; i++) {
        const struct rec *u = rec_of(j, SHMC_J_UNMAP, (int)i);
        assert_non_null(u);
        assert_int_equal(u->err, 0);
        assert_int_equal(u->args[0], at->result);
        assert_int_equal(u->args[1], at->args[0]);
        assert_int_equal(u->args[2], k->call[i]);
        assert_int_equal(u->args[3], k->left[i]);
        assert_true(u->nframes >= 1); /* the call's stack */
        if (k->left[i] == SHMC_JLEFT_MOVED) {
            assert_int_not_equal(u->result, 0);
            assert_int_not_equal(u->result, at->result);
        } else {
            assert_int_equal(u->result, 0);
        }
    }
}

/* A moved attachment is detached at its new address. */
static void check_moved(const struct journal *j)
{
    const struct rec *u = rec_of(j, SHMC_J_UNMAP, 0);
    const struct rec *dt = rec_of(j, SHMC_J_SHMDT, 1);

    assert_non_null(dt);
    assert_int_equal(dt->args[0], u->result);
    assert_int_equal(dt->result, 0);
    assert_int_equal(dt->args[2], 1); /* was attached */
}

static void unmap_cases(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;

    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct unmap_case *k = &cases[i];
        char *argv[] = {SHMC_TRACED_PROG, "unmap", (char *)k->how, NULL};
        const struct journal *j;

        print_message("unmap %s\n", k->how);
        reset(fx);
        run_bare(fx, &bare, argv);
        run_traced(fx, &traced, argv, NULL);
        assert_exit(bare.status, 0);
        assert_string_equal(bare.out, k->out);
        assert_string_equal(traced.out, bare.out);
        assert_exit(traced.status, k->status);
        /* The kernel detached it: no unmatched attach in the report. */
        assert_null(strstr(traced.err, "unmatched attach:"));
        if (k->status != 0)
            assert_non_null(strstr(traced.err, " 0 unmatched attach(es)"));
        read_journals(fx);
        assert_int_equal(fx->nj, 1);
        j = &fx->j[0];
        assert_int_equal(j->end, SHMC_JEND);
        check_records(j, k);
        if (!strcmp(k->how, "moved"))
            check_moved(j);
    }
}

/* A hole in the middle leaves a part; of three attachments each munmap
 * ends only its own, whichever side the others are on. */
static void unmap_hole_and_three(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "unmap", "hole", NULL};
    const struct journal *j;
    const int order[3] = {2, 1, 3}; /* the SHMATs the UNMAPs name */

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "munmap(middle) 0 0\nnattch 2 1234\n"
                                  "shmdt 0 1234\nmunmap(middle) 0 1234\n"
                                  "munmap(ends) 0 1234\nshmdt -1 22\n"
                                  "shmdt -1 22\nshmdt -1 22\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_non_null(strstr(traced.err, " 0 unmatched attach(es)"));
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    j = &fx->j[0];
    assert_int_equal(j->count[SHMC_J_SHMAT], 4);
    assert_int_equal(j->count[SHMC_J_UNMAP], 4);
    assert_int_equal(rec_of(j, SHMC_J_UNMAP, 0)->args[3], SHMC_JLEFT_PART);
    assert_int_equal(rec_of(j, SHMC_J_SHMDT, 0)->result, 0);
    for (int i = 1; i < 4; i++) {
        const struct rec *u = rec_of(j, SHMC_J_UNMAP, i);
        assert_int_equal(u->args[0],
                         rec_of(j, SHMC_J_SHMAT, order[i - 1])->result);
        assert_int_equal(u->args[3], SHMC_JLEFT_NONE);
    }
}

/* Standalone (no log directory, no journal) the report still knows the
 * kernel detached it: no unmatched attach, the shmdt after is invalid. */
static void unmap_standalone(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "unmap", "munmap", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, "SHMCHECK_LOG_DIR=");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_non_null(strstr(traced.err, " 0 unmatched attach(es)"));
    assert_non_null(strstr(traced.err, " 1 invalid detach(es)"));
    read_journals(fx);
    assert_int_equal(fx->nj, 0);
}

/* remap_file_pages over an attachment: the program sees what it sees bare
 * (the segment still attached, shmdt of its address EINVAL); the tracer
 * records each call as an UNMAP that leaves it attached, marks the shmdt
 * as the detach of a replaced mapping (a[3]), and says so in its report
 * rather than "double detach" or "not attached". */
static void unmap_remap_file_pages(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "unmap", "remap", NULL};
    const struct journal *j;
    const struct rec *at, *dt;

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "remap_file_pages 0 0\n"
                                  "remap_file_pages(tail) 0 1234\n"
                                  "nattch 2 1234\nshmdt -1 22\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_non_null(strstr(traced.err, "failed with EINVAL: remap_file_pages "
                                       "replaced the first page of shmid "));
    assert_non_null(strstr(traced.err, "'s attachment there: shmdt no longer "
                                       "finds it\n"));
    read_journals(fx);
    assert_int_equal(fx->nj, 1);
    j = &fx->j[0];
    at = rec_of(j, SHMC_J_SHMAT, 0);
    assert_int_equal(j->count[SHMC_J_UNMAP], 2);
    for (int i = 0; i < 2; i++) {
        const struct rec *u = rec_of(j, SHMC_J_UNMAP, i);
        assert_int_equal(u->args[0], at->result);
        assert_int_equal(u->args[2], SHMC_JUNMAP_REMAP_FILE_PAGES);
        assert_int_equal(u->args[3], SHMC_JLEFT_PART);
    }
    dt = rec_of(j, SHMC_J_SHMDT, 0);
    assert_int_equal(dt->result, -1);
    assert_int_equal(dt->args[2], 1); /* attached */
    assert_int_equal(dt->args[3], 1); /* its first page replaced */
}

/* Without the tracer's exit code the traced run ends as the bare one. */
static void unmap_exit_status_as_bare(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "unmap", "munmap", NULL};

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, "SHMCHECK_EXITCODE=0");
    assert_string_equal(traced.out, bare.out);
    assert_int_equal(traced.status, bare.status);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(unmap_cases),
        T(unmap_hole_and_three),
        T(unmap_standalone),
        T(unmap_remap_file_pages),
        T(unmap_exit_status_as_bare),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
