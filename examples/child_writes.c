/*
 * child_writes - the child writes into shared memory, the parent reads it
 * after wait(): no sleep, no other synchronisation needed, because the
 * child's stores are complete once waitpid has seen it exit.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmcheck.h"

int main(void)
{
    SHMC_AUTO_RELEASE struct shmc_attachment att = {0};
    struct shmc_segment seg;
    enum shmc_err err;
    int status;
    pid_t pid;

    if ((err = shmc_segment_create(IPC_PRIVATE, 4096, 0600, &seg)) != SHMC_OK ||
        (err = shmc_attach(&seg, NULL, 0, &att)) != SHMC_OK) {
        fprintf(stderr, "child_writes: %s\n", shmc_strerror(err));
        return 1;
    }
    pid = fork();
    if (pid < 0) {
        perror("child_writes: fork");
        return 1;
    }
    if (pid == 0) {
        snprintf(att.addr, att.size, "hello from child %d", (int)getpid());
        shmc_detach(&att); /* the inherited attachment, detached here */
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child_writes: child failed\n");
        return 1;
    }
    printf("parent read after wait: %s\n", (const char *)att.addr);
    return strncmp(att.addr, "hello from child ", 17) != 0;
    /* SHMC_AUTO_RELEASE detaches and removes the segment here. */
}
