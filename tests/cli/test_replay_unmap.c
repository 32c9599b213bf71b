/*
 * test_replay_unmap.c - UNMAP records (on_unmap, src/cli/replay.c, and
 * cli_lint_unmap, src/cli/lints.c): an attachment taken away whole is a
 * detach_without_shmdt lint naming the call and the address, and no
 * longer live; one moved whole by mremap lives on at its new address; one
 * with pages left (or replaced by remap_file_pages) is still attached,
 * and a failed shmdt of a remapped one says so; an address with no
 * attachment is nothing.
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

#include "analyze.h"
#include "fixtures.h"
#include "journal/format.h"

#define UNMAP(addr, shmid, how, left, res) \
    REC(.type = SHMC_J_UNMAP, .a = {addr, shmid, how, left}, .result = res)

/* The messages of the run's lints, one a line. */
static const char *lint_messages(const struct cli_run *run)
{
    static char out[4096];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < run->nfindings; i++)
        if (run->findings[i].kind == CLI_LINT)
            used += (size_t)snprintf(out + used, sizeof out - used, "%s\n",
                                     run->findings[i].message);
    return out;
}

/* Taken away whole by each call (and by an unknown one, named munmap):
 * a lint each, nothing left unmatched. */
static void test_detached_by_each_call(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 800, 1);
    for (int i = 0; i < 5; i++)
        jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000 * (i + 1),
                       .a = {5 + i}));
    jf_add(&j, UNMAP(0x10000, 5, SHMC_JUNMAP_MUNMAP, SHMC_JLEFT_NONE, 0));
    jf_add(&j, UNMAP(0x20000, 6, SHMC_JUNMAP_MREMAP, SHMC_JLEFT_NONE, 0));
    jf_add(&j, UNMAP(0x30000, 7, SHMC_JUNMAP_MMAP_FIXED, SHMC_JLEFT_NONE, 0));
    jf_add(&j, UNMAP(0x40000, 8, 0, SHMC_JLEFT_NONE, 0));
    jf_add(&j, UNMAP(0x50000, 9, 7, SHMC_JLEFT_NONE, 0));
    jf_save(&j, fx->dir, "800.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "lint pid=800 detach_without_shmdt shmid=5\n"
                        "lint pid=800 detach_without_shmdt shmid=6\n"
                        "lint pid=800 detach_without_shmdt shmid=7\n"
                        "lint pid=800 detach_without_shmdt shmid=8\n"
                        "lint pid=800 detach_without_shmdt shmid=9\n");
    assert_string_equal(
        lint_messages(&fx->run),
        "munmap took away the attachment at 0x10000 without shmdt: the "
        "kernel detached it\n"
        "mremap took away the attachment at 0x20000 without shmdt: the "
        "kernel detached it\n"
        "mmap(MAP_FIXED) took away the attachment at 0x30000 without shmdt: "
        "the kernel detached it\n"
        "munmap took away the attachment at 0x40000 without shmdt: the "
        "kernel detached it\n"
        "munmap took away the attachment at 0x50000 without shmdt: the "
        "kernel detached it\n");
}

/* Partly unmapped: still attached (unmatched at the end, shmdt of it
 * fine); moved: its shmdt at the new address is fine, at the old one an
 * invalid detach; the one moved and not detached is unmatched at its new
 * address; an UNMAP of an address with no attachment is nothing. */
static void test_partial_moved_unknown(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 810, 1);
    /* each shmat at its own place: a finding for each attachment left */
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}, AT(0x10000)));
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {6}, AT(0x20000)));
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x30000, .a = {7}, AT(0x30000)));
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x40000, .a = {8}, AT(0x40000)));
    jf_add(&j, UNMAP(0x10000, 5, SHMC_JUNMAP_MUNMAP, SHMC_JLEFT_PART, 0));
    jf_add(&j,
           UNMAP(0x20000, 6, SHMC_JUNMAP_MREMAP, SHMC_JLEFT_MOVED, 0x90000));
    jf_add(&j,
           UNMAP(0x30000, 7, SHMC_JUNMAP_MREMAP, SHMC_JLEFT_MOVED, 0xa0000));
    jf_add(&j, UNMAP(0x40000, 8, SHMC_JUNMAP_MMAP_FIXED, SHMC_JLEFT_PART, 0));
    jf_add(&j, UNMAP(0x77000, 5, SHMC_JUNMAP_MUNMAP, SHMC_JLEFT_NONE, 0));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x40000, 8, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .a = {0x90000, 6, 0}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = 22, .result = -1,
                   .a = {0x30000, -1, 0}));
    jf_save(&j, fx->dir, "810.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "detach pid=810 shmid=-1 addr=0x30000 err=22\n"
                        "unmatched pid=810 shmid=5 addr=0x10000 end=exit\n"
                        "unmatched pid=810 shmid=7 addr=0xa0000 end=exit\n");
}

/* remap_file_pages over an attachment leaves it attached (no lint, still
 * live); a shmdt of its address that fails because its first page was
 * replaced says so; a failed shmdt of an attachment not remapped keeps
 * the plain message. */
static void test_remapped_detach(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j;
    jf_start(&j, 820, 1);
    /* each shmat at its own place: a finding for each attachment left */
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}, AT(0x10000)));
    jf_add(&j,
           REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {6}, AT(0x20000)));
    jf_add(&j,
           UNMAP(0x10000, 5, SHMC_JUNMAP_REMAP_FILE_PAGES, SHMC_JLEFT_PART, 0));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = 22, .result = -1,
                   .a = {0x10000, 5, 1, 1}));
    jf_add(&j, REC(.type = SHMC_J_SHMDT, .err = 22, .result = -1,
                   .a = {0x20000, 6, 1, 0}));
    jf_save(&j, fx->dir, "820.0.shmj");

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "detach pid=820 shmid=5 addr=0x10000 err=22\n"
                        "detach pid=820 shmid=6 addr=0x20000 err=22\n"
                        "unmatched pid=820 shmid=5 addr=0x10000 end=exit\n"
                        "unmatched pid=820 shmid=6 addr=0x20000 end=exit\n");
    assert_string_equal(fx->run.findings[0].message,
                        "remap_file_pages replaced the first page of the "
                        "attachment at this address: shmdt no longer finds "
                        "it; it stays attached until unmapped or the end of "
                        "the process");
    assert_string_equal(fx->run.findings[1].message,
                        "not the start of an attachment of this process");
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_detached_by_each_call),
        T(test_partial_moved_unknown),
        T(test_remapped_detach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
