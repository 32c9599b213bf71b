/*
 * group_fx.h - the fixture of the grouping's unit tests (test_group.c,
 * test_cov3_group.c): a run and a set of groups, made and freed around
 * each test. Header-only, static: the Makefile links each CLI test with
 * the shared fixtures alone.
 */
#ifndef SHMC_TESTS_CLI_GROUP_FX_H
#define SHMC_TESTS_CLI_GROUP_FX_H

#include <stdlib.h>

#include "findings.h"
#include "group.h"

struct fx {
    struct cli_run run;
    struct cli_groups g;
    size_t cap;
};

static inline int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    cli_groups_init(&fx->g, 0);
    *state = fx;
    return 0;
}

static inline int teardown(void **state)
{
    struct fx *fx = *state;

    cli_groups_destroy(&fx->g);
    cli_run_free(&fx->run);
    free(fx);
    return 0;
}

#endif
