/*
 * verdict.c - fuzz_validator's judgement of one call: whether the
 * kernel's answer is one the oracle allows, and, when it is not, the
 * report of the call, the validator's verdict through the deliberate
 * rules, the kernel's answer and what was allowed; then cleanup and
 * abort.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

static const char *const rule_names[R_COUNT] = {
    "R_KEY_M1",    "R_GET_UNKNOWN", "R_EXCL_ALONE", "R_HUGE_ALONE",
    "R_JOIN_HUGE", "R_CREAT_ZERO",  "R_HUGE_BIG",   "R_AT_UNKNOWN",
    "R_AT_PAGE0",  "R_DT_NULL",     "R_BUF_PAGE0",  "R_SET_MODE",
    "R_PROJ"};

int allowed(const struct expect *e, int err)
{
    if (err == 0)
        return e->ok;
    if (err < 64 && (e->errs & EB(err)))
        return 1;
    return err == EINVAL && e->probe_len &&
           overlaps(e->probe_addr, e->probe_len);
}

void fail(struct run *r, const char *what, const struct expect *e, long ret,
          int err, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\nfuzz_validator: %s\n  call:      ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (e) {
        fprintf(stderr, "\n  validator: %s", shmc_errname(e->verdict));
        for (int i = 0; i < R_COUNT; i++)
            if (e->rules & (1u << i))
                fprintf(stderr, " -> deliberate %s", rule_names[i]);
        if (e->rules)
            fprintf(stderr, " -> %s", shmc_errname(e->final));
        fprintf(stderr, "\n  kernel:    %ld, %s\n  allowed:  %s", ret,
                err ? strerrorname_np(err) : "success",
                e->ok ? " success" : "");
        for (int i = 1; i < 64; i++)
            if (e->errs & EB(i))
                fprintf(stderr, " %s", strerrorname_np(i));
        if (e->probe_len)
            fprintf(stderr, " EINVAL-if-[%#zx,+%#zx)-is-mapped",
                    (size_t)e->probe_addr, e->probe_len);
    }
    fprintf(stderr, "\n");
    r->failing = 1;
    cleanup(r);
    sweep();
    abort();
}

struct expect via(enum rule rule, enum shmc_err v, struct expect e)
{
    e.rules |= 1u << rule;
    e.verdict = v;
    return e;
}
