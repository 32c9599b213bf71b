/*
 * test_replay_lost.c - journals that lost records (cli_analysis_lost,
 * src/cli/analysis.c): a warning naming the path, pid, count, reason and
 * errno of each; the image's live attachments are not judged and no
 * never_removed lint is given in the run. A journal with a hole is read
 * up to the hole (cli_journal_extent).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "analysis.h"
#include "fixtures.h"
#include "journal/format.h"

/* A journal of pid that attached shmid 5 at 0x10000 and never detached,
 * its header saying lost records (lost, reason, errno). */
static void lossy(const char *dir, int pid, uint64_t lost, uint32_t reason,
                  int32_t err)
{
    struct jfile j;
    char name[32];
    jf_start(&j, pid, 1);
    struct shmc_jheader *h = (struct shmc_jheader *)j.buf;
    h->lost = lost;
    h->lost_reason = reason;
    h->lost_errno = err;
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x10000, .a = {5}));
    snprintf(name, sizeof name, "%d.0.shmj", pid);
    jf_save(&j, dir, name);
}

/* The run's warnings, one a line. */
static const char *warnings(const struct cli_run *run)
{
    static char out[8192];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < run->nwarnings; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s\n",
                                 run->warnings[i]);
    return out;
}

#define WHAT                                                                 \
    "its attachments could not be checked (no unmatched_attach for it) nor " \
    "the segments it may have removed (no never_removed lint in this run)\n"

/* Each reason, with and without an errno, one unknown to this CLI and one
 * out of range; the journal without loss beside them gets its unmatched
 * attachment, the lossy ones none. */
static void test_every_reason(void **state)
{
    struct analysis_fx *fx = *state;
    lossy(fx->dir, 701, 3, SHMC_JLOST_NOSPACE, ENOSPC);
    lossy(fx->dir, 702, 1, SHMC_JLOST_FSIZE, EFBIG);
    lossy(fx->dir, 703, 40, SHMC_JLOST_CAP, 0);
    lossy(fx->dir, 704, 2, SHMC_JLOST_FILE, ENOENT);
    lossy(fx->dir, 705, 5, SHMC_JLOST_OTHER, ENOMEM);
    lossy(fx->dir, 706, 6, 99, 0);
    lossy(fx->dir, 707, 0, SHMC_JLOST_CAP, 0); /* not lost: judged */

    int rc = analyze_dir(fx, (struct cli_inputs){0});

    char want[4096], p[7][128];
    for (int i = 0; i < 7; i++)
        snprintf(p[i], sizeof p[i], "%s/%d.0.shmj", fx->dir, 701 + i);
    snprintf(
        want, sizeof want,
        "%s: pid 701 lost 3 record(s) (no space for the journal: %s): " WHAT
        "%s: pid 702 lost 1 record(s) (the file size limit "
        "(RLIMIT_FSIZE): %s): " WHAT
        "%s: pid 703 lost 40 record(s) (the journal's size cap): " WHAT
        "%s: pid 704 lost 2 record(s) (the journal file was removed or "
        "replaced: %s): " WHAT "%s: pid 705 lost 5 record(s) (the "
        "journal could not grow: %s): " WHAT
        "%s: pid 706 lost 6 record(s) (the journal could not grow): " WHAT,
        p[0], strerror(ENOSPC), p[1], strerror(EFBIG), p[2], p[3],
        strerror(ENOENT), p[4], strerror(ENOMEM), p[5]);
    assert_int_equal(rc, 0);
    assert_string_equal(warnings(&fx->run), want);
    assert_string_equal(fx->text,
                        "unmatched pid=707 shmid=5 addr=0x10000 end=exit\n");
}

/* A segment created and never removed is a never_removed lint (the
 * kernel has no such segment) - unless some journal of the run lost
 * records, which may have held its IPC_RMID. */
static void created(const char *dir, int lost_in_other)
{
    struct jfile j;
    jf_start(&j, 710, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMGET,
                   .a = {IPC_PRIVATE, 4096, IPC_CREAT | 0600, 1}, .result = 9));
    jf_save(&j, dir, "710.0.shmj");
    if (lost_in_other)
        lossy(dir, 711, 1, SHMC_JLOST_CAP, 0);
}

static void test_never_removed_without_loss(void **state)
{
    struct analysis_fx *fx = *state;
    created(fx->dir, 0);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text, "lint pid=710 never_removed shmid=9\n");
    assert_int_equal(fx->run.nwarnings, 0);
}

static void test_never_removed_not_judged_after_loss(void **state)
{
    struct analysis_fx *fx = *state;
    created(fx->dir, 1);
    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text, "");
    assert_int_equal(fx->run.nwarnings, 1);
}

/* A journal whose file has a hole (a full tmpfs leaves one): read up to
 * the hole, the record written after it not replayed, no damage. */
static void test_hole(void **state)
{
    struct analysis_fx *fx = *state;
    struct jfile j, k;
    char path[256];
    jf_start(&j, 720, 1);
    jf_add(&j, REC(.type = SHMC_J_SHMAT, .result = 0x20000, .a = {5}));
    jf_save(&j, fx->dir, "720.0.shmj");
    /* a whole record (a second attachment) far past the first block */
    jf_start(&k, 720, 1);
    size_t hlen = k.len;
    jf_add(&k, REC(.type = SHMC_J_SHMAT, .result = 0x30000, .a = {6}));
    path_in(fx->dir, "720.0.shmj", path, sizeof path);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    off_t far = 1 << 20;
    assert_int_equal(pwrite(fd, k.buf + hlen, k.len - hlen, far),
                     (ssize_t)(k.len - hlen));
    close(fd);
    free(k.buf);
    fd = open(path, O_RDONLY);
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    close(fd);
    if (hole >= far)
        skip(); /* this file system shows no holes */

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    assert_string_equal(fx->text,
                        "unmatched pid=720 shmid=5 addr=0x20000 end=exit\n");
    assert_int_equal(fx->run.nwarnings, 0);
}

/* Where the file cannot be asked for holes (a bad fd, a pipe): all of it;
 * a file without holes: all of it. */
static void test_extent_without_holes(void **state)
{
    struct analysis_fx *fx = *state;
    char path[256];
    int p[2];
    assert_int_equal(cli_journal_extent(-1, 100), 100);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(cli_journal_extent(p[0], 50), 50);
    close(p[0]);
    close(p[1]);
    path_in(fx->dir, "plain", path, sizeof path);
    put_file(path, "0123456789", 0600);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(cli_journal_extent(fd, 10), 10);
    close(fd);
}

/* A directory with a journal's name: a warning, nothing replayed. */
static void test_not_a_regular_file(void **state)
{
    struct analysis_fx *fx = *state;
    char path[256], want[512];
    path_in(fx->dir, "730.0.shmj", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);

    assert_int_equal(analyze_dir(fx, (struct cli_inputs){0}), 0);
    snprintf(want, sizeof want,
             "%s: not a regular file, not a shmcheck "
             "journal\n",
             path);
    assert_string_equal(warnings(&fx->run), want);
    assert_string_equal(fx->text, "");
}

int main(void)
{
#define T(f) \
    cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_reason),
        T(test_never_removed_without_loss),
        T(test_never_removed_not_judged_after_loss),
        T(test_hole),
        T(test_extent_without_holes),
        T(test_not_a_regular_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
