/*
 * jfile.h - a journal's file: its name <pid>.<n>.shmj (n: the image, the
 * first free one from 0 on) and its creation, by the tracer (by path) and
 * by the CLI's broker (relative to its descriptor of the log directory).
 * Async-signal-safe: the tracer creates journals in fork children.
 */
#ifndef SHMC_JOURNAL_JFILE_H
#define SHMC_JOURNAL_JFILE_H

#include <stdint.h>

/* path = "<dir>/<pid>.<n>.shmj", or "<pid>.<n>.shmj" when dir is NULL;
 * path has PATH_MAX bytes. 0, or -1 with ENAMETOOLONG. */
int shmc_jfile_path(char *path, const char *dir, int pid, unsigned n);

/* What a checkpoint (checkpoint.h) appends to a journal's name for the
 * file it writes before renaming it over the journal: the CLI does not
 * read it (its name does not end in SHMC_JSUFFIX). */
#define SHMC_JCKPT_SUFFIX ".ckpt"

/* Creates the first free <pid>.<n>.shmj in dir (NULL: relative to dirfd;
 * else dirfd is AT_FDCWD or dir's), O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|
 * O_CLOEXEC, mode 0600 less the umask; its name into path. The fd with
 * *image = n, or -1 with errno and path empty. */
int shmc_jfile_create(char *path, int dirfd, const char *dir, int pid,
                      uint32_t *image);

/* As shmc_jfile_create relative to dirfd, then fchmod 0600 (a umask like
 * 0277 would leave a file that growth, which reopens it O_RDWR, could not
 * open). The fd, or -1 with errno (no file left). */
int shmc_jfile_create_at(int dirfd, int pid, uint32_t *image);

/* The log directory a process trusts. Under the CLI it is pinned: the
 * device and inode of the directory the CLI checked and made (it passes
 * them to the tree in SHMC_JDIR_ENV="<dev>:<ino>"). Not pinned (both 0,
 * the tracer alone), it must be owned by this process's effective user or
 * by root and writable by nobody else. */
struct shmc_jdir_pin {
    uint64_t dev, ino;
};

#define SHMC_JDIR_ENV "SHMCHECK__LOG_DIR_ID"

/* Opens dir (O_DIRECTORY|O_NOFOLLOW: a symlink put in its place is
 * refused) and checks it is the trusted one (pin NULL or {0, 0}: the
 * owner and mode rule above). The fd, or -1 with errno: ELOOP (a
 * symlink), EPERM (another directory, or one another user could change),
 * open's own. */
int shmc_jdir_open(const char *dir, const struct shmc_jdir_pin *pin);

/* Parses "<dev>:<ino>" (decimal) into pin; 0, or -1 (pin zeroed). */
int shmc_jdir_pin_parse(const char *value, struct shmc_jdir_pin *pin);

#endif
