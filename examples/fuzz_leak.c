/*
 * fuzz_leak.c - a fuzz harness that finds a System V leak: publish()
 * hands a record to other processes through a shared segment, and on one
 * rare record forgets to detach and remove it. One line at the end of
 * the harness, SHMC_LEAK_CHECK(), turns that into a crash that libFuzzer
 * and AFL++ save; replaying the saved input prints the same report.
 *
 *   make example-fuzz       build/examples/fuzz_leak/{libfuzzer,afl,replay}
 *
 * With libshmcheck-trace.so preloaded the report shows where the segment
 * was created and attached; a sanitizer in the harness (ASan here) names
 * each frame's function, file and line. README.md shows the commands.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "shmcheck.h"

#define RECORD_MAX 4096

/* Publishes a record in a new segment: 0, or -1 if it cannot be made.
 * A consumer would attach it by id; here it is dropped again at once. */
static int publish(const uint8_t *data, size_t size)
{
    size_t n = size < RECORD_MAX ? size : RECORD_MAX;
    int id = shmget(IPC_PRIVATE, RECORD_MAX, IPC_CREAT | 0600); /* LEAK */
    char *rec;

    if (id < 0)
        return -1;
    if ((rec = shmat(id, NULL, 0)) == (void *)-1) {
        shmctl(id, IPC_RMID, NULL);
        return -1;
    }
    memcpy(rec, data, n);
    /* The bug: a record of kind "SHM" takes a shortcut that forgets the
     * clean-up below. */
    if (n >= 3 && rec[0] == 'S' && rec[1] == 'H' && rec[2] == 'M')
        return 0;
    shmdt(rec);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    publish(data, size);
    SHMC_LEAK_CHECK();
    return 0;
}
