/*
 * test_report_html.c - the HTML report's parts on their own: the page
 * writer (report_html.c) with templates of the test's own, good and
 * broken, a script of several files (as assets.S embeds web/'s), checked
 * and copied whole, and a FILE that cannot be written; the JSON writer's
 * flat and script-safe modes; the timeline (timeline.c, timeline_settle.c)
 * fed by hand: segments made before the run, removals while attached, an
 * unknown end, execs that failed, the row cap, links; the data's links
 * and the cap on findings given source lines; the source reader
 * (sources.c) on short files, long lines, a FIFO and a missing file.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "html_data.h"
#include "json.h"
#include "report_html.h"
#include "sources.h"
#include "timeline.h"

#define T0 1000000000ull /* the run's start, in the journals' clock */

static const struct cli_html_page good = {
    "<html>\n<style>\n  /*@STYLE@*/\r\n</style>\n<script>\n\t /*@SCRIPT@*/\t \n"
    "</script>\n<script type=\"application/json\">\n\t/*@DATA@*/\n"
    "</script>",
    "p{}", ""};

static struct cli_timeline tl;

static int page_to(struct report_fx *fx, const struct cli_html_page *p)
{
    FILE *m = begin_text(fx);
    int rc = cli_report_html(&fx->run, &tl, p, m);
    end_text(m);
    return rc;
}

static void test_page(void **state)
{
    struct report_fx *fx = *state;

    cli_timeline_init(&tl);
    add_process(&fx->run, 7, ARGV("a</b", "<!--"));
    assert_int_equal(page_to(fx, &good), 0);
    assert_non_null(strstr(fx->text, "<html>\n<style>\np{}\n</style>\n"
                                     "<script>\n</script>\n"));
    assert_non_null(strstr(fx->text, "\"argv\":[\"a<\\/b\",\"\\u003c!--\"]"));
    assert_non_null(strstr(fx->text, "\"processes\":[[7,0,-1,-1,[],0]]"));
    assert_null(strstr(fx->text, "@*/"));
    cli_timeline_free(&tl);
}

static void test_bad_pages(void **state)
{
    struct report_fx *fx = *state;
    static const struct cli_html_page bad[] = {
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n", "", ""},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n/*@DATA@*/\n", "", ""},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/ x\n", "", ""},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n", "a</STYLE>", ""},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n", "", "x='</Script>'"},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n", "", "x='<!--'"},
        /* the script is web/'s files back to back (assets.S): checked whole,
         * a later file's as the first's */
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n", "",
         "a();\n\nb('</sCRIPT');\n"},
        {"/*@STYLE@*/\n/*@SCRIPT@*/\n/*@DATA@*/\n", "",
         "a();\n\nb();\n\n<!--\n"},
    };

    cli_timeline_init(&tl);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_non_null(cli_html_page_check(&bad[i]));
        assert_int_equal(page_to(fx, &bad[i]), -1);
    }
    assert_null(cli_html_page_check(&good));
}

/* A script of several files, as assets.S embeds web/'s: copied whole, in
 * order, blank lines and all, with no line break added after its last. */
static void test_script_parts(void **state)
{
    struct report_fx *fx = *state;
    const struct cli_html_page page = {good.html, "",
                                       "/* data.js */\nconst ns = {};\n\n"
                                       "(function (ns) {})(ns);\n\n"
                                       "/* report.js */\nready();\n\n"};

    cli_timeline_init(&tl);
    add_process(&fx->run, 7, ARGV("prog"));
    assert_int_equal(page_to(fx, &page), 0);
    assert_non_null(strstr(fx->text, "<script>\n/* data.js */\nconst ns = {};"
                                     "\n\n(function (ns) {})(ns);\n\n/* "
                                     "report.js */\nready();\n\n</script>\n"));
    cli_timeline_free(&tl);
}

static void test_unwritable(void **state)
{
    struct report_fx *fx = *state;
    FILE *f = fopen("/dev/full", "w");

    assert_non_null(f);
    cli_timeline_init(&tl);
    add_process(&fx->run, 7, ARGV("prog"));
    assert_int_equal(cli_report_html(&fx->run, &tl, &good, f), -1);
    fclose(f);
}

/* A timeline as the analysis would feed it, settled. */
static void fill(struct cli_timeline *t)
{
    static const struct cli_kseg kernel[] = {
        {.key = 42, .shmid = 9, .size = 100, .cpid = 3}};
    size_t a, b, c;

    cli_timeline_init(t);
    cli_timeline_span(t, 5, T0 + 1000, T0 + 9000);
    cli_timeline_span(t, 5, T0 + 500, T0 + 2000); /* an earlier image */
    cli_timeline_span(t, 6, 0, T0 + 3000);        /* no start known */
    cli_timeline_span(t, 6, T0 + 10, T0 + 4000);
    cli_timeline_span(t, 6, 0, T0 + 1);
    cli_timeline_span(t, 5, T0 + 600, T0 + 700);
    cli_timeline_exec(t, 5, T0 + 4000);
    cli_timeline_exec(t, 5, T0 + 6000);
    cli_timeline_exec_failed(t, 5);
    cli_timeline_exec_failed(t, 8); /* none of its own */
    cli_timeline_exec(t, 5, T0 + 8000);
    cli_timeline_exec(t, 6, T0 + 100);
    cli_timeline_created(t, 1, 7, 4096, 5, T0 + 1000);
    cli_timeline_removed(t, 1, T0 + 3000);
    cli_timeline_removed(t, 1, T0 + 2500);             /* an earlier one */
    cli_timeline_created(t, 1, 7, 4096, 5, T0 + 8000); /* the id again */
    cli_timeline_ended(t, cli_timeline_attached(t, 5, 1, 0x5000, T0 + 2000),
                       T0 + 2400, CLI_TL_DETACHED, CLI_TL_NONE);
    cli_timeline_attached(t, 6, 11, 0x6000, T0 + 200); /* after its end */
    a = cli_timeline_attached(t, 5, 1, 0x1000, T0 + 2000);
    cli_timeline_ended(t, a, T0 + 5000, CLI_TL_EXITED, 0);
    b = cli_timeline_attached(t, 6, 1, 0x2000, T0 + 4000); /* after it */
    cli_timeline_ended(t, b, T0 + 7000, CLI_TL_DETACHED, CLI_TL_NONE);
    c = cli_timeline_attached(t, 6, 9, 0x3000, T0 + 2000); /* before */
    cli_timeline_attached(t, 6, 9, 0x4000, T0 + 2100);
    cli_timeline_removed(t, 9, T0 + 2200);
    cli_timeline_ended(t, c, 0, CLI_TL_UNKNOWN, CLI_TL_NONE);
    cli_timeline_ended(t, CLI_TL_NONE, 0, CLI_TL_UNKNOWN, 0);
    cli_timeline_removed(t, 11, T0 + 100); /* unknown to the kernel */
    cli_timeline_created(t, 12, 0, 10, 6, T0 + 100);
    cli_timeline_leaked(t, &(struct cli_kseg){.shmid = 12}, T0 + 100, 1);
    cli_timeline_leaked(t, &(struct cli_kseg){.shmid = 13, .cpid = 4}, 0, 2);
    /* its creation's row dropped: unknown */
    cli_timeline_leaked(t, &(struct cli_kseg){.shmid = 14}, T0 + 5, 9);
    cli_timeline_mark(t, 6, T0 + 50, CLI_TL_LINT, 3);
    cli_timeline_mark(t, 5, T0 + 50, CLI_TL_FAILED_CALL, 4);
    cli_timeline_mark(t, 6, T0 + 50, CLI_TL_INVALID_DETACH, CLI_TL_NONE);
    cli_timeline_link(t, 4, 3);
    cli_timeline_link(t, 300, 4);
    cli_timeline_link(t, 5, 5);
    cli_timeline_settle(t, kernel, NELEM(kernel));
}

static void test_settle(void **state)
{
    const struct cli_tl_seg *s;
    size_t n, e;

    (void)state;
    fill(&tl);
    assert_int_equal(tl.nsegs, 7); /* 1 twice, 12, 13, 9, 11 and 14 */
    s = &tl.segs[0];               /* unknown first, by shmid */
    assert_true(s->shmid == 9 && s->created == 0 && s->key == 42 &&
                s->cpid == 3 && s->removed == T0 + 2200 && s->gone == 0);
    assert_true(tl.segs[1].shmid == 11 && tl.segs[1].cpid == -1 &&
                tl.segs[1].gone == T0 + 100);
    assert_true(tl.segs[2].shmid == 13 && tl.segs[2].occ == 2);
    assert_true(tl.segs[3].shmid == 14 && tl.segs[3].created == 0);
    assert_true(tl.segs[4].shmid == 12 && tl.segs[4].occ == 1);
    assert_true(tl.segs[6].shmid == 1 && tl.segs[6].removed == 0);
    s = &tl.segs[5];
    assert_true(s->shmid == 1 && s->removed == T0 + 2500 &&
                s->gone == T0 + 7000);
    assert_int_equal(tl.natts, 6);
    assert_true(tl.atts[0].attached == T0 + 200 && tl.atts[1].pid == 5 &&
                tl.atts[2].addr == 0x5000);
    assert_int_equal(cli_timeline_proc(&tl, 5)->start, T0 + 500);
    assert_int_equal(cli_timeline_proc(&tl, 5)->end, T0 + 9000);
    assert_int_equal(cli_timeline_proc(&tl, 6)->start, T0 + 10);
    assert_int_equal(cli_timeline_proc(&tl, 6)->end, T0 + 4000);
    assert_null(cli_timeline_proc(&tl, 8));
    e = cli_timeline_execs(&tl, 5, &n);
    assert_true(n == 2 && tl.execs[e].when == T0 + 4000);
    cli_timeline_execs(&tl, 7, &n);
    assert_int_equal(n, 0);
    assert_true(tl.marks[0].pid == 5 && tl.marks[1].pid == 6 &&
                tl.marks[1].kind == CLI_TL_INVALID_DETACH);
    assert_int_equal(cli_timeline_group(&tl, 300), 3);
    assert_int_equal(cli_timeline_group(&tl, 5), 5);
    assert_int_equal(tl.end, T0 + 9000);
    cli_timeline_free(&tl);
}

static void test_null_and_cap(void **state)
{
    (void)state;
    cli_timeline_span(NULL, 1, 1, 1);
    cli_timeline_exec(NULL, 1, 1);
    cli_timeline_exec_failed(NULL, 1);
    cli_timeline_created(NULL, 1, 0, 1, 1, 1);
    cli_timeline_removed(NULL, 1, 1);
    assert_int_equal(cli_timeline_attached(NULL, 1, 1, 1, 1), CLI_TL_NONE);
    cli_timeline_ended(NULL, 0, 1, CLI_TL_EXITED, 0);
    cli_timeline_mark(NULL, 1, 1, CLI_TL_LINT, 0);
    cli_timeline_leaked(NULL, &(struct cli_kseg){0}, 0, 0);
    cli_timeline_link(NULL, 1, 2);
    cli_timeline_settle(NULL, NULL, 0);
    cli_timeline_init(&tl);
    tl.max_rows = 1;
    for (int i = 0; i < 2; i++) {
        cli_timeline_span(&tl, 1 + i, T0, T0);
        cli_timeline_exec(&tl, 1, T0);
        cli_timeline_created(&tl, i, 0, 1, 1, T0 + 1);
        cli_timeline_removed(&tl, i, T0 + 2);
        cli_timeline_attached(&tl, 1, i, 0x1000, T0 + 3);
        cli_timeline_mark(&tl, 1, T0, CLI_TL_LINT, 0);
        cli_timeline_leaked(&tl, &(struct cli_kseg){.shmid = 5 + i}, 0, 0);
    }
    assert_int_equal(tl.dropped, 8); /* a second of each, and a leak */
    assert_null(cli_timeline_proc(&tl, 2));
    tl.max_rows = 2;
    cli_timeline_removed(&tl, 99, T0 + 5);
    tl.max_rows = 1; /* no row for 99: its removal is tied to none */
    cli_timeline_settle(&tl, NULL, 0);
    assert_int_equal(tl.dropped, 9);
    assert_int_equal(tl.segs[0].removed, T0 + 2);
    cli_timeline_free(&tl);
}

/* The data of a run with findings built by hand: links, the suppressed
 * left out, sources for the first CLI_SOURCE_MAX_FINDINGS only. */
static void test_data(void **state)
{
    struct report_fx *fx = *state;
    char src[] = "/tmp/shmc-html-XXXXXX";
    int fd = mkstemp(src);
    struct cli_finding *f;

    assert_true(fd >= 0 && write(fd, "a\nb\nc\n", 6) == 6);
    close(fd);
    fill(&tl);
    tl.end = 0; /* unknown: -1 */
    for (int i = 0; i < CLI_SOURCE_MAX_FINDINGS + 2; i++) {
        f = add_finding(&fx->run, CLI_LINT, 5);
        f->id = (size_t)i + 1;
        f->suppressed = i == 1;
        if (i != 3) /* the third shown: no source */
            add_frame(&fx->run, f,
                      &(struct frame){0x10, "m", 0x10, "f", src, 2});
    }
    fx->run.start_ns = T0 + 100; /* times at or before it: 0 */
    assert_int_equal(page_to(fx, &good), 0);
    unlink(src);
    assert_non_null(strstr(fx->text, "\"end\":-1,"));
    /* Occurrence 1 is the first finding's, 2 the suppressed one's; 3 and
     * 4 (linked to 3) the third's, index 1 in the report. */
    assert_non_null(strstr(fx->text, "[13,0,0,4,-1,-1,-1,-1]"));
    assert_non_null(strstr(fx->text, "[12,0,10,6,0,-1,-1,0]"));
    assert_non_null(strstr(fx->text, "\"markers\":[[5,0,0,1],[6,0,1,-1],"
                                     "[6,0,2,1]]"));
    assert_non_null(strstr(fx->text, "\"1\":{\"file\":"));
    assert_null(strstr(fx->text, "\"2\":{\"file\":"));
    assert_non_null(strstr(fx->text, "\"line\":2,\"frame\":0,\"first\":1,"
                                     "\"lines\":[\"a\",\"b\",\"c\"]}"));
    assert_non_null(strstr(fx->text, "\"255\":{"));
    assert_null(strstr(fx->text, "\"256\":{"));
    cli_timeline_free(&tl);
}

static void source_of(const char *path, int line, struct cli_source *out,
                      int want)
{
    struct cli_stack st = {.n = 2};

    st.f[0].file = NULL; /* no file: the next frame */
    st.f[1].file = path;
    st.f[1].line = line;
    assert_int_equal(cli_source_read(&st, out), want);
}

static void test_sources(void **state)
{
    static struct cli_source s;
    char dir[64], path[128], fifo[128], text[1024] = "";

    (void)state;
    mk_dir(dir, sizeof dir);
    path_in(dir, "f.c", path, sizeof path);
    for (int i = 1; i <= 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "line %d\n",
                 i);
    memset(text + strlen(text), 'x', 300); /* line 11: long, no '\n' */
    put_file(path, text, 0600);
    source_of(path, 5, &s, 1);
    assert_true(s.first == 2 && s.nlines == 7 && s.frame == 1);
    assert_string_equal(s.lines[6], "line 8");
    source_of(path, 11, &s, 1);
    assert_true(s.first == 8 && s.nlines == 4);
    assert_int_equal(strlen(s.lines[3]), CLI_SOURCE_LINE_MAX);
    source_of(path, 12, &s, 0); /* past its end */
    source_of(path, 20, &s, 0);
    path_in(dir, "big", fifo, sizeof fifo); /* past what is read of it */
    put_file(fifo, "", 0600);
    assert_int_equal(truncate(fifo, CLI_SOURCE_MAX_READ + 1), 0);
    source_of(fifo, 1, &s, 0);
    source_of(path, 0, &s, 0);
    path_in(dir, "fifo", fifo, sizeof fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    source_of(fifo, 1, &s, 0); /* never opened for reading */
    source_of("/nonexistent/f.c", 1, &s, 0);
    /* A leak made through the library: its lines are the program's call
     * of it (frame 2, below shmcheck's frames), unless those cannot be
     * read: then the first readable frame. */
    struct cli_stack st = {.n = 3};
    st.f[0] = (struct cli_frame){
        .module = "/usr/lib/libshmcheck.so.0", .file = path, .line = 3};
    st.f[1] = (struct cli_frame){
        .function = "shmc_segment_create", .file = path, .line = 4};
    st.f[2] = (struct cli_frame){.file = path, .line = 9};
    assert_int_equal(cli_source_read(&st, &s), 1);
    assert_true(s.frame == 2 && s.line == 9);
    st.f[2].file = "/nonexistent/main.c";
    assert_int_equal(cli_source_read(&st, &s), 1);
    assert_true(s.frame == 0 && s.line == 3);
    rm_dir(dir);
}

static void test_json_modes(void **state)
{
    struct report_fx *fx = *state;
    FILE *m = begin_text(fx);
    struct cli_json j;

    cli_json_init(&j, m);
    j.script = 1;
    cli_json_object(&j);
    cli_json_key_string(&j, "</k", "<a></script><!-- <!- <");
    cli_json_end(&j);
    assert_int_equal(cli_json_finish(&j), 0);
    end_text(m);
    assert_string_equal(fx->text, "{\n  \"<\\/k\": \"<a><\\/script>\\u003c!-- "
                                  "<!- <\"\n}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_page, report_setup,
                                        report_teardown),
        cmocka_unit_test_setup_teardown(test_bad_pages, report_setup,
                                        report_teardown),
        cmocka_unit_test_setup_teardown(test_script_parts, report_setup,
                                        report_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, report_setup,
                                        report_teardown),
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_null_and_cap),
        cmocka_unit_test_setup_teardown(test_data, report_setup,
                                        report_teardown),
        cmocka_unit_test(test_sources),
        cmocka_unit_test_setup_teardown(test_json_modes, report_setup,
                                        report_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
