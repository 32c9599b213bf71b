/*
 * test_examples.c - the classic exercises in examples/, run as real
 * processes: their output, their exit status, and an empty IPC namespace
 * afterwards.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SHMC_EXAMPLES_DIR
#error "build with -DSHMC_EXAMPLES_DIR=\"...\""
#endif

#define OUT_MAX 4096

static int segments_in_use(void)
{
    struct shm_info info;
    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0)
        return -1;
    return info.used_ids;
}

/* Starts examples/<name> with argv, its stdout and stderr on a pipe whose
 * read end is returned in *fd. */
static pid_t spawn(const char *name, char *args[], int *fd)
{
    char path[512];
    int p[2];
    pid_t pid;

    snprintf(path, sizeof path, "%s/%s", SHMC_EXAMPLES_DIR, name);
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        args[0] = path;
        execv(path, args);
        _exit(127);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

/* Reads fd to its end into out (NUL-terminated), closes it, reaps pid and
 * returns its wait status. */
static int finish(pid_t pid, int fd, char *out)
{
    size_t len = 0;
    ssize_t n;
    int status = -1;

    while (len < OUT_MAX - 1 &&
           (n = read(fd, out + len, OUT_MAX - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(fd);
    waitpid(pid, &status, 0);
    return status;
}

static int run(const char *name, char *args[], char *out)
{
    int fd;
    pid_t pid = spawn(name, args, &fd);
    return pid < 0 ? -1 : finish(pid, fd, out);
}

static void assert_exit(int status, int code)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), code);
}

static void children_report_every_child(void **state)
{
    char out[OUT_MAX], *args[] = {NULL, "6", NULL}, *line;
    int seen = 0;
    (void)state;

    int status = run("children_report", args, out);

    assert_exit(status, 0);
    for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int i, pid;
        unsigned long value;
        assert_int_equal(
            sscanf(line, "child %d pid %d: result %lu", &i, &pid, &value), 3);
        assert_int_equal(i, seen);
        assert_true(pid > 0);
        /* the sum of the first 1000*(i+1) odd numbers is its square */
        assert_int_equal(value, 1000000UL * (unsigned long)(i + 1) * (i + 1));
        seen++;
    }
    assert_int_equal(seen, 6);
    assert_int_equal(segments_in_use(), 0);
}

static void children_report_rejects_bad_count(void **state)
{
    char out[OUT_MAX], *args[] = {NULL, "17", NULL};
    (void)state;

    int status = run("children_report", args, out);

    assert_exit(status, 2);
    assert_non_null(strstr(out, "N must be 1..16"));
    assert_int_equal(segments_in_use(), 0);
}

static void child_writes_parent_reads_after_wait(void **state)
{
    char out[OUT_MAX], *args[] = {NULL, NULL};
    (void)state;

    int status = run("child_writes", args, out);

    assert_exit(status, 0);
    assert_non_null(strstr(out, "parent read after wait: hello from child "));
    assert_int_equal(segments_in_use(), 0);
}

static void meet_by_key_creator_and_joiner(void **state)
{
    char file[] = "/tmp/shmc-meet-XXXXXX", out[OUT_MAX], ready[7] = "";
    char *cargs[] = {NULL, "create", file, NULL};
    char *jargs[] = {NULL, "join", file, NULL};
    int fd, tmp = mkstemp(file);
    (void)state;
    assert_true(tmp >= 0);
    close(tmp);

    pid_t creator = spawn("meet_by_key", cargs, &fd);
    assert_true(creator > 0);
    assert_int_equal(read(fd, ready, 6), 6); /* "ready\n": it exists now */
    int jstatus = run("meet_by_key", jargs, out);
    int cstatus = finish(creator, fd, out + strlen(out) + 1);

    unlink(file);
    assert_string_equal(ready, "ready\n");
    assert_exit(jstatus, 0);
    assert_non_null(strstr(out, "joiner read: hello from creator "));
    assert_exit(cstatus, 0);
    assert_non_null(
        strstr(out + strlen(out) + 1, "creator got reply: hello from joiner "));
    assert_int_equal(segments_in_use(), 0);
}

static void meet_by_key_join_without_creator(void **state)
{
    char file[] = "/tmp/shmc-meet-XXXXXX", out[OUT_MAX];
    char *args[] = {NULL, "join", file, NULL};
    int tmp = mkstemp(file);
    (void)state;
    assert_true(tmp >= 0);
    close(tmp);

    int status = run("meet_by_key", args, out);

    unlink(file);
    assert_exit(status, 1);
    assert_non_null(strstr(out, "no segment with this key exists"));
}

static void meet_by_key_names_missing_path(void **state)
{
    char out[OUT_MAX], *args[] = {NULL, "join", "/nonexistent/shmc", NULL};
    (void)state;

    int status = run("meet_by_key", args, out);

    assert_exit(status, 1);
    assert_non_null(
        strstr(out, "'/nonexistent/shmc': ftok path does not exist"));
}

static void layout_mismatch_is_refused(void **state)
{
    char file[] = "/tmp/shmc-layout-XXXXXX", out[OUT_MAX];
    char *create[] = {NULL, "create", file, NULL};
    char *hit[] = {NULL, "hit", file, NULL};
    char *rm[] = {NULL, "remove", file, NULL};
    int tmp = mkstemp(file);
    (void)state;
    assert_true(tmp >= 0);
    close(tmp);

    int s_create = run("layout_v1", create, out);
    int s_hit1 = run("layout_v1", hit, out);
    int hits_ok = strstr(out, "layout_v1: hits 1 misses 0") != NULL;
    int s_hit2 = run("layout_v2", hit, out);
    int refused = strstr(out, "SHMC_E_TYPED_LAYOUT") != NULL;
    int s_hit3 = run("layout_v1", hit, out);
    int untouched = strstr(out, "layout_v1: hits 2 misses 0") != NULL;
    int s_rm = run("layout_v1", rm, out);

    unlink(file);
    assert_exit(s_create, 0);
    assert_exit(s_hit1, 0);
    assert_true(hits_ok);
    assert_exit(s_hit2, 3);
    assert_true(refused);
    assert_exit(s_hit3, 0);
    assert_true(untouched); /* v2 changed nothing */
    assert_exit(s_rm, 0);
    assert_int_equal(segments_in_use(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_report_every_child),
        cmocka_unit_test(children_report_rejects_bad_count),
        cmocka_unit_test(child_writes_parent_reads_after_wait),
        cmocka_unit_test(meet_by_key_creator_and_joiner),
        cmocka_unit_test(meet_by_key_join_without_creator),
        cmocka_unit_test(meet_by_key_names_missing_path),
        cmocka_unit_test(layout_mismatch_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
