/*
 * key.c - keys from a path and a project number, checked before ftok.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "internal.h"

enum shmc_err shmc_key_from_path(const char *path, int proj_id, key_t *out)
{
    enum shmc_err err;
    key_t key;

    if (path == NULL || out == NULL)
        return shmc__reject(SHMC_E_NULL);
    if ((err = shmc_validate_proj(proj_id)) != SHMC_OK)
        return shmc__reject(err);
    /* ftok() only stat()s the path; a key is useful only if every party can
     * find the file again, so require it to exist and be readable. */
    if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0)
        return shmc__sys_fail(SHMC__CALL_PATH, errno);
    errno = 0;
    key = ftok(path, proj_id);
    /* A real key can be -1 (device low byte 0xff, inode low 16 bits 0xffff,
     * proj 255) with errno untouched; it is unusable as it is ftok's error
     * value, so it is refused like one. */
    if (key == (key_t)-1 && errno == 0)
        return shmc__reject(SHMC_E_KEY_FTOK_FAILED);
    if (key == (key_t)-1)
        return shmc__sys_fail(SHMC__CALL_PATH, errno);
    *out = key;
    return SHMC_OK;
}
