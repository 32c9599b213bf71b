/*
 * procstat.c - /proc/<pid>/stat's state, parent and start time (API:
 * procstat.h).
 */
#define _GNU_SOURCE
#include "procstat.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "textbuf.h"

/* The fields after the command name (") S 1234 ..." at c), read into buf
 * (len bytes); NULL when the file cannot be read or is not of that shape. */
static const char *read_fields(int pid, char *buf, size_t len)
{
    char path[32];
    struct shmc_textbuf p;
    ssize_t n = -1;

    shmc_textbuf_init(&p, path, sizeof path);
    shmc_textbuf_printf(&p, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, buf, len - 1);
        close(fd);
    }
    buf[n > 0 ? n : 0] = '\0';
    /* The name may hold anything: the fields follow its last ')'. */
    const char *c = strrchr(buf, ')');
    if (c == NULL || c[1] != ' ' || c[2] == '\0' || c[3] != ' ')
        return NULL;
    return c + 2;
}

int shmc_proc_stat(int pid, char *state, int *ppid)
{
    char buf[512];
    const char *c = read_fields(pid, buf, sizeof buf);
    int v = 0;

    if (c == NULL)
        return -1;
    *state = c[0];
    for (c += 2; *c >= '0' && *c <= '9'; c++)
        v = v * 10 + (*c - '0');
    *ppid = v;
    return 0;
}

int shmc_proc_start(int pid, unsigned long long *start)
{
    char buf[1024];
    const char *c = read_fields(pid, buf, sizeof buf);
    unsigned long long v = 0;

    /* The state is field 3, the start time field 22: 19 blanks on. */
    for (int blanks = 0; c != NULL && blanks < 19; blanks++) {
        c = strchr(c, ' ');
        c = c != NULL ? c + 1 : NULL;
    }
    if (c == NULL || *c < '0' || *c > '9')
        return -1;
    for (; *c >= '0' && *c <= '9'; c++)
        v = v * 10 + (unsigned long long)(*c - '0');
    *start = v;
    return 0;
}

int shmc_proc_descends(int pid, int root)
{
    char state;

    /* LCOV_EXCL_BR_START: a chain of 65536 ancestors is not made */
    for (int depth = 0; pid > 1 && depth < 65536; depth++)
        /* LCOV_EXCL_BR_STOP */
        if (shmc_proc_stat(pid, &state, &pid) != 0)
            return 0;
        else if (pid == root)
            return 1;
    return 0;
}
