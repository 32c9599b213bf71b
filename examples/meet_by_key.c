/*
 * meet_by_key - two unrelated processes meet through a key made from the
 * same file: one creates the segment, the other joins it.
 *
 *     meet_by_key create FILE   create, print "ready", wait for a reply
 *     meet_by_key join FILE     read the greeting, reply, leave
 *
 * The creator waits on a process-shared semaphore inside the segment (at
 * most 10 s), then removes the segment.
 */
#define _POSIX_C_SOURCE 200809L
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmcheck.h"

#define PROJ 'M'

struct mailbox {
    sem_t replied;
    char greeting[64];
    char reply[64];
};
#define MAILBOX SHMC_TYPED_FIELDS(struct mailbox, replied, greeting, reply)

static int fail(const char *what, enum shmc_err err, const char *subject)
{
    char msg[256];
    shmc_format_error(msg, sizeof msg, err, 0, subject);
    fprintf(stderr, "meet_by_key: %s: %s\n", what, msg);
    return 1;
}

static int create(key_t key)
{
    struct timespec deadline;
    struct shmc_typed t;
    struct mailbox *mb;
    enum shmc_err err;
    int ok;

    if ((err = shmc_typed_create(key, MAILBOX, 0600, &t)) != SHMC_OK)
        return fail("create", err, NULL);
    mb = t.data;
    sem_init(&mb->replied, 1, 0);
    snprintf(mb->greeting, sizeof mb->greeting, "hello from creator %d",
             (int)getpid());
    printf("ready\n");
    fflush(stdout);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    ok = sem_timedwait(&mb->replied, &deadline) == 0;
    if (ok)
        printf("creator got reply: %s\n", mb->reply);
    else
        fprintf(stderr, "meet_by_key: no reply within 10 s\n");
    sem_destroy(&mb->replied);
    shmc_segment_remove(&t.seg);
    shmc_typed_detach(&t);
    return !ok;
}

static int join(key_t key)
{
    SHMC_AUTO_TYPED struct shmc_typed t = {0};
    struct mailbox *mb;
    enum shmc_err err;

    if ((err = shmc_typed_open(key, MAILBOX, 0, &t)) != SHMC_OK)
        return fail("join", err, NULL);
    mb = t.data;
    printf("joiner read: %s\n", mb->greeting);
    snprintf(mb->reply, sizeof mb->reply, "hello from joiner %d",
             (int)getpid());
    sem_post(&mb->replied);
    return 0;
}

int main(int argc, char **argv)
{
    enum shmc_err err;
    key_t key;

    if (argc != 3 || (strcmp(argv[1], "create") && strcmp(argv[1], "join"))) {
        fprintf(stderr, "usage: meet_by_key create|join FILE\n");
        return 2;
    }
    if ((err = shmc_key_from_path(argv[2], PROJ, &key)) != SHMC_OK)
        return fail("key", err, argv[2]);
    return strcmp(argv[1], "create") == 0 ? create(key) : join(key);
}
