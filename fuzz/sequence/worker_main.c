/*
 * worker_main.c - sequence_worker, fuzz_sequence's persistent process
 * 1, 2 or 3: a plain program (no sanitizer, no fuzzer runtime) that serves
 * the requests of protocol.h on the socket it inherited. Its fork ops then
 * copy a small process, not the fuzzer's huge ASan address space.
 * fuzz_sequence forks it with PR_SET_PDEATHSIG set, which execve keeps
 * (not set-user-ID, no file capabilities): it dies with the fuzzer.
 *
 *     sequence_worker FD FORK_FD1 FORK_FD2 FORK_FD3
 *
 * FD: its request socket; FORK_FDk: the socket a child forked into slot k
 * serves. Bad arguments: a message on stderr and exit status 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "protocol.h"

static const char usage[] =
    "usage: sequence_worker FD FORK_FD1 FORK_FD2 FORK_FD3\n"
    "  (started by fuzz_sequence on sockets it made; not run by hand)\n";

/* s as an open file descriptor number, or -1. */
static int parse_fd(const char *s)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > INT_MAX || fcntl((int)v, F_GETFD) < 0)
        return -1;
    return (int)v;
}

int main(int argc, char **argv)
{
    struct pstate ps = {0};
    int fd[MODEL_PROCS];

    if (argc != MODEL_PROCS + 1) {
        fprintf(stderr, "sequence_worker: expected %d arguments, got %d\n%s",
                MODEL_PROCS, argc - 1, usage);
        return 2;
    }
    for (int i = 0; i < MODEL_PROCS; i++)
        if ((fd[i] = parse_fd(argv[i + 1])) < 0) {
            fprintf(stderr,
                    "sequence_worker: '%s' is not an open file descriptor\n%s",
                    argv[i + 1], usage);
            return 2;
        }
    (void)shmc_limits(); /* read once, before any fork */
    serve(&ps, fd[0], fd);
}
