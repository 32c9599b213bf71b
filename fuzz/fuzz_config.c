/*
 * fuzz_config.c - property: shmc_trace_config_parse takes any environment
 * and, secure or not, fills every field within its documented range (the
 * first entry of each option wins; a malformed value keeps the default),
 * writes its warnings like snprintf at any buffer size, one printable line
 * per counted warning, never past the buffer; shmc_trace_config_help does
 * the same.
 *
 * Input: the environment, entries separated by NUL or newline (at most
 * MAX_ENTRIES; the rest is dropped).
 */
#define _GNU_SOURCE
#undef NDEBUG /* assertions always on */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal/kinds.h"
#include "journal/settings.h"

#define MAX_ENTRIES 64
#define GUARD 0xa5
#define NGUARD 16
/* More than any run of warnings: an unknown name's line is under 256
 * bytes, and each option warns at most once, in under 512. */
#define FULL 32768

/* The value of the first entry for name, or NULL. */
static const char *first(char *const *envp, const char *name)
{
    size_t n = strlen(name);

    for (; *envp != NULL; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

/* Decimal digits only, lo..hi, else fallback. */
static unsigned ref_decimal(const char *v, unsigned lo, unsigned hi,
                            unsigned fallback)
{
    unsigned long x = 0;

    if (v == NULL || *v == '\0' || strspn(v, "0123456789") != strlen(v))
        return fallback;
    for (; *v != '\0' && x <= hi; v++)
        x = x * 10 + (unsigned)(*v - '0');
    return x >= lo && x <= hi ? (unsigned)x : fallback;
}

/* The ranges config.h documents, and what a reference reading of the
 * first entries says the numbers and the directory must be. */
static void check_config(const struct shmc_trace_config *c, char *const *envp,
                         int secure)
{
    const char *dir = first(envp, "SHMCHECK_LOG_DIR");
    const char *on_error = first(envp, "SHMCHECK_ON_ERROR");
    size_t n = strnlen(c->log_dir, sizeof c->log_dir);

    assert(c->stack_depth >= 1 && c->stack_depth <= 32);
    assert(c->exitcode >= 0 && c->exitcode <= 255);
    assert((unsigned)c->report <= SHMC_REPORT_NONE);
    assert((unsigned)c->stacks <= SHMC_STACKS_FULL);
    assert((c->errors & ~SHMC_KINDS_ALL) == 0);
    assert(n < sizeof c->log_dir && (n == 0 || c->log_dir[0] == '/'));
    assert(!secure || n == 0);
    assert(c->report != SHMC_REPORT_LOGDIR || n > 0);
    if (!secure && dir != NULL && dir[0] == '/' && strlen(dir) < PATH_MAX)
        assert(strcmp(c->log_dir, dir) == 0);
    else
        assert(n == 0);
    assert(c->stack_depth ==
           ref_decimal(first(envp, "SHMCHECK_STACK_DEPTH"), 1, 32, 8));
    assert(c->exitcode ==
           (int)ref_decimal(first(envp, "SHMCHECK_EXITCODE"), 0, 255, 23));
    assert(c->on_error == (on_error != NULL && strcmp(on_error, "abort") == 0
                               ? SHMC_ON_ERROR_ABORT
                               : SHMC_ON_ERROR_EXIT));
}

/* buf[0..len) holds what snprintf would of full, and nothing past it. */
static void check_prefix(const char *buf, size_t len, const char *full,
                         size_t full_len)
{
    for (size_t i = 0; i < NGUARD; i++)
        assert((unsigned char)buf[len + i] == GUARD);
    if (len == 0)
        return;
    assert(strnlen(buf, len) == (full_len < len ? full_len : len - 1));
    assert(strncmp(buf, full, strnlen(buf, len)) == 0);
}

/* Every line "shmcheck: ..." of printable ASCII; returns how many. */
static int count_lines(const char *w)
{
    int lines = 0;

    for (const char *p = w; *p != '\0'; p++) {
        if (p == w || p[-1] == '\n')
            assert(strncmp(p, "shmcheck: ", 10) == 0);
        assert((*p >= ' ' && *p < 0x7f) || *p == '\n');
        lines += *p == '\n';
    }
    assert(*w == '\0' || w[strlen(w) - 1] == '\n');
    return lines;
}

static void check_parse(char *const *envp, int secure)
{
    static const size_t sizes[] = {0, 1, 17, 4096};
    struct shmc_trace_config c0, c1;
    char full[FULL + NGUARD], buf[4096 + NGUARD];
    size_t full_len;
    int count;

    memset(&c0, 0x5a, sizeof c0);
    memset(full + FULL, GUARD, NGUARD);
    count = shmc_trace_config_parse(&c0, envp, secure, full, FULL);
    full_len = strnlen(full, FULL);
    assert(full_len < FULL - 1); /* so nothing was cut */
    check_prefix(full, FULL, full, full_len);
    assert(count == count_lines(full));
    check_config(&c0, envp, secure);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memset(buf, GUARD, sizeof buf);
        memset(&c1, i % 2 ? 0xff : 0, sizeof c1);
        assert(shmc_trace_config_parse(&c1, envp, secure, buf, sizes[i]) ==
               count);
        check_prefix(buf, sizes[i], full, full_len);
        assert(memcmp(&c0, &c1, sizeof c0) == 0);
    }
}

static void check_help(size_t len)
{
    char full[8192], buf[4096 + NGUARD];
    size_t n = shmc_trace_config_help(NULL, 0);

    assert(n > 0 && n < sizeof full);
    assert(shmc_trace_config_help(full, sizeof full) == n);
    assert(strlen(full) == n && full[n - 1] == '\n');
    memset(buf, GUARD, sizeof buf);
    assert(shmc_trace_config_help(buf, len) == n);
    check_prefix(buf, len, full, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *envp[MAX_ENTRIES + 1];
    size_t n = 0;

    assert(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    envp[n++] = text;
    for (size_t i = 0; i < size; i++) {
        if (text[i] != '\0' && text[i] != '\n')
            continue;
        text[i] = '\0';
        if (n == MAX_ENTRIES)
            break;
        envp[n++] = text + i + 1;
    }
    envp[n] = NULL;
    check_parse(envp, 0);
    check_parse(envp, 1);
    check_help(size % 4096);
    free(text);
    return 0;
}
