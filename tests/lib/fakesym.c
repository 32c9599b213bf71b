/*
 * fakesym.c - a stand-in for a sanitizer runtime's symbolizer, in a
 * shared object test_leakcheck_stack loads (RTLD_GLOBAL) only in the run
 * that wants one: it names each pc "in fake_function fake.c:<pc & 0xff>"
 * and ends the name with control characters the report must not pass on.
 */
#include <stddef.h>
#include <stdio.h>

void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len);

void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len)
{
    (void)fmt;
    snprintf(out, len, "in fake_function\x1b\x7f fake.c:%u",
             (unsigned)((size_t)pc & 0xff));
}
