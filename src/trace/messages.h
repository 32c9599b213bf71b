/*
 * messages.h - what the tracer writes into the log directory besides the
 * journal, and the settings the CLI gives the tree (messages.c).
 */
#ifndef SHMC_TRACE_MESSAGES_H
#define SHMC_TRACE_MESSAGES_H

/* Opens name in the log directory, relative to a descriptor of it that
 * was checked (shmc_jdir_open: the CLI's own, or one of this user's or
 * root's that nobody else can change), with flags | O_NOFOLLOW |
 * O_CLOEXEC, mode 0600. The fd, or -1 with errno. Async-signal-safe. */
int shmc__log_dir_open(const char *name, int flags);

/* Says each line of text ("shmcheck: ...") as "shmcheck: pid N: ...", in
 * one write: under the CLI into <log dir>/<pid>.messages, which the CLI
 * shows in its report, else to stderr; failures ignored, errno kept. */
void shmc__say(const char *text);

/* Under the CLI (unless this image is a secure execution): the identity
 * of its log directory (SHMC_JDIR_ENV) and its journal broker
 * (SHMC_BROKER_ENV), from env into shmc__trace. */
void shmc__find_cli(char **env, int secure);

#endif
