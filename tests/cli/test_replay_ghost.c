/*
 * test_replay_ghost.c - records a checkpoint folded (docs/journal-format.md,
 * "Checkpoints"; src/cli/replay.c, src/cli/ghost.c): a GHOST record's
 * findings are judged (its lints) but its effect is not applied: a ghost
 * shmget creates no segment (no never_removed lint), a ghost shmat makes no
 * attachment (no unmatched attach), a ghost UNMAP that left nothing is
 * still a detach_without_shmdt lint; the same records without the bit do
 * both.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"

/* Adds s with repeat set to rep. */
static void add(struct jfile *j, const struct jspec *s, uint32_t rep)
{
    size_t at = j->len;

    jf_add(j, s);
    ((struct shmc_jrec *)(void *)(j->buf + at))->repeat = rep;
}

static void journal(struct analysis_fx *fx, uint32_t ghost)
{
    struct jfile j;

    jf_start(&j, 900, 1);
    add(&j,
        REC(.type = SHMC_J_SHMGET, .result = 5,
            .a = {0x1234, 4096, IPC_CREAT | 0666, 1}),
        ghost | 2);
    add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5, 0, 0x40000}),
        ghost);
    add(&j,
        REC(.type = SHMC_J_UNMAP,
            .a = {0x10000, 5, SHMC_JUNMAP_MUNMAP, SHMC_JLEFT_NONE}),
        ghost);
    add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {5, 0, 0}),
        ghost | 7);
    jf_save(&j, fx->dir, "900.0.shmj");
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
}

static void test_ghosts_judged_not_applied(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, SHMC_JREPEAT_GHOST);
    assert_string_equal(fx->text,
                        "lint pid=900 create_without_excl shmid=5 x3 pids=900\n"
                        "lint pid=900 world_writable shmid=5 x3 pids=900\n"
                        "lint pid=900 ignored_bits shmid=5\n"
                        "lint pid=900 detach_without_shmdt shmid=5\n");
}

static void test_same_records_applied(void **state)
{
    struct analysis_fx *fx = *state;

    journal(fx, 0);
    assert_string_equal(fx->text,
                        "unmatched pid=900 shmid=5 addr=0x20000 end=exit\n"
                        "lint pid=900 create_without_excl shmid=5 x3 pids=900\n"
                        "lint pid=900 world_writable shmid=5 x3 pids=900\n"
                        "lint pid=900 ignored_bits shmid=5\n"
                        "lint pid=900 detach_without_shmdt shmid=5\n"
                        "lint pid=900 never_removed shmid=5\n");
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_ghosts_judged_not_applied),
        T(test_same_records_applied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
