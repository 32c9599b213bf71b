/*
 * test_cov3_jwindow.c - the first window over a journal whose header says
 * its records start far in (src/cli/jwindow.c): the window holds the
 * header and a whole window's worth after it, not the file to its end;
 * and a window closed twice (the second close does nothing).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "journal/format.h"
#include "jwindow.h"

static void test_far_header(void **state)
{
    const uint32_t header_size = (uint32_t)(CLI_JWINDOW / 2 + 4096);
    const size_t size = header_size + 2 * CLI_JWINDOW; /* sparse */
    char dir[64], path[128];
    struct cli_jwin w;
    struct jfile j;
    int fd;

    (void)state;
    mk_dir(dir, sizeof dir);
    path_in(dir, "far.shmj", path, sizeof path);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    jf_start(&j, 100, 1);
    ((struct shmc_jheader *)j.buf)->header_size = header_size;
    assert_int_equal(write(fd, j.buf, j.len), (ssize_t)j.len);
    free(j.buf);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    assert_int_equal(cli_jwin_open(&w, fd, size), 0);
    assert_int_equal(w.at, 0);
    assert_int_equal(w.len, header_size + CLI_JWINDOW);
    cli_jwin_close(&w);
    assert_null(w.map);
    assert_int_equal(w.fd, -1);
    cli_jwin_close(&w); /* again: nothing left to close */
    assert_int_equal(w.fd, -1);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_far_header),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
