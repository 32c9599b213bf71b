/*
 * broker.h - journals whatever the process's credentials: the protocol
 * between the tracer and the CLI's journal broker (src/cli/broker.c).
 *
 * Under the CLI, a process that changed its credentials (setuid, runuser,
 * su, setpriv, sudo -u) cannot create a file in the CLI's private log
 * directory (0700), nor reopen its own journal there to grow it. When
 * its own open fails so (EACCES, EPERM), it asks the CLI, which opens the
 * file relative to its descriptor of the log directory and passes the
 * open descriptor back (SCM_RIGHTS).
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket in the abstract namespace;
 * one connection per request: one request, one reply, perhaps with one
 * descriptor. The CLI hands its address and a per-run secret (128 random
 * bits) to the tree in SHMCHECK__BROKER="<name>:<32 hex digits>".
 *
 * Who may ask: a peer that knows the secret, whose pid (SO_PEERCRED, set
 * by the kernel) is the pid it names and a descendant of the CLI (the CLI
 * is the tree's subreaper, so every process of the tree stays one). It can
 * open only its own files (the CLI builds the name from that pid, never
 * from text it was sent): no other local user can read, plant or alter a
 * journal, whatever the name of the socket tells them.
 *
 * The client (shmc_broker_open) uses only async-signal-safe calls: the
 * tracer calls it in a fork child.
 */
#ifndef SHMC_JOURNAL_BROKER_H
#define SHMC_JOURNAL_BROKER_H

#include <stdint.h>

#define SHMC_BROKER_ENV "SHMCHECK__BROKER"
#define SHMC_BROKER_MAGIC "SHMCBRK1"
#define SHMC_BROKER_SECRET 16 /* bytes                                */
#define SHMC_BROKER_NAME 48   /* most bytes of an abstract name, + NUL */

enum shmc_broker_op {
    SHMC_BROKER_CREATE = 1, /* a new <pid>.<n>.shmj, first free n  */
    SHMC_BROKER_REOPEN,     /* <pid>.<image>.shmj, read-write      */
    SHMC_BROKER_MESSAGES,   /* <pid>.messages, append-only         */
    SHMC_BROKER_CKPT,       /* a new <pid>.<image>.shmj.ckpt (a stale
                               one removed first), read-write       */
    SHMC_BROKER_CKPT_DONE,  /* that .ckpt renamed over <pid>.<image>.shmj,
                               which comes back read-write           */
    SHMC_BROKER_OP_MAX
};

struct shmc_broker_req {
    char magic[8];
    uint8_t secret[SHMC_BROKER_SECRET];
    int32_t op;
    int32_t pid;
    uint32_t image;
    uint32_t reserved; /* 0 */
};

struct shmc_broker_reply {
    int32_t err;    /* 0 (a descriptor comes with it), else an errno */
    uint32_t image; /* CREATE: the n it created                       */
};

/* Where a process asks: from SHMCHECK__BROKER. */
struct shmc_broker {
    char name[SHMC_BROKER_NAME]; /* abstract: no leading NUL here */
    uint8_t secret[SHMC_BROKER_SECRET];
};

/* Parses "<name>:<32 hex digits>" (name: 1..SHMC_BROKER_NAME-1 bytes of
 * [A-Za-z0-9._-]). 0, or -1 when malformed (b is then unusable). */
int shmc_broker_parse(const char *value, struct shmc_broker *b);

/* Writes "<name>:<hex>" into out (at least SHMC_BROKER_TEXT bytes). */
#define SHMC_BROKER_TEXT (SHMC_BROKER_NAME + 2 * SHMC_BROKER_SECRET + 2)
void shmc_broker_format(const struct shmc_broker *b, char *out);

/* Asks the broker for a descriptor: op on pid's file (image: REOPEN's,
 * CKPT's and CKPT_DONE's).
 * Returns the descriptor (O_CLOEXEC) and, for CREATE, sets *image; or -1
 * with errno (the broker's refusal, or why it could not be reached).
 * Waits at most a few seconds for the reply. Async-signal-safe. */
int shmc_broker_open(const struct shmc_broker *b, int op, int pid,
                     uint32_t *image);

/* The abstract address of b's socket: fills addr (a struct sockaddr_un)
 * and returns its length. */
struct sockaddr_un;
unsigned shmc_broker_address(const struct shmc_broker *b,
                             struct sockaddr_un *addr);

#endif
