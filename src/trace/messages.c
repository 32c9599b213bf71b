/*
 * messages.c - what the tracer writes into the log directory besides the
 * journal (API: messages.h): its own messages, and the two settings the CLI
 * gives the tree (its log directory's identity and its journal broker).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/broker.h"
#include "journal/jfile.h"
#include "journal/reader.h"
#include "journal/textbuf.h"
#include "messages.h"
#include "state.h"

int shmc__log_dir_open(const char *name, int flags)
{
    const struct shmc_trace *t = &shmc__trace;
    int dfd = shmc_jdir_open(t->cfg.log_dir, &t->dir_pin), fd = -1;

    if (dfd >= 0) {
        fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
        int err = errno;
        close(dfd);
        errno = err;
    }
    return fd;
}

/* Where the tracer's own messages go: under the CLI (SHMCHECK_REPORT=none
 * and a log directory) to <log dir>/<pid>.messages, which the CLI shows in
 * its report, never into the program's stderr; else (standalone), or when
 * the log directory cannot take them (missing, read-only, full), stderr. */
static int message_fd(void)
{
    const struct shmc_trace *t = &shmc__trace;
    char path[PATH_MAX + 32];
    struct shmc_textbuf p;
    int fd;

    if (t->cfg.report != SHMC_REPORT_NONE || t->cfg.log_dir[0] == '\0')
        return 2;
    shmc_textbuf_init(&p, path, sizeof path);
    shmc_textbuf_printf(&p, "%d" SHMC_MESSAGES_SUFFIX, (int)getpid());
    fd = shmc__log_dir_open(path, O_WRONLY | O_CREAT | O_APPEND);
    if (fd < 0 && t->broker_on) /* credentials dropped: ask the CLI */
        fd = shmc_broker_open(&t->broker, SHMC_BROKER_MESSAGES, getpid(), NULL);
    return fd < 0 ? 2 : fd;
}

/* Says each line of text ("shmcheck: ...") as "shmcheck: pid N: ...", in
 * one write; never on stdout; failures ignored, errno kept. */
void shmc__say(const char *text)
{
    char buf[4096];
    struct shmc_textbuf o;
    struct stat st2;
    int saved = errno, fd = message_fd();

    shmc_textbuf_init(&o, buf, sizeof buf);
    for (const char *l = text, *nl; *l != '\0'; l = nl) {
        nl = strchrnul(l, '\n');
        nl += *nl == '\n';
        if (strncmp(l, "shmcheck: ", 10) == 0) {
            shmc_textbuf_printf(&o, "shmcheck: pid %d: ", (int)getpid());
            l += 10;
        }
        shmc_textbuf_putn(&o, l, (size_t)(nl - l));
    }
    if (fd != 2) {
        struct stat st;
        /* A message past the file size limit would raise SIGXFSZ in the
         * program: then it goes to stderr (unless that is a file too). */
        /* LCOV_EXCL_BR_START: fstat of an open file cannot fail; past the
         * limit: test_lazy.py's one-byte limit, which the coverage build
         * skips (its own counts, written at exit, would pass it) */
        ssize_t n = fstat(fd, &st) == 0 && shmc__fits(st.st_size, o.len, 0)
                        ? write(fd, buf, o.len)
                        : -1;
        close(fd);
        fd = n == (ssize_t)o.len ? -1 : 2; /* a full log directory: stderr */
    }
    if (fd == 2 && !(fstat(2, &st2) == 0 && S_ISREG(st2.st_mode) &&
                     !shmc__fits(st2.st_size, o.len, 0)))
        shmc__write_all(2, buf, o.len);
    /* LCOV_EXCL_BR_STOP */
    errno = saved;
}

/* Under the CLI: its log directory's identity (jfile.h), unless this
 * image is a secure (setuid) execution, which trusts only a directory
 * owned by its user or root that nobody else can change. */
static void find_dir_pin(char **env, int secure)
{
    const size_t n = sizeof SHMC_JDIR_ENV - 1;

    for (size_t i = 0; env[i] != NULL && !secure; i++)
        if (strncmp(env[i], SHMC_JDIR_ENV "=", n + 1) == 0 &&
            shmc_jdir_pin_parse(env[i] + n + 1, &shmc__trace.dir_pin) != 0)
            shmc__say("shmcheck: " SHMC_JDIR_ENV " is malformed: the log "
                      "directory must be this user's or root's, and nobody "
                      "else's to change\n");
}

/* Under the CLI: its journal broker (broker.h), unless this image is a
 * secure (setuid) execution, which takes no descriptor from its caller. */
void shmc__find_cli(char **env, int secure)
{
    const size_t n = sizeof SHMC_BROKER_ENV - 1;

    find_dir_pin(env, secure);
    for (size_t i = 0; env[i] != NULL && !secure; i++)
        if (strncmp(env[i], SHMC_BROKER_ENV "=", n + 1) == 0) {
            shmc__trace.broker_on =
                shmc_broker_parse(env[i] + n + 1, &shmc__trace.broker) == 0;
            if (!shmc__trace.broker_on)
                shmc__say("shmcheck: " SHMC_BROKER_ENV
                          " is malformed: journals "
                          "are created by path\n");
            return;
        }
}
