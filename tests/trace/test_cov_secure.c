/*
 * test_cov_secure.c - a secure (set-user-ID) execution takes neither the
 * log directory's identity nor the journal broker from its caller
 * (src/trace/messages.c): malformed ones are not even looked at, where an
 * ordinary execution says they are malformed.
 *
 * LD_PRELOAD is ignored in a secure execution, so the program, built
 * here, links the tracer itself (by its absolute path), is made
 * set-user-ID root and is run by nobody. Skipped unless root, or without
 * a C compiler.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define BAD "SHMCHECK__LOG_DIR_ID=bad SHMCHECK__BROKER=bad"

static const char prog_src[] = "#include <stdio.h>\n"
                               "#include <sys/auxv.h>\n"
                               "int main(void)\n"
                               "{\n"
                               "    printf(\"secure %lu\\n\", "
                               "getauxval(AT_SECURE));\n"
                               "    return 0;\n"
                               "}\n";

/* In the child before exec: nobody, in group nogroup. */
static void become_nobody(const void *arg)
{
    (void)arg;
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        _exit(121);
}

static void secure_execution_takes_nothing(void **state)
{
    struct fx *fx = *state;
    static struct run plain, secure;
    char dir[] = "/tmp/shmc-secure-XXXXXX", src[64], prog[64], cc[PATH_MAX];
    FILE *f;

    if (geteuid() != 0)
        skip();
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0); /* nobody runs the program */
    snprintf(src, sizeof src, "%s/secure.c", dir);
    snprintf(prog, sizeof prog, "%s/secure", dir);
    f = fopen(src, "w");
    assert_non_null(f);
    fputs(prog_src, f);
    fclose(f);
    snprintf(cc, sizeof cc, "cc -o %s %s -Wl,--no-as-needed %s 2>/dev/null",
             prog, src, SHMC_TRACE_SO);
    int built = system(cc) == 0 && chmod(prog, 04755) == 0;
    unlink(src);
    if (built) {
        const struct how p = {NULL, BAD, NULL, NULL};
        const struct how s = {NULL, BAD, become_nobody, NULL};
        run(fx, &plain, &p, (char *[]){prog, NULL});
        run(fx, &secure, &s, (char *[]){prog, NULL});
    }
    unlink(prog);
    rmdir(dir);
    if (!built)
        skip();

    assert_exit(plain.status, 0);
    assert_string_equal(plain.out, "secure 0\n");
    assert_non_null(strstr(plain.err, "SHMCHECK__LOG_DIR_ID is malformed"));
    assert_non_null(strstr(plain.err, "SHMCHECK__BROKER is malformed"));
    assert_exit(secure.status, 0);
    assert_string_equal(secure.out, "secure 1\n");
    assert_null(strstr(secure.err, "is malformed"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(secure_execution_takes_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
