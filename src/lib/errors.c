/*
 * errors.c - messages for enum shmc_err and the two exits every failing
 * call leaves through.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MESSAGE_ROW(name, msg) msg,
#define NAME_ROW(name, msg) #name,
static const char *const messages[] = {SHMC_ERRORS(MESSAGE_ROW)};
static const char *const names[] = {SHMC_ERRORS(NAME_ROW)};

const char *shmc_strerror(enum shmc_err err)
{
    if ((unsigned)err >= SHMC_ERR_COUNT)
        return "unknown shmcheck error";
    return messages[err];
}

const char *shmc_errname(enum shmc_err err)
{
    if ((unsigned)err >= SHMC_ERR_COUNT)
        return "SHMC_E_?";
    return names[err];
}

size_t shmc_format_error(char *buf, size_t len, enum shmc_err err,
                         int saved_errno, const char *subject)
{
    char errbuf[64] = "";
    int n;

    if (saved_errno != 0)
        snprintf(errbuf, sizeof errbuf, " (%s)", strerror(saved_errno));
    n = snprintf(buf, len, "%s%s%s%s", subject ? "'" : "",
                 subject ? subject : "", subject ? "': " : "",
                 shmc_strerror(err));
    /* snprintf cannot fail with these conversions; keep the count sane. */
    if (n < 0) /* LCOV_EXCL_BR_LINE: %s of strings under 200 bytes */
        n = 0; /* LCOV_EXCL_LINE: no output error is possible here */
    if ((size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "%s", errbuf);
    else
        n += (int)strlen(errbuf);
    return (size_t)n;
}

/* EINVAL is the kernel's answer to many different things; the call tells
 * which one it must have been once validation has passed. */
static enum shmc_err einval_meaning(enum shmc__call call)
{
    switch (call) {
    case SHMC__CALL_OPEN:
        return SHMC_E_TOO_SMALL; /* shm_more_checks: segsz < size */
    case SHMC__CALL_AT_ANY:
    case SHMC__CALL_CTL:
        return SHMC_E_REMOVED; /* the id names no segment */
    case SHMC__CALL_PATH:
        return SHMC_E_PATH_INVALID;
    default:
        return SHMC_E_KERNEL_INVALID;
    }
}

/* errno -> error code; path calls (ftok and its checks) name the path. */
static const struct {
    int errnum;
    enum shmc_err err, path_err;
} errno_map[] = {
    {EEXIST, SHMC_E_EXISTS, SHMC_E_EXISTS},
    {ENOENT, SHMC_E_NOT_FOUND, SHMC_E_PATH_MISSING},
    {EACCES, SHMC_E_PERMISSION, SHMC_E_PATH_ACCESS},
    {EPERM, SHMC_E_PERMISSION, SHMC_E_PATH_ACCESS},
    {ENOMEM, SHMC_E_NO_MEMORY, SHMC_E_NO_MEMORY},
    {ENOSPC, SHMC_E_NO_SPACE, SHMC_E_NO_SPACE},
    {EIDRM, SHMC_E_REMOVED, SHMC_E_REMOVED},
    {EMFILE, SHMC_E_TOO_MANY, SHMC_E_TOO_MANY},
    {ENFILE, SHMC_E_TOO_MANY, SHMC_E_TOO_MANY},
    {ENAMETOOLONG, SHMC_E_PATH_INVALID, SHMC_E_PATH_INVALID},
    {ELOOP, SHMC_E_PATH_INVALID, SHMC_E_PATH_INVALID},
    {ENOTDIR, SHMC_E_PATH_INVALID, SHMC_E_PATH_INVALID},
};

enum shmc_err shmc__sys_fail(enum shmc__call call, int saved_errno)
{
    enum shmc_err err = SHMC_E_SYSTEM;

    if (saved_errno == EINVAL)
        err = einval_meaning(call);
    for (size_t i = 0; i < sizeof errno_map / sizeof errno_map[0]; i++)
        if (errno_map[i].errnum == saved_errno)
            err = call == SHMC__CALL_PATH ? errno_map[i].path_err
                                          : errno_map[i].err;
    errno = saved_errno;
    return err;
}

enum shmc_err shmc__reject(enum shmc_err err)
{
    errno = EINVAL;
    return err;
}
