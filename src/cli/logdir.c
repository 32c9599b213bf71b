/*
 * logdir.c - where the journals go (a private directory made for the run,
 * or --log-dir), its removal after the run, and where the tracer is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findings.h"
#include "journal/reader.h"
#include "journal/registry.h"
#include "journal/settings.h"
#include "logdir.h"

/* Where the install puts the tracer (the Makefile gives both from its
 * LIBDIR and BINDIR); these are its defaults. */
#ifndef SHMC_INSTALLED_TRACE
#define SHMC_INSTALLED_TRACE "/usr/local/lib/libshmcheck-trace.so"
#endif
#ifndef SHMC_TRACE_FROM_BINDIR
#define SHMC_TRACE_FROM_BINDIR "../lib"
#endif
#define TRACE_NAME "libshmcheck-trace.so"

int cli_find_tracer(const char *given, char *out, char *err, size_t errlen)
{
    char self[PATH_MAX], *slash;
    /* Installed (the directory as LIBDIR is to BINDIR, which holds in a
     * staged or moved tree too), a build tree, installed where LIBDIR
     * said at build time. Without our own path (no /proc), none. */
    static const char installed[] = "%s/" SHMC_TRACE_FROM_BINDIR "/" TRACE_NAME;
    static const char beside[] = "%s/" TRACE_NAME;
    const char *cands[] = {installed, beside, SHMC_INSTALLED_TRACE};
    ssize_t n;

    snprintf(err, errlen, "cannot find " TRACE_NAME " (use --trace-lib or %s)",
             SHMC_CLI_TRACE_LIB);
    if (given == NULL)
        given = getenv(SHMC_CLI_TRACE_LIB);
    if (given)
        return realpath(given, out) && access(out, R_OK) == 0 ? 0 : -1;
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    if ((slash = strrchr(self, '/')) != NULL) /* LCOV_EXCL_BR_LINE: absolute */
        *slash = '\0';
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, cands[i], self);
        if (realpath(path, out) && access(out, R_OK) == 0)
            return 0;
    }
    snprintf(err, errlen,
             "cannot find " TRACE_NAME
             " beside shmcheck, in " SHMC_TRACE_FROM_BINDIR
             " from it or at " SHMC_INSTALLED_TRACE " (use --trace-lib or %s)",
             SHMC_CLI_TRACE_LIB);
    return -1;
}

/* Whether another user could change what is at path: it is owned by
 * neither root nor us, or others may write in it and it is not sticky
 * (sticky: they may not rename or remove what is ours there). */
static int foreign(const struct stat *st)
{
    return (st->st_uid != 0 && st->st_uid != geteuid()) ||
           ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX));
}

/* Every directory above dir (absolute, resolved), up to /: none another
 * user could change (foreign), else whoever owns it could swap dir for a
 * directory of their own while the tree runs. 0, or -1 with err. */
static int check_above(const char *dir, char *err, size_t errlen)
{
    char up[PATH_MAX];
    struct stat st;

    snprintf(up, sizeof up, "%s", dir);
    /* LCOV_EXCL_BR_START: dir is absolute, the loop ends at "/" */
    for (char *slash; (slash = strrchr(up, '/')) != NULL;) {
        /* LCOV_EXCL_BR_STOP */
        slash[slash == up] = '\0'; /* "/a" -> "/" */
        /* LCOV_EXCL_START: dir was just opened through these directories;
         * stat fails only if one is removed meanwhile (a race) */
        if (stat(up, &st) != 0) {
            snprintf(err, errlen, "log directory: '%s': '%s': %s", dir, up,
                     strerror(errno));
            return -1;
        }
        /* LCOV_EXCL_STOP */
        if (foreign(&st)) {
            snprintf(err, errlen,
                     "log directory: '%s': '%s' above it %s (uid %u, mode "
                     "%04o): another user could replace the journals",
                     dir, up,
                     st.st_uid != 0 && st.st_uid != geteuid()
                         ? "belongs to another user"
                         : "can be changed by other users",
                     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
            return -1;
        }
        if (slash == up)
            break;
    }
    return 0;
}

/* dir itself: a directory, not a symlink, ours, nobody else's to write
 * (no sticky exception: the journals are created in it by name); its
 * device and inode into pin. 0, or -1 with err. */
static int check_dir(const char *name, const char *dir,
                     struct shmc_jdir_pin *pin, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    /* LCOV_EXCL_BR_START: fstat of an open fd fails never; dir resolved by
     * realpath is a symbolic link (ELOOP) only if swapped for one since */
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: '%s': %s", name, dir,
                 errno == ELOOP ? "is a symbolic link (give the directory "
                                  "it points to, if that one is yours)"
                                : strerror(errno));
        if (fd >= 0)
            close(fd); /* LCOV_EXCL_LINE: fstat of an open fd fails never */
        return -1;
    }
    /* LCOV_EXCL_BR_STOP */
    close(fd);
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(err, errlen,
                 "%s: '%s' %s (uid %u, mode %04o): another user could read, "
                 "remove or replace the journals; give a directory of your "
                 "own, mode 0700",
                 name, dir,
                 st.st_uid != geteuid() ? "is not yours"
                                        : "can be written by other users",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    pin->dev = st.st_dev;
    pin->ino = st.st_ino;
    return check_above(dir, err, errlen);
}

/* A new directory under $TMPDIR, mode 0700. */
/* What a run leaves in its log directory: journals, and the image
 * registry (a run whose processes never needed a journal has only it). */
static int run_entry(const struct dirent *d)
{
    return shmc_journal_entry(d) || strcmp(d->d_name, SHMC_REGISTRY_NAME) == 0;
}

static int make_temporary(char *out, size_t len, struct shmc_jdir_pin *pin,
                          char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char real[PATH_MAX];

    tmp = tmp && *tmp ? tmp : "/tmp";
    if (realpath(tmp, real) == NULL) {
        snprintf(err, errlen, "cannot create a log directory in %s: %s", tmp,
                 strerror(errno));
        return -1;
    }
    snprintf(out, len, "%s/shmcheck.XXXXXX", real);
    if (mkdtemp(out) == NULL) {
        snprintf(err, errlen, "cannot create a log directory in %s: %s", tmp,
                 strerror(errno));
        return -1;
    }
    if (check_dir("log directory", out, pin, err, errlen) == 0)
        return 0;
    rmdir(out);
    return -1;
}

int cli_log_dir_make(const char *given, char *out, size_t len,
                     struct shmc_jdir_pin *pin, char *err, size_t errlen)
{
    struct dirent **names;
    struct stat st;
    int n;

    if (given == NULL)
        return make_temporary(out, len, pin, err, errlen);
    if (lstat(given, &st) == 0 && S_ISLNK(st.st_mode)) {
        snprintf(err, errlen,
                 "--log-dir: '%s' is a symbolic link (give the directory it "
                 "points to, if that one is yours)",
                 given);
        return -1;
    }
    if ((mkdir(given, 0700) != 0 && errno != EEXIST) ||
        realpath(given, out) == NULL) {
        snprintf(err, errlen, "--log-dir: '%s': %s", given, strerror(errno));
        return -1;
    }
    if (check_dir("--log-dir", out, pin, err, errlen) != 0)
        return -1;
    /* LCOV_EXCL_START: out was just checked ours and a directory;
     * scandir fails only without memory or if it is replaced meanwhile */
    if ((n = scandir(out, &names, run_entry, NULL)) < 0) {
        snprintf(err, errlen, "--log-dir: '%s': %s", given, strerror(errno));
        return -1;
    }
    /* LCOV_EXCL_STOP */
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (n > 0) {
        snprintf(err, errlen,
                 "--log-dir: '%s' holds the journals of an earlier run "
                 "(analyse them with --replay, or give an empty directory)",
                 given);
        return -1;
    }
    return 0;
}

static int messages_entry(const struct dirent *d)
{
    size_t n = strlen(d->d_name), k = strlen(SHMC_MESSAGES_SUFFIX);

    return n > k && strcmp(d->d_name + n - k, SHMC_MESSAGES_SUFFIX) == 0;
}

/* Adds "tracer: line" to run's warnings unless it is there already. */
static int add_message(struct cli_run *run, const char *line)
{
    char *text, **w;

    if (asprintf(&text, "tracer: %s", line) < 0)
        return -1;
    for (size_t i = 0; i < run->nwarnings; i++)
        if (strcmp(run->warnings[i], text) == 0) {
            free(text);
            return 0;
        }
    w = realloc(run->warnings, (run->nwarnings + 2) * sizeof *w);
    if (w == NULL) {
        free(text);
        return -1;
    }
    w[run->nwarnings++] = text;
    w[run->nwarnings] = NULL;
    run->warnings = w;
    return 0;
}

/* Each line of one messages file, at most its first 64 KiB. */
static int read_messages(const char *path, struct cli_run *run)
{
    char *line = NULL;
    size_t cap = 0, total = 0;
    ssize_t n;
    int rc = 0;
    FILE *f = fopen(path, "re");

    if (f == NULL)
        return 0;
    while (rc == 0 && total < 65536 && (n = getline(&line, &cap, f)) > 0) {
        total += (size_t)n;
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (line[0] != '\0')
            rc = add_message(run, line);
    }
    free(line);
    fclose(f);
    return rc;
}

int cli_log_dir_messages(const char *dir, struct cli_run *run)
{
    char path[PATH_MAX + 64];
    struct dirent **names;
    int n = scandir(dir, &names, messages_entry, versionsort), rc = 0;

    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (rc == 0)
            rc = read_messages(path, run);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    return rc;
}

void cli_log_dir_remove(const char *dir)
{
    char path[PATH_MAX + 64];
    struct dirent **names;
    int n = scandir(dir, &names, NULL, NULL);

    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            unlink(path);
        }
        free(names[i]);
    }
    free(names);
    rmdir(dir);
}

int cli_log_dir_has_journal(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;

    if (d == NULL)
        return -1;
    while (!found && (e = readdir(d)) != NULL)
        found = run_entry(e);
    closedir(d);
    return found;
}
