/*
 * procstat.c - /proc/<pid>/stat's state and parent (API: procstat.h).
 */
#define _GNU_SOURCE
#include "procstat.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "textbuf.h"

int shmc_proc_stat(int pid, char *state, int *ppid)
{
    char path[32], buf[512];
    struct shmc_textbuf p;
    ssize_t n = -1;
    int v = 0;

    shmc_textbuf_init(&p, path, sizeof path);
    shmc_textbuf_printf(&p, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    buf[n > 0 ? n : 0] = '\0';
    /* ") S 1234 ...": the state, a blank, the parent. */
    const char *c = strrchr(buf, ')');
    if (c == NULL || c[1] != ' ' || c[2] == '\0' || c[3] != ' ')
        return -1;
    *state = c[2];
    for (c += 4; *c >= '0' && *c <= '9'; c++)
        v = v * 10 + (*c - '0');
    *ppid = v;
    return 0;
}

int shmc_proc_descends(int pid, int root)
{
    char state;

    for (int depth = 0; pid > 1 && depth < 65536; depth++)
        if (shmc_proc_stat(pid, &state, &pid) != 0)
            return 0;
        else if (pid == root)
            return 1;
    return 0;
}
