/*
 * symbolize.c - function, file and line for the tracer's return addresses,
 * from one llvm-symbolizer child per run.
 *
 * The child is started as
 *     llvm-symbolizer --inlining=false --demangle --functions=linkage
 *                     --output-style=LLVM
 * and asked one line per frame, "MODULE" 0xADDR; it answers
 * "function\nfile:line:column\n\n" ("??" for what it does not know). The
 * module path is quoted because an unquoted one ends at the first space,
 * and LLVM 14 has no escapes inside quotes: a path holding '"' is quoted
 * with '\'' instead, one holding both cannot be asked. A line it cannot
 * parse is echoed back with no blank line after it, which would desync the
 * replies, so such a line is never sent.
 *
 * The channel is one socketpair, the child's stdin and stdout, rather than
 * two pipes: send(MSG_NOSIGNAL) turns a dead reader into EPIPE instead of a
 * SIGPIPE that would kill the CLI, whatever the CLI's signal dispositions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal/settings.h"
#include "symbolize.h"

#define REPLY_MAX 8192  /* longer reply lines are truncated          */
#define REAP_TICKS 2000 /* stop waits this many ticks, then kills    */
#define REAP_TICK_NS 1000000L
#define REPLY_MS 10000 /* a reply may take this long (a big module's   */
#define TOTAL_MS 60000 /* first one loads its debug info), all of them */

struct cli_symbolizer {
    pid_t pid;
    int fd;            /* our end of the socketpair; -1 once dead   */
    size_t head, tail; /* unread reply bytes are in[head, tail)     */
    int reply_ms;      /* the bounds: a hung symbolizer must not    */
    int total_ms;
    int64_t end_ms; /* hang the CLI (monotonic; see REPLY_MS)   */
    int64_t reply_end_ms;
    char in[4096];
    char function[REPLY_MAX], location[REPLY_MAX];
    char prog[PATH_MAX];
    char failure[PATH_MAX + 128]; /* why it stopped answering; "" */
};

#define STOPPED "stopped answering (it exited or closed its output)"

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts prog on child_fd (stdin, stdout) with its flags: 0 or errno. */
static int spawn(pid_t *pid, const char *prog, int child_fd)
{
    char *argv[] = {(char *)prog,          "--inlining=false",    "--demangle",
                    "--functions=linkage", "--output-style=LLVM", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t def, mask;
    int rc;

    /* LCOV_EXCL_START: glibc's inits only zero the structs */
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
        return rc;
    if ((rc = posix_spawnattr_init(&at)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    /* LCOV_EXCL_STOP */
    sigemptyset(&mask);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE); /* the CLI may ignore it; the child must not */
    rc = posix_spawn_file_actions_adddup2(&fa, child_fd, STDIN_FILENO);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, child_fd, STDOUT_FILENO);
    if (rc == 0) /* "error reading file" per missing module: noise */
        rc = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
                                              O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
                                               POSIX_SPAWN_SETSIGMASK);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&at, &def);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&at, &mask);
    if (rc == 0)
        rc = posix_spawnp(pid, prog, &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

struct cli_symbolizer *cli_symbolizer_start(const char *path_or_null, char *err,
                                            size_t errlen)
{
    const char *env = getenv(SHMC_CLI_SYMBOLIZER);
    const char *progs[2] = {path_or_null, NULL};
    struct cli_symbolizer *s;
    int sv[2], rc = ENOMEM;

    if (path_or_null == NULL && env != NULL && env[0] != '\0') {
        progs[0] = env;
    } else if (path_or_null == NULL) {
        progs[0] = "llvm-symbolizer-14";
        progs[1] = "llvm-symbolizer";
    }
    s = calloc(1, sizeof *s);
    if (s != NULL &&
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = errno;
    } else if (s != NULL) {
        for (int i = 0; i < 2 && progs[i] != NULL; i++)
            if ((rc = spawn(&s->pid, progs[i], sv[1])) == 0) {
                snprintf(s->prog, sizeof s->prog, "%s", progs[i]);
                break;
            }
        close(sv[1]);
        s->fd = sv[0];
        cli_symbolizer_set_timeouts(s, REPLY_MS, TOTAL_MS);
        if (rc == 0)
            return s;
        close(sv[0]);
    }
    free(s);
    if (errlen > 0)
        snprintf(err, errlen, "cannot start %s%s%s: %s", progs[0],
                 progs[1] ? " or " : "", progs[1] ? progs[1] : "",
                 strerror(rc));
    return NULL;
}

void cli_symbolizer_set_timeouts(struct cli_symbolizer *s, int reply_ms,
                                 int total_ms)
{
    s->reply_ms = reply_ms;
    s->total_ms = total_ms;
    s->end_ms = now_ms() + total_ms;
}

const char *cli_symbolizer_failure(const struct cli_symbolizer *s)
{
    return s != NULL && s->failure[0] != '\0' ? s->failure : NULL;
}

/* The symbolizer is gone, out of step or too slow (why: what it did):
 * every later call fails fast, and the report says so. */
static int died(struct cli_symbolizer *s, const char *why)
{
    if (s->failure[0] == '\0')
        snprintf(s->failure, sizeof s->failure, "symbolizer %s %s", s->prog,
                 why);
    close(s->fd);
    s->fd = -1;
    return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) /* LCOV_EXCL_BR_LINE: see below */
            continue; /* LCOV_EXCL_LINE: a query never fills the buffer */
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Waits until the reply can be read, until the query's deadline: 0, or
 * -1 (with the reason) when it has passed or poll failed. */
static int readable(struct cli_symbolizer *s)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    int64_t left = s->reply_end_ms - now_ms();
    int r;

    do
        r = poll(&p, 1, left > 0 ? (int)left : 0);
    while (r < 0 && errno == EINTR && (left = s->reply_end_ms - now_ms()) > 0);
    if (r > 0)
        return 0;
    char why[96];
    snprintf(why, sizeof why,
             "did not answer in time (%d ms a reply, %d in all)", s->reply_ms,
             s->total_ms);
    died(s, r == 0 || errno == EINTR ? why : "could not be read from");
    return -1;
}

/* Reads one reply line into dst without its '\n', truncated to cap - 1
 * bytes; -1 at end of file, on a read error or past the deadline. */
static int read_line(struct cli_symbolizer *s, char *dst, size_t cap)
{
    size_t n = 0;

    for (;;) {
        if (s->head == s->tail) {
            if (readable(s) != 0)
                return -1;
            ssize_t k = read(s->fd, s->in, sizeof s->in);
            if (k < 0 && errno == EINTR) /* LCOV_EXCL_BR_LINE: see below */
                continue; /* LCOV_EXCL_LINE: after POLLIN, read never waits */
            if (k <= 0)
                return -1;
            s->head = 0;
            s->tail = (size_t)k;
        }
        char c = s->in[s->head++];
        if (c == '\n')
            break;
        if (n + 1 < cap)
            dst[n++] = c;
    }
    dst[n] = '\0';
    return 0;
}

/* The query line for module at addr, or -1 if it cannot be expressed. */
static int format_query(char *q, size_t cap, const char *module, uint64_t addr)
{
    char quote = strchr(module, '"') ? '\'' : '"';
    int n;

    if (strchr(module, '\n') || (quote == '\'' && strchr(module, '\'')))
        return -1;
    n = snprintf(q, cap, "%c%s%c 0x%" PRIx64 "\n", quote, module, quote, addr);
    return n > 0 && (size_t)n < cap ? n : -1; /* LCOV_EXCL_BR_LINE: n >= 3 */
}

/* Splits "file:line:column" from the right, since file may hold ':'. */
static void parse_location(char *loc, const char **file, int *line)
{
    char *col = strrchr(loc, ':'), *ln;
    long v;

    *file = NULL;
    *line = 0;
    if (col == NULL)
        return;
    *col = '\0';
    ln = strrchr(loc, ':');
    if (ln == NULL)
        return;
    *ln++ = '\0';
    v = strtol(ln, NULL, 10);
    *line = v > 0 && v <= INT_MAX ? (int)v : 0;
    if (strcmp(loc, "??") != 0)
        *file = loc;
}

static const char *known(struct cli_run *run, const char *s)
{
    return strcmp(s, "??") == 0 ? NULL : cli_run_strdup(run, s);
}

int cli_symbolize_frame(struct cli_symbolizer *s, struct cli_run *run,
                        struct cli_frame *f)
{
    char q[PATH_MAX + 32], blank[16];
    const char *file;
    int n, line;

    if (s == NULL || s->fd < 0)
        return -1;
    n = f->module ? format_query(q, sizeof q, f->module,
                                 f->offset > 0 ? f->offset - 1 : 0)
                  : -1;
    if (n < 0) {
        f->function = f->file = NULL;
        f->line = 0;
        return 0;
    }
    s->reply_end_ms = now_ms() + s->reply_ms;
    if (s->reply_end_ms > s->end_ms)
        s->reply_end_ms = s->end_ms;
    if (send_all(s->fd, q, (size_t)n) != 0 ||
        read_line(s, s->function, sizeof s->function) != 0 ||
        read_line(s, s->location, sizeof s->location) != 0)
        return died(s, STOPPED);
    do { /* the blank line ends the reply (more lines: inlined frames) */
        if (read_line(s, blank, sizeof blank) != 0)
            return died(s, STOPPED);
    } while (blank[0] != '\0');
    parse_location(s->location, &file, &line);
    f->function = known(run, s->function);
    f->file = file ? cli_run_strdup(run, file) : NULL;
    f->line = line;
    return 0;
}

/* Orders frames by (module, offset), modules by name, NULL first. */
static int frame_cmp(const void *a, const void *b)
{
    const struct cli_frame *x = *(const struct cli_frame *const *)a;
    const struct cli_frame *y = *(const struct cli_frame *const *)b;
    int c;

    if (x->module == NULL || y->module == NULL)
        c = (x->module != NULL) - (y->module != NULL);
    else
        c = strcmp(x->module, y->module);
    if (c != 0)
        return c;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

static unsigned frame_count(const struct cli_stack *st)
{
    return st->n < CLI_MAX_FRAMES ? st->n : CLI_MAX_FRAMES;
}

/* Without memory for the cache: the same answers, one query a frame. */
static void symbolize_uncached(struct cli_symbolizer *s, struct cli_run *run)
{
    for (size_t i = 0; i < run->nfindings; i++) {
        struct cli_stack *st = &run->findings[i].stack;
        for (unsigned j = 0; j < frame_count(st); j++)
            if (cli_symbolize_frame(s, run, &st->f[j]) != 0)
                return;
    }
}

/* A cache, every frame sorted: each (module, offset) is asked once. */
void cli_symbolize_stacks(struct cli_symbolizer *s, struct cli_run *run)
{
    struct cli_frame **v;
    size_t n = 0, k = 0;

    for (size_t i = 0; i < run->nfindings; i++)
        n += frame_count(&run->findings[i].stack);
    if (n == 0)
        return;
    if ((v = calloc(n, sizeof *v)) == NULL) {
        symbolize_uncached(s, run);
        return;
    }
    for (size_t i = 0; i < run->nfindings; i++) {
        struct cli_stack *st = &run->findings[i].stack;
        for (unsigned j = 0; j < frame_count(st); j++)
            v[k++] = &st->f[j];
    }
    qsort(v, n, sizeof *v, frame_cmp);
    for (size_t i = 0, j; i < n; i = j) {
        if (cli_symbolize_frame(s, run, v[i]) != 0)
            break;
        for (j = i + 1; j < n && frame_cmp(&v[i], &v[j]) == 0; j++) {
            v[j]->function = v[i]->function;
            v[j]->file = v[i]->file;
            v[j]->line = v[i]->line;
        }
    }
    free(v);
}

/* Waits for the child, which exits at end of input; kills a stuck one. */
static void reap(pid_t pid)
{
    const struct timespec tick = {0, REAP_TICK_NS};

    for (int i = 0; i < REAP_TICKS; i++) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    /* LCOV_EXCL_BR_START: after SIGKILL only a signal can fail it */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) /* again */
        ;
    /* LCOV_EXCL_BR_STOP */
}

void cli_symbolizer_stop(struct cli_symbolizer *s)
{
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    reap(s->pid);
    free(s);
}
