/*
 * test_record.c - what each call leaves behind (src/trace/record.c and
 * emit.c): the journal records of IPC_SET and of ftok with no path or a
 * path too long for a record, the detach of an attachment the tracer never
 * saw; a journal that survives a program closing every fd; journal limits
 * (file size, address space) that do not hurt the program; and the
 * per-process tables under memory exhaustion: what cannot be stored is not
 * reported in detail, and the program's calls never fail for it; without a
 * journal at all, the tables alone still give the report.
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
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/writer.h"

#include "harness.h"

/* IPC_SET journals the mode it sets; ftok of no path and of a path too
 * long for a record are journaled (the path cut to fit, never dropped);
 * results and errno are unchanged. */
static void ipc_set_and_ftok_are_journaled(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "calls", NULL};
    const struct rec *set = NULL, *set_null = NULL;

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, bare.out);
    assert_non_null(strstr(bare.out, "IPC_SET 0 0\nIPC_SET(NULL) -1 14\n"));
    for (int n = 0; rec_of(&fx->j[0], SHMC_J_SHMCTL, n) != NULL; n++) {
        const struct rec *c = rec_of(&fx->j[0], SHMC_J_SHMCTL, n);
        if (c->args[1] == IPC_SET)
            *(c->result == 0 ? &set : &set_null) = c;
    }
    assert_non_null(set);
    assert_int_equal(set->args[2], 0640);
    assert_non_null(set_null);
    assert_int_equal(set_null->err, EFAULT);
    assert_int_equal(set_null->args[2], 0);
    const struct rec *none = rec_of(&fx->j[0], SHMC_J_FTOK, 0);
    const struct rec *cut = rec_of(&fx->j[0], SHMC_J_FTOK, 1);
    assert_int_equal(none->err, EFAULT);
    assert_int_equal(none->payload_len, 0);
    assert_int_equal(cut->size, SHMC_JMAX_RECORD);
    assert_int_equal(cut->payload_len,
                     SHMC_JMAX_RECORD - SHMC_JREC_HEADER - 8u * cut->nframes);
}

/* An attachment the tracer never saw (made with the system call itself)
 * detached through libc: not an invalid detach, journaled as unknown. */
static void detach_of_an_unseen_attachment(void **state)
{
    struct fx *fx = *state;
    static struct run r;

    run_traced(fx, &r, (char *[]){SHMC_TRACED_PROG, "rawshmat", NULL}, NULL);
    read_journals(fx);

    assert_exit(r.status, 0);
    assert_string_equal(r.out, "raw 0\n");
    assert_string_equal(r.err, "");
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 0);
    const struct rec *dt = rec_of(&fx->j[0], SHMC_J_SHMDT, 0);
    assert_int_equal(dt->result, 0);
    assert_int_equal(dt->args[1], -1); /* shmid unknown */
    assert_int_equal(dt->args[2], 0);  /* not attached as far as we know */
}

static void journal_survives_closed_fds(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    char *argv[] = {SHMC_TRACED_PROG, "closefds", NULL};

    run_traced(fx, &r, argv, NULL);
    read_journals(fx);

    assert_exit(r.status, 23); /* the leak, though stderr was closed */
    assert_int_equal(fx->nj, 1);
    assert_true(fx->j[0].file_size > (1u << 20)); /* grew after the close */
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
}

static void limit_file_size(const void *bytes)
{
    struct rlimit rl = {*(const rlim_t *)bytes, RLIM_INFINITY};

    signal(SIGXFSZ, SIG_DFL);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(126);
}

static void limit_address_space(const void *bytes)
{
    struct rlimit rl = {*(const rlim_t *)bytes, RLIM_INFINITY};

    if (setrlimit(RLIMIT_AS, &rl) != 0)
        _exit(126);
}

/* A file size limit below one journal chunk: the journal is as large as
 * the limit allows, and holds everything of a short program; the tracer
 * once raised SIGXFSZ and killed the program. A
 * limit of a chunk and a half: the journal stops at its first chunk,
 * whole and readable, and the report still knows everything. An address
 * space too small for the journal's reserved range: warns, goes on. */
static void journal_limits_do_not_hurt_the_program(void **state)
{
    struct fx *fx = *state;
    static struct run r;
    const rlim_t small = 64 << 10, chunk_and_half = SHMC_JCHUNK * 3 / 2;
    const rlim_t address_space = 256 << 20;
    const struct how tiny = {fx->dir, NULL, limit_file_size, &small};
    const struct how frozen = {fx->dir, NULL, limit_file_size, &chunk_and_half};
    const struct how no_room = {fx->dir, NULL, limit_address_space,
                                &address_space};

    run(fx, &r, &tiny, (char *[]){SHMC_TRACED_PROG, "leave", "exit", NULL});
    read_journals(fx);
    assert_exit(r.status, 23);
    assert_null(strstr(r.err, "cannot create a journal"));
    assert_non_null(strstr(r.err, "ERROR: leaked segment"));
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 1);
    reset(fx);

    run(fx, &r, &frozen, (char *[]){SHMC_TRACED_PROG, "churn", NULL});
    read_journals(fx);
    assert_exit(r.status, 23);
    assert_string_equal(r.out, "churned\n");
    assert_int_equal(count_lines(r.err, "ERROR: leaked segment"), 1);
    assert_int_equal(fx->nj, 1);
    assert_int_equal(fx->j[0].file_size, SHMC_JCHUNK);
    assert_int_equal(fx->j[0].end, SHMC_JEND);
    assert_true(fx->j[0].count[SHMC_J_SHMAT] > 1000);
    assert_true(fx->j[0].count[SHMC_J_SHMAT] < 20000);
    assert_int_equal(fx->j[0].count[SHMC_J_EXIT], 0);

    reset(fx);
    run(fx, &r, &no_room, (char *[]){SHMC_TRACED_PROG, "clean", NULL});
    read_journals(fx);
    assert_exit(r.status, 0);
    assert_non_null(strstr(r.out, "clean "));
    assert_non_null(strstr(r.err, "cannot create a journal"));
    assert_int_equal(fx->nj, 0);
}

/* With the address space capped, the tracer's tables cannot grow: what
 * it cannot store it does not report in detail (a leak without its
 * stack, an unmatched attach counted but not shown), it never fails the
 * program's calls or changes their results, and the journal has them
 * all. */
static void memory_exhaustion(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *argv[] = {SHMC_TRACED_PROG, "nomem", NULL};
    char block_end[64];

    run_bare(fx, &bare, argv);
    run_traced(fx, &traced, argv, NULL);
    read_journals(fx);

    assert_exit(bare.status, 0);
    assert_string_equal(bare.out, "nomem start\nnomem 1 1 0 0 1 1\n");
    assert_string_equal(traced.out, bare.out);
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    snprintf(block_end, sizeof block_end, "(IPC_RMID):\n==%d== SUMMARY",
             (int)traced.pid);
    assert_non_null(strstr(traced.err, block_end)); /* no stack */
    assert_null(strstr(traced.err, "unmatched attach:"));
    assert_non_null(strstr(traced.err, "1 leaked segment(s) (4096 bytes), 1 "
                                       "unmatched attach(es)"));
    assert_int_equal(fx->j[0].count[SHMC_J_SHMGET], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMAT], 2);
    assert_int_equal(fx->j[0].count[SHMC_J_SHMDT], 1);
    assert_int_equal(fx->j[0].failed[SHMC_J_SHMDT], 0);
}

/* Without a journal (SHMCHECK_LOG_DIR empty) the tracer still reports
 * each process, and changes nothing the program sees. */
static void tracing_without_a_journal(void **state)
{
    struct fx *fx = *state;
    static struct run bare, traced;
    char *results[] = {SHMC_TRACED_PROG, "results", NULL};
    char *exec_fail[] = {SHMC_TRACED_PROG, "exec-fail", "execv", NULL};

    run_bare(fx, &bare, results);
    run_traced(fx, &traced, results, "SHMCHECK_LOG_DIR= SHMCHECK_EXITCODE=0");
    assert_exit(traced.status, 0);
    assert_string_equal(traced.out, bare.out);
    assert_non_null(strstr(traced.err, "ERROR: invalid detach"));
    assert_non_null(strstr(traced.err, "WARNING: failed call: shmat"));

    run_bare(fx, &bare, exec_fail);
    run_traced(fx, &traced, exec_fail, "SHMCHECK_LOG_DIR=");
    assert_exit(traced.status, 0);
    assert_int_equal(strcspn(traced.out, "\n"), strcspn(bare.out, "\n"));
    assert_memory_equal(traced.out, bare.out, strcspn(bare.out, "\n"));

    run_traced(fx, &traced, (char *[]){SHMC_TRACED_PROG, "fork", NULL},
               "SHMCHECK_LOG_DIR=");
    assert_exit(traced.status, 23);
    assert_int_equal(count_lines(traced.err, "ERROR: leaked segment"), 1);
    assert_non_null(strstr(traced.err, "(inherited through fork)"));

    read_journals(fx);
    assert_int_equal(fx->nj, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(ipc_set_and_ftok_are_journaled),
        T(detach_of_an_unseen_attachment),
        T(journal_survives_closed_fds),
        T(journal_limits_do_not_hurt_the_program),
        T(memory_exhaustion),
        T(tracing_without_a_journal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
