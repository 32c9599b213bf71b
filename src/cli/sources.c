/*
 * sources.c - the source lines around a finding's call (API and how a
 * file is opened: sources.h).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources.h"

/* path opened for reading if it is a regular file, or -1. */
static int open_regular(const char *path)
{
    struct stat st;
    char proc[64];
    int fd = open(path, O_PATH | O_CLOEXEC), rd = -1;

    if (fd < 0)
        return -1;
    /* LCOV_EXCL_BR_START: fstat of a descriptor just opened cannot fail */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        /* LCOV_EXCL_BR_STOP */
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        rd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    }
    close(fd);
    return rd;
}

/* One more byte c of line number *n: kept when the line is in out's
 * range, and cut past CLI_SOURCE_LINE_MAX. */
static void take(struct cli_source *out, int *n, size_t *len, char c)
{
    int at = *n - out->first;

    if (c == '\n') {
        if (at >= 0)
            out->lines[at][*len] = '\0', out->nlines = (unsigned)at + 1;
        ++*n, *len = 0;
        return;
    }
    if (at >= 0 && *len < CLI_SOURCE_LINE_MAX)
        out->lines[at][(*len)++] = c;
}

/* The lines of fd around out->line into out: 1, or 0 when the file
 * (its first CLI_SOURCE_MAX_READ bytes) has not that line. */
static int read_lines(int fd, struct cli_source *out)
{
    char buf[65536];
    int n = 1, last = out->line + CLI_SOURCE_LINES / 2;
    size_t len = 0, total = 0;
    ssize_t got;

    out->first =
        out->line > CLI_SOURCE_LINES / 2 ? out->line - CLI_SOURCE_LINES / 2 : 1;
    out->nlines = 0;
    while (n <= last && total < CLI_SOURCE_MAX_READ &&
           (got = read(fd, buf, sizeof buf)) > 0) {
        total += (size_t)got;
        for (ssize_t i = 0; i < got && n <= last; i++)
            take(out, &n, &len, buf[i]);
    }
    if (n <= last && len > 0 && n >= out->first && total < CLI_SOURCE_MAX_READ)
        take(out, &n, &len, '\n'); /* a last line without '\n' */
    return n > out->line;
}

/* The first frame from `from` on whose lines can be read: 1 and out
 * filled, or 0. */
static int read_from(const struct cli_stack *st, unsigned from,
                     struct cli_source *out)
{
    unsigned n = st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;

    for (unsigned i = from; i < n; i++) {
        const struct cli_frame *f = &st->f[i];
        int fd, found;
        if (f->file == NULL || f->line <= 0 || (fd = open_regular(f->file)) < 0)
            continue;
        out->file = f->file;
        out->line = f->line;
        out->frame = i;
        found = read_lines(fd, out);
        close(fd);
        if (found)
            return 1;
    }
    return 0;
}

/* The program's own call first (as SARIF locates a result: a leak made
 * through shmcheck's library is shown at the program's call of it), then
 * any frame. */
int cli_source_read(const struct cli_stack *st, struct cli_source *out)
{
    unsigned from = cli_stack_program_frame(st);

    return read_from(st, from, out) || (from > 0 && read_from(st, 0, out));
}
