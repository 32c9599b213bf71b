/*
 * wstate.h - the state of a journal writer (its functions: writer.h),
 * apart so that the parts of the writer below it (checkpoint.h, wfile.h)
 * can use it without depending on the writer.
 */
#ifndef SHMC_JOURNAL_WSTATE_H
#define SHMC_JOURNAL_WSTATE_H

#include <limits.h>
#ifndef PATH_MAX /* <limits.h> has it only with POSIX feature macros */
#include <linux/limits.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "jfile.h"

struct shmc_jwriter {
    unsigned char *base;        /* reserved region; NULL when closed      */
    _Atomic size_t off;         /* next free byte                         */
    _Atomic size_t mapped;      /* bytes of the file mapped at base       */
    _Atomic unsigned long lost; /* records dropped (full, or growth failed) */
    size_t cap;                 /* no record ends past it (SHMC_JREGION) */
    pthread_mutex_t grow;       /* held only while growing                */
    _Atomic unsigned active;    /* threads between reserving and commit   */
    _Atomic int busy;           /* a checkpoint is replacing the file     */
    size_t ckpt_at; /* checkpoint rather than grow past it (0: never) */
    int ckpt_kill;  /* test seam: SIGKILL at this checkpoint step    */
    const struct shmc_broker *broker; /* opens the file, or NULL (path) */
    int pid;                          /* whose journal                   */
    uint32_t image;                   /* the n of <pid>.<n>.shmj         */
    struct shmc_jdir_pin pin;         /* the log directory trusted      */
    uint64_t file_dev, file_ino;      /* the file made: reopen checks   */
    uint32_t file_uid;                /*   it is the same one           */
    size_t name_at;                   /* path + name_at: "<pid>.<n>.shmj" */
    char path[PATH_MAX];
};

#endif
