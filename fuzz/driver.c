/*
 * driver.c - replays inputs through a fuzz target without a fuzzing
 * engine: `fuzz_T [FILE|DIR]...` runs LLVMFuzzerInitialize once, then
 * LLVMFuzzerTestOneInput on every file (directories one level deep, in
 * name order). make check uses it on corpus/<target>/; a crash or an
 * abort is a failure, as under the engines. Prints cmocka-style lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    /* An exact-size heap copy, so ASan sees reads past the input. */
    buf = malloc(len ? (size_t)len : 1);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int run_path(const char *path, unsigned long *n)
{
    struct dirent **names;
    struct stat st;
    char sub[4096];
    int k, bad = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "driver: %s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ++*n;
        return run_file(path);
    }
    if ((k = scandir(path, &names, NULL, alphasort)) < 0)
        return -1;
    for (int i = 0; i < k; i++) {
        snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(sub, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            ++*n;
            bad |= run_file(sub);
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    unsigned long n = 0;
    int bad = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        bad |= run_path(argv[i], &n) != 0;
    printf("%s: replayed %lu input(s)\n", argv[0], n);
    printf(bad ? "[  FAILED  ] 1 test(s)\n" : "[  PASSED  ] 1 test(s).\n");
    return bad;
}
