/*
 * hash.h - FNV-1a, 64-bit: the one hash of the project. The library tags
 * typed layouts with it, the tracer keys its stack depot with it and the
 * CLI fingerprints SARIF results with it. Header-only (static inline), so
 * the layers above the library use it without linking anything.
 *
 * FNV-1a (Fowler, Noll, Vo): start from the offset basis; for each byte,
 * xor it in, then multiply by the prime. Results are stable across
 * builds and machines: layout tags and fingerprints are compared between
 * programs and runs, so nothing here may change.
 */
#ifndef SHMC_LIB_HASH_H
#define SHMC_LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SHMC_FNV1A_BASIS UINT64_C(0xcbf29ce484222325)
#define SHMC_FNV1A_PRIME UINT64_C(0x100000001b3)

/* h extended by the n bytes at p. */
static inline uint64_t shmc_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * SHMC_FNV1A_PRIME;
    return h;
}

/* h extended by the string s and its terminating NUL (NULL as ""), so
 * that ("ab", "c") and ("a", "bc") hash apart. */
static inline uint64_t shmc_fnv1a_str(uint64_t h, const char *s)
{
    const char *t = s != NULL ? s : "";
    size_t n = 0;

    while (t[n] != '\0')
        n++;
    return shmc_fnv1a(h, t, n + 1);
}

/* h extended by the 8 bytes of v, little-endian whatever the host. */
static inline uint64_t shmc_fnv1a_u64(uint64_t h, uint64_t v)
{
    unsigned char le[8];

    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    return shmc_fnv1a(h, le, sizeof le);
}

/* One FNV-1a step over a whole 64-bit word rather than its bytes: not the
 * byte-wise hash, but as well mixed for keys made of addresses and eight
 * times cheaper. For in-memory keys only (the tracer's stack depot),
 * never for a value that is stored or compared between programs. */
static inline uint64_t shmc_fnv1a_word(uint64_t h, uint64_t v)
{
    return (h ^ v) * SHMC_FNV1A_PRIME;
}

#endif
