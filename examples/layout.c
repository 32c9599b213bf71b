/*
 * layout - one source, two builds that disagree on a struct's layout:
 * layout_v1 has {hits, misses}, layout_v2 (-DSHMC_LAYOUT_V2) swaps them.
 * Same size, same alignment: only the field offsets tell them apart, and
 * the typed segment's header refuses the other build instead of letting it
 * count misses as hits.
 *
 *     layout_vN create FILE   create the counters segment and leave it
 *     layout_vN hit FILE      count one hit, print the counters
 *     layout_vN remove FILE   remove the segment
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shmcheck.h"

#ifdef SHMC_LAYOUT_V2
#define BUILD "layout_v2"
struct counters {
    uint64_t misses;
    uint64_t hits;
};
#else
#define BUILD "layout_v1"
struct counters {
    uint64_t hits;
    uint64_t misses;
};
#endif
#define COUNTERS SHMC_TYPED_FIELDS(struct counters, hits, misses)

static int fail(const char *what, enum shmc_err err)
{
    fprintf(stderr, "%s: %s refused: %s (%s)\n", BUILD, what,
            shmc_strerror(err), shmc_errname(err));
    return err == SHMC_E_TYPED_LAYOUT ? 3 : 1;
}

int main(int argc, char **argv)
{
    SHMC_AUTO_TYPED struct shmc_typed t = {0};
    enum shmc_err err;
    key_t key;

    if (argc != 3) {
        fprintf(stderr, "usage: %s create|hit|remove FILE\n", BUILD);
        return 2;
    }
    if ((err = shmc_key_from_path(argv[2], 'L', &key)) != SHMC_OK)
        return fail("key", err);
    if (strcmp(argv[1], "create") == 0)
        err = shmc_typed_create(key, COUNTERS, 0600, &t);
    else
        err = shmc_typed_open(key, COUNTERS, 0, &t);
    if (err != SHMC_OK)
        return fail(argv[1], err);
    if (strcmp(argv[1], "hit") == 0) {
        struct counters *c = t.data;
        c->hits++;
        printf("%s: hits %llu misses %llu\n", BUILD,
               (unsigned long long)c->hits, (unsigned long long)c->misses);
    } else if (strcmp(argv[1], "remove") == 0) {
        if ((err = shmc_segment_remove(&t.seg)) != SHMC_OK)
            return fail("remove", err);
        printf("%s: removed\n", BUILD);
    } else {
        printf("%s: created\n", BUILD);
    }
    return 0;
}
