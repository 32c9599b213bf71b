/*
 * test_text_more.c - the text report's naming of a process (src/cli/
 * text.c; the report itself is in test_text.c): an untraced process is
 * named by its comm, a traced one without a command line is not named
 * at all (its comm would be a guess the journal can do without).
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

#include "findings.h"
#include "fixtures.h"
#include "text.h"

static void test_names(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_text_opts o = {1u << CLI_LEAKED_SEGMENT, 0, 100, NULL};
    struct cli_process *p;

    p = add_process(&fx->run, 10, NULL);
    p->traced = 1;
    p->name = intern(&fx->run, "traced-comm");
    p = add_process(&fx->run, 11, NULL);
    p->name = intern(&fx->run, "untraced");
    for (int pid = 10; pid <= 11; pid++) {
        struct cli_finding *f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, pid);
        f->shmid = pid;
        f->size = 1;
        f->creator_pid = pid;
        f->seen_by_kernel = 1;
    }
    cli_summarize(&fx->run);
    FILE *m = begin_text(fx);
    int rc = cli_report_text(&fx->run, &o, m);
    end_text(m);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "created by pid 10, seen by the kernel only");
    assert_contains(fx->text,
                    "created by pid 11 (untraced), seen by the kernel only");
    assert_null(strstr(fx->text, "traced-comm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, report_setup,
                                        report_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
