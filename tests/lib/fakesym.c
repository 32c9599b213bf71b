/*
 * fakesym.c - a stand-in for a sanitizer runtime's symbolizer, in a
 * shared object test_leakcheck_stack loads (RTLD_GLOBAL) only in the run
 * that wants one: it names each pc "in fake_function fake.c:<pc & 0xff>",
 * inlined into "in fake_caller fake.c:9", and ends the first name with
 * control characters the report must not pass on.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len);

void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len)
{
    /* Two functions at pc, as for a call inlined into its caller: each
     * name NUL-terminated, an empty one last. */
    int n = snprintf(out, len, "in fake_function\x1b\x7f fake.c:%u",
                     (unsigned)((size_t)pc & 0xff));
    (void)fmt;
    snprintf(out + n + 1, len - (size_t)n - 1, "in fake_caller fake.c:9");
    out[n + 1 + strlen(out + n + 1) + 1] = '\0';
}
