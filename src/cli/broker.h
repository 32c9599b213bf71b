/*
 * broker.h - the CLI's journal broker (protocol: journal/broker.h): a
 * thread that creates and reopens the tree's journal files in the log
 * directory, whatever credentials the asking process has now, and hands
 * it the open descriptor.
 */
#ifndef SHMC_CLI_BROKER_H
#define SHMC_CLI_BROKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "journal/broker.h"
#include "journal/jfile.h"

struct cli_broker {
    struct shmc_broker addr; /* name and secret                       */
    int listen_fd, dir_fd;   /* the socket; the log directory         */
    int stop[2];             /* a pipe: written to stop the thread    */
    pid_t root;              /* us: every asker descends from us      */
    pthread_t thread;
    _Atomic unsigned long served, refused; /* requests                 */
    char env[sizeof SHMC_BROKER_ENV + SHMC_BROKER_TEXT]; /* NAME=value */
};

/* Opens log_dir (it must be the directory pin names, shmc_jdir_open;
 * pin NULL: one of ours or root's that nobody else can change), makes a
 * fresh name and secret, listens and starts the thread. 0, or -1 with a
 * message in err. */
int cli_broker_start(struct cli_broker *b, const char *log_dir,
                     const struct shmc_jdir_pin *pin, char *err, size_t errlen);

/* Stops the thread and closes everything. */
void cli_broker_stop(struct cli_broker *b);

/* Whether pid descends from root (its parent chain in /proc reaches it). */
int cli_broker_in_tree(pid_t pid, pid_t root);

#endif
