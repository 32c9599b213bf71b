/*
 * jwindow.c - a journal read through a window that moves on (API and
 * rules: jwindow.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jwindow.h"

static size_t page_size(void)
{
    static size_t page;

    if (page == 0)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

/* Maps the file's [at, at + len) as the window, the old one unmapped
 * first. -1 with errno (no window left) when mmap fails. */
static int map_window(struct cli_jwin *w, size_t at, size_t len)
{
    void *p;

    if (w->map != NULL)
        munmap(w->map, w->len);
    w->map = NULL;
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, w->fd, (off_t)at);
    if (p == MAP_FAILED)
        return -1;
    /* Read front to back once: read ahead, drop behind. */
    madvise(p, len, MADV_SEQUENTIAL);
    w->map = p;
    w->at = at;
    w->len = len;
    return 0;
}

/* Moves the window to start at the page that holds the file offset pos,
 * the reader's place kept. */
static int move_to(struct cli_jwin *w, size_t pos)
{
    size_t at = pos / page_size() * page_size();
    size_t len = w->size - at < CLI_JWINDOW ? w->size - at : CLI_JWINDOW;

    /* LCOV_EXCL_START: mapping a part of an open regular file fails only
     * without memory or address space */
    if (map_window(w, at, len) != 0) {
        w->err = errno;
        return -1;
    }
    /* LCOV_EXCL_STOP */
    w->rd.data = w->map;
    w->rd.len = w->len;
    w->rd.off = pos - at;
    return 0;
}

int cli_jwin_open(struct cli_jwin *w, int fd, size_t size)
{
    uint32_t header_size = 0;
    size_t len = size < CLI_JWINDOW ? size : CLI_JWINDOW;

    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->size = size;
    /* The first window holds the header and a window's worth after it,
     * however far the header says records start (an untrusted field). */
    if (pread(fd, &header_size, sizeof header_size,
              offsetof(struct shmc_jheader, header_size)) ==
            (ssize_t)sizeof header_size &&
        header_size <= size && header_size > len / 2)
        len =
            size - header_size < CLI_JWINDOW ? size : header_size + CLI_JWINDOW;
    if (map_window(w, 0, len) != 0) {
        int err = errno;
        close(fd);
        w->fd = -1;
        errno = err;
        return -1;
    }
    return shmc_jreader_init(&w->rd, w->map, w->len);
}

/* Whether the window must move before the next record is read: it does
 * not reach the end, and less than a record's greatest size is left. */
static int short_ahead(const struct cli_jwin *w)
{
    return w->at + w->len < w->size && w->len - w->rd.off < SHMC_JMAX_RECORD;
}

enum shmc_jstatus cli_jwin_next(struct cli_jwin *w,
                                const struct shmc_jrec **out)
{
    size_t page = page_size();

    for (;;) {
        enum shmc_jstatus st;
        /* LCOV_EXCL_BR_START: move_to fails only without memory */
        if (short_ahead(w) && move_to(w, cli_jwin_offset(w)) != 0)
            return SHMC_JEND; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
        st = shmc_jreader_next(&w->rd, out);
        /* A stop with the window reaching the end, or within its first
         * page (a whole window ahead of it), is the journal's; one
         * further on may be the window's end after a run of uncommitted
         * records skipped: read on from there. */
        if (st == SHMC_JOK || w->at + w->len >= w->size || w->rd.off < page)
            return st;
        /* LCOV_EXCL_BR_START: as above, move_to fails only without memory */
        if (move_to(w, cli_jwin_offset(w)) != 0)
            return SHMC_JEND; /* LCOV_EXCL_LINE */
        /* LCOV_EXCL_BR_STOP */
    }
}

size_t cli_jwin_offset(const struct cli_jwin *w)
{
    return w->at + w->rd.off;
}

void cli_jwin_close(struct cli_jwin *w)
{
    if (w->map != NULL)
        munmap(w->map, w->len);
    w->map = NULL;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}
