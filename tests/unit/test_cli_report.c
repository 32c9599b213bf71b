/*
 * test_cli_report.c - cli_report_json and cli_report_sarif on runs built by
 * hand: the exact JSON of a run with one finding of each kind (and a
 * suppressed one that is counted, not shown), of an empty run, of every
 * kind of exit and of the optional fields; strings with quotes, control
 * characters and invalid UTF-8 escaped so that Python reads back what
 * bytes.decode("utf-8", "replace") reads; the exact SARIF of one finding,
 * SARIF's required keys, locations that GitHub accepts, fingerprints that
 * ignore pids, ids and addresses; the writer's refusal of a malformed
 * document; and -1 when the FILE cannot be written.
 *
 * Python 3 checks that the output parses (no duplicate keys) and has
 * json.dumps(indent=2)'s layout; the tests that need it are skipped
 * without it.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli_report_fixtures.h"
#include "json.h"
#include "findings.h"
#include "report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- building runs ------------------------------------------------------ */

/* A traced process that ended as end and value say. */
static void add_traced(struct cli_run *run, int pid, int ppid,
                       const char *const *argv, enum cli_end end, int value)
{
    struct cli_process *p = add_process(run, pid, argv);

    p->ppid = ppid;
    p->end = end;
    p->value = value;
    p->traced = 1;
}

static const char *intern(struct cli_run *run, const char *s)
{
    const char *c = cli_run_strdup(run, s);

    assert_non_null(c);
    return c;
}

/* The traced command is borrowed (main's argv): cli_run_free leaves it. */
static char *prog_arg[] = {"prog", "arg", NULL};

/* One finding of each kind, a suppressed leak, two processes, a warning. */
static void build_full_run(struct cli_run *run)
{
    struct cli_finding *f;

    run->command = prog_arg;
    run->end = CLI_END_EXIT;
    run->value = 1;
    add_traced(run, 100, 1, ARGV("prog", "arg"), CLI_END_EXIT, 1);
    add_traced(run, 101, 100, ARGV("child"), CLI_END_SIGNAL, 9);

    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 5, f->key = 0xf00f, f->size = 4096, f->creator_pid = 100;
    add_frame(run, f, &main_x12);
    add_frame(run, f, &libc_start);

    f = add_finding(run, CLI_UNMATCHED_ATTACH, 101);
    f->shmid = 5, f->addr = 0x7f1234560000, f->inherited = 1;
    f->ended_by = CLI_END_SIGNAL;

    f = add_finding(run, CLI_INVALID_DETACH, 100);
    f->addr = 0x7f1234561000, f->err = EINVAL;
    add_frame(run, f,
              &(struct frame){0x401200, "/usr/bin/prog", 0x1200, "detach_twice",
                              "x.c", 30});

    f = add_finding(run, CLI_FAILED_CALL, 100);
    f->call = intern(run, "shmget"), f->err = EEXIST;
    f->args[0] = 0xf00f, f->args[1] = 4096, f->args[2] = 03600;
    f->message = intern(run, "key 0x0000f00f has a segment; IPC_EXCL");
    add_frame(run, f,
              &(struct frame){0x401300, "/usr/bin/prog", 0x1300, "open_seg",
                              "x.c", 40});

    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "creat-without-excl"), f->shmid = 5;
    f->message = intern(run, "IPC_CREAT without IPC_EXCL on key 0x0000f00f");
    add_frame(run, f,
              &(struct frame){0x401400, "/usr/bin/prog", 0x1400, "make_seg",
                              "x.c", 50});

    f = add_finding(run, CLI_LEAKED_SEGMENT, 101);
    f->shmid = 6, f->size = 100, f->creator_pid = 101;
    f->seen_by_kernel = 1, f->suppressed = 1;

    run->warnings = strv(ARGV("journal of pid 102 is damaged"));
    run->nwarnings = 1;
    cli_summarize(run);
}

/* --- rendering and checking --------------------------------------------- */

/* Pipes text into python3 -c script args; the test is skipped when there
 * is no python3. Returns python's exit status. */
static int python(const char *script, const char *args, const char *text)
{
    char cmd[8192];
    FILE *p;
    int st;

    if (system("command -v python3 >/dev/null 2>&1") != 0)
        skip();
    snprintf(cmd, sizeof cmd, "python3 -c '%s' %s", script, args);
    p = popen(cmd, "w");
    assert_non_null(p);
    fputs(text, p);
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Parses stdin refusing duplicate keys; with argv[1] "layout", the text
 * must also be json.dumps(indent=2)'s; with argv[1] "command", the
 * command must be what the hex strings argv[2:] decode to. */
#define PY_JSON                                                       \
    "import json, sys\n"                                              \
    "def pairs(p):\n"                                                 \
    "    keys = [k for k, v in p]\n"                                  \
    "    assert len(keys) == len(set(keys)), keys\n"                  \
    "    return dict(p)\n"                                            \
    "s = sys.stdin.read()\n"                                          \
    "d = json.loads(s, object_pairs_hook=pairs)\n"                    \
    "if sys.argv[1:2] == [\"layout\"]:\n"                             \
    "    assert json.dumps(d, indent=2) + \"\\n\" == s, \"layout\"\n" \
    "if sys.argv[1:2] == [\"command\"]:\n"                            \
    "    want = [bytes.fromhex(h).decode(\"utf-8\", \"replace\")\n"   \
    "            for h in sys.argv[2:]]\n"                            \
    "    assert d[\"command\"] == want, (d[\"command\"], want)\n"

/* SARIF 2.1.0 as GitHub takes it: the keys it requires, rule ids unique,
 * each result's rule and level, one location with a URI, a fingerprint. */
#define PY_SARIF                                                               \
    "import json, sys\n"                                                       \
    "d = json.load(sys.stdin)\n"                                               \
    "assert d[\"$schema\"] == "                                                \
    "\"https://json.schemastore.org/sarif-2.1.0.json\"\n"                      \
    "assert d[\"version\"] == \"2.1.0\"\n"                                     \
    "run, = d[\"runs\"]\n"                                                     \
    "drv = run[\"tool\"][\"driver\"]\n"                                        \
    "assert drv[\"name\"] == \"shmcheck\" and drv[\"version\"]\n"              \
    "assert "                                                                  \
    "drv[\"informationUri\"].startswith(\"https://example.invalid/\")\n"       \
    "lv = {\"leaked_segment\": \"error\", \"invalid_detach\": \"error\",\n"    \
    "      \"unmatched_attach\": \"warning\", \"failed_call\": \"warning\",\n" \
    "      \"lint\": \"note\"}\n"                                              \
    "ids = [r[\"id\"] for r in drv[\"rules\"]]\n"                              \
    "assert len(ids) == len(set(ids)), ids\n"                                  \
    "for r in drv[\"rules\"]:\n"                                               \
    "    assert r[\"defaultConfiguration\"][\"level\"] == lv[r[\"id\"]]\n"     \
    "    assert r[\"shortDescription\"][\"text\"]\n"                           \
    "    assert r[\"fullDescription\"][\"text\"]\n"                            \
    "for x in run[\"results\"]:\n"                                             \
    "    assert ids[x[\"ruleIndex\"]] == x[\"ruleId\"]\n"                      \
    "    assert x[\"level\"] == lv[x[\"ruleId\"]]\n"                           \
    "    assert x[\"message\"][\"text\"] and \"\\n\" not in "                  \
    "x[\"message\"][\"text\"]\n"                                               \
    "    loc, = x[\"locations\"]\n"                                            \
    "    pl = loc[\"physicalLocation\"]\n"                                     \
    "    assert pl[\"artifactLocation\"][\"uri\"]\n"                           \
    "    assert pl.get(\"region\", {\"startLine\": 1})[\"startLine\"] >= 1\n"  \
    "    assert len(x[\"partialFingerprints\"][\"shmcheck/v1\"]) == 16\n"      \
    "    for st in x.get(\"stacks\", []):\n"                                   \
    "        assert all(\"location\" in f for f in st[\"frames\"])\n"          \
    "inv, = run[\"invocations\"]\n"                                            \
    "assert inv[\"executionSuccessful\"] is True\n"                            \
    "assert sorted(ids) == sorted(sys.argv[1:]), ids\n"

/* --- JSON ------------------------------------------------------------- */

static void test_json_full_run(void **state)
{
    struct report_fx *fx = *state;
    static const char want[] =
        "{\n"
        "  \"tool\": \"shmcheck\",\n"
        "  \"version\": \"0.1.0\",\n"
        "  \"command\": [\n"
        "    \"prog\",\n"
        "    \"arg\"\n"
        "  ],\n"
        "  \"exit\": {\n"
        "    \"status\": 1\n"
        "  },\n"
        "  \"processes\": [\n"
        "    {\n"
        "      \"pid\": 100,\n"
        "      \"ppid\": 1,\n"
        "      \"argv\": [\n"
        "        \"prog\",\n"
        "        \"arg\"\n"
        "      ],\n"
        "      \"exit\": {\n"
        "        \"status\": 1\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"pid\": 101,\n"
        "      \"ppid\": 100,\n"
        "      \"argv\": [\n"
        "        \"child\"\n"
        "      ],\n"
        "      \"exit\": {\n"
        "        \"signal\": 9\n"
        "      }\n"
        "    }\n"
        "  ],\n"
        "  \"findings\": [\n"
        "    {\n"
        "      \"kind\": \"leaked_segment\",\n"
        "      \"shmid\": 5,\n"
        "      \"key\": \"0x0000f00f\",\n"
        "      \"size\": 4096,\n"
        "      \"creator_pid\": 100,\n"
        "      \"seen_by\": \"tracer\",\n"
        "      \"stack\": [\n"
        "        {\n"
        "          \"pc\": \"0x401136\",\n"
        "          \"function\": \"main\",\n"
        "          \"file\": \"x.c\",\n"
        "          \"line\": 12,\n"
        "          \"module\": \"/usr/bin/prog\",\n"
        "          \"offset\": \"0x1136\"\n"
        "        },\n"
        "        {\n"
        "          \"pc\": \"0x7f0000029d90\",\n"
        "          \"function\": null,\n"
        "          \"file\": null,\n"
        "          \"line\": null,\n"
        "          \"module\": \"/lib/libc.so.6\",\n"
        "          \"offset\": \"0x29d90\"\n"
        "        }\n"
        "      ]\n"
        "    },\n"
        "    {\n"
        "      \"kind\": \"unmatched_attach\",\n"
        "      \"pid\": 101,\n"
        "      \"shmid\": 5,\n"
        "      \"addr\": \"0x7f1234560000\",\n"
        "      \"inherited\": true,\n"
        "      \"ended_by\": \"signal\",\n"
        "      \"stack\": []\n"
        "    },\n"
        "    {\n"
        "      \"kind\": \"invalid_detach\",\n"
        "      \"pid\": 100,\n"
        "      \"addr\": \"0x7f1234561000\",\n"
        "      \"errno\": \"EINVAL\",\n"
        "      \"stack\": [\n"
        "        {\n"
        "          \"pc\": \"0x401200\",\n"
        "          \"function\": \"detach_twice\",\n"
        "          \"file\": \"x.c\",\n"
        "          \"line\": 30,\n"
        "          \"module\": \"/usr/bin/prog\",\n"
        "          \"offset\": \"0x1200\"\n"
        "        }\n"
        "      ]\n"
        "    },\n"
        "    {\n"
        "      \"kind\": \"failed_call\",\n"
        "      \"pid\": 100,\n"
        "      \"call\": \"shmget\",\n"
        "      \"args\": [\n"
        "        61455,\n"
        "        4096,\n"
        "        1920,\n"
        "        0\n"
        "      ],\n"
        "      \"errno\": \"EEXIST\",\n"
        "      \"message\": \"key 0x0000f00f has a segment; IPC_EXCL\",\n"
        "      \"stack\": [\n"
        "        {\n"
        "          \"pc\": \"0x401300\",\n"
        "          \"function\": \"open_seg\",\n"
        "          \"file\": \"x.c\",\n"
        "          \"line\": 40,\n"
        "          \"module\": \"/usr/bin/prog\",\n"
        "          \"offset\": \"0x1300\"\n"
        "        }\n"
        "      ]\n"
        "    },\n"
        "    {\n"
        "      \"kind\": \"lint\",\n"
        "      \"rule\": \"creat-without-excl\",\n"
        "      \"pid\": 100,\n"
        "      \"shmid\": 5,\n"
        "      \"message\": \"IPC_CREAT without IPC_EXCL on key 0x0000f00f\",\n"
        "      \"stack\": [\n"
        "        {\n"
        "          \"pc\": \"0x401400\",\n"
        "          \"function\": \"make_seg\",\n"
        "          \"file\": \"x.c\",\n"
        "          \"line\": 50,\n"
        "          \"module\": \"/usr/bin/prog\",\n"
        "          \"offset\": \"0x1400\"\n"
        "        }\n"
        "      ]\n"
        "    }\n"
        "  ],\n"
        "  \"summary\": {\n"
        "    \"leaked_segments\": 1,\n"
        "    \"leaked_bytes\": 4096,\n"
        "    \"unmatched_attaches\": 0,\n"
        "    \"inherited_unmatched\": 1,\n"
        "    \"invalid_detaches\": 1,\n"
        "    \"suppressed\": 1,\n"
        "    \"failed_calls\": 1,\n"
        "    \"lints\": 1\n"
        "  },\n"
        "  \"warnings\": [\n"
        "    \"journal of pid 102 is damaged\"\n"
        "  ]\n"
        "}\n";
    int rc;

    build_full_run(&fx->run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
    assert_int_equal(python(PY_JSON, "layout", fx->text), 0);
}

static void test_json_empty_run(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {"true", NULL};
    static const char want[] = "{\n"
                               "  \"tool\": \"shmcheck\",\n"
                               "  \"version\": \"0.1.0\",\n"
                               "  \"command\": [\n"
                               "    \"true\"\n"
                               "  ],\n"
                               "  \"exit\": {\n"
                               "    \"status\": 0\n"
                               "  },\n"
                               "  \"processes\": [],\n"
                               "  \"findings\": [],\n"
                               "  \"summary\": {\n"
                               "    \"leaked_segments\": 0,\n"
                               "    \"leaked_bytes\": 0,\n"
                               "    \"unmatched_attaches\": 0,\n"
                               "    \"inherited_unmatched\": 0,\n"
                               "    \"invalid_detaches\": 0,\n"
                               "    \"suppressed\": 0,\n"
                               "    \"failed_calls\": 0,\n"
                               "    \"lints\": 0\n"
                               "  },\n"
                               "  \"warnings\": []\n"
                               "}\n";
    int rc;

    fx->run.command = cmd;
    fx->run.end = CLI_END_EXIT;
    cli_summarize(&fx->run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
    assert_int_equal(python(PY_JSON, "layout", fx->text), 0);
}

/* A status, a signal, and {"status": null} for an unknown end and for an
 * exec (DESIGN.md has no other shape); no command is []. */
static void test_json_exits(void **state)
{
    struct report_fx *fx = *state;
    static const char want[] = "{\n"
                               "  \"tool\": \"shmcheck\",\n"
                               "  \"version\": \"0.1.0\",\n"
                               "  \"command\": [],\n"
                               "  \"exit\": {\n"
                               "    \"signal\": 9\n"
                               "  },\n"
                               "  \"processes\": [\n"
                               "    {\n"
                               "      \"pid\": 10,\n"
                               "      \"ppid\": 1,\n"
                               "      \"argv\": [],\n"
                               "      \"exit\": {\n"
                               "        \"status\": 3\n"
                               "      }\n"
                               "    },\n"
                               "    {\n"
                               "      \"pid\": 11,\n"
                               "      \"ppid\": 10,\n"
                               "      \"argv\": [\n"
                               "        \"b\"\n"
                               "      ],\n"
                               "      \"exit\": {\n"
                               "        \"signal\": 15\n"
                               "      }\n"
                               "    },\n"
                               "    {\n"
                               "      \"pid\": 12,\n"
                               "      \"ppid\": 10,\n"
                               "      \"argv\": [],\n"
                               "      \"exit\": {\n"
                               "        \"status\": null\n"
                               "      }\n"
                               "    },\n"
                               "    {\n"
                               "      \"pid\": 13,\n"
                               "      \"ppid\": 10,\n"
                               "      \"argv\": [\n"
                               "        \"d\"\n"
                               "      ],\n"
                               "      \"exit\": {\n"
                               "        \"status\": null\n"
                               "      }\n"
                               "    }\n"
                               "  ],\n"
                               "  \"findings\": [],\n"
                               "  \"summary\": {\n"
                               "    \"leaked_segments\": 0,\n"
                               "    \"leaked_bytes\": 0,\n"
                               "    \"unmatched_attaches\": 0,\n"
                               "    \"inherited_unmatched\": 0,\n"
                               "    \"invalid_detaches\": 0,\n"
                               "    \"suppressed\": 0,\n"
                               "    \"failed_calls\": 0,\n"
                               "    \"lints\": 0\n"
                               "  },\n"
                               "  \"warnings\": []\n"
                               "}\n";
    int rc_signal, rc_unknown;
    char *signal_text;

    fx->run.end = CLI_END_SIGNAL;
    fx->run.value = 9;
    add_traced(&fx->run, 10, 1, ARGV(NULL), CLI_END_EXIT, 3);
    add_traced(&fx->run, 11, 10, ARGV("b"), CLI_END_SIGNAL, 15);
    add_traced(&fx->run, 12, 10, ARGV(NULL), CLI_END_UNKNOWN, 0);
    add_traced(&fx->run, 13, 10, ARGV("d"), CLI_END_EXEC, 0);
    free(fx->run.procs[2].argv);
    fx->run.procs[2].argv = NULL;

    rc_signal = render(fx, cli_report_json);
    signal_text = fx->text;
    fx->text = NULL;
    fx->run.end = CLI_END_UNKNOWN;
    rc_unknown = render(fx, cli_report_json);

    assert_int_equal(rc_signal, 0);
    assert_string_equal(signal_text, want);
    free(signal_text);
    assert_int_equal(rc_unknown, 0);
    assert_contains(fx->text, "  \"command\": [],\n"
                              "  \"exit\": {\n"
                              "    \"status\": null\n"
                              "  },\n");
}

/* Optional and odd fields: "ended_by" null and "exec", a finding's own
 * message, an errno without a name, a failed call with no call name and
 * no message, a lint with no shmid and no message, a negative key, a
 * frame that knows nothing but its pc. */
static void test_json_finding_details(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {"prog", NULL};
    static const char want[] = "{\n"
                               "  \"tool\": \"shmcheck\",\n"
                               "  \"version\": \"0.1.0\",\n"
                               "  \"command\": [\n"
                               "    \"prog\"\n"
                               "  ],\n"
                               "  \"exit\": {\n"
                               "    \"status\": 0\n"
                               "  },\n"
                               "  \"processes\": [],\n"
                               "  \"findings\": [\n"
                               "    {\n"
                               "      \"kind\": \"leaked_segment\",\n"
                               "      \"shmid\": 9,\n"
                               "      \"key\": \"0xffffffff\",\n"
                               "      \"size\": 1099511627776,\n"
                               "      \"creator_pid\": 7,\n"
                               "      \"seen_by\": \"kernel\",\n"
                               "      \"stack\": [\n"
                               "        {\n"
                               "          \"pc\": \"0x10\",\n"
                               "          \"function\": null,\n"
                               "          \"file\": null,\n"
                               "          \"line\": null,\n"
                               "          \"module\": null,\n"
                               "          \"offset\": \"0x0\"\n"
                               "        }\n"
                               "      ]\n"
                               "    },\n"
                               "    {\n"
                               "      \"kind\": \"unmatched_attach\",\n"
                               "      \"pid\": 7,\n"
                               "      \"shmid\": 3,\n"
                               "      \"addr\": \"0x1000\",\n"
                               "      \"inherited\": false,\n"
                               "      \"ended_by\": null,\n"
                               "      \"stack\": []\n"
                               "    },\n"
                               "    {\n"
                               "      \"kind\": \"unmatched_attach\",\n"
                               "      \"pid\": 7,\n"
                               "      \"shmid\": 3,\n"
                               "      \"addr\": \"0x2000\",\n"
                               "      \"inherited\": false,\n"
                               "      \"ended_by\": \"exec\",\n"
                               "      \"message\": \"attached in a loop\",\n"
                               "      \"stack\": []\n"
                               "    },\n"
                               "    {\n"
                               "      \"kind\": \"invalid_detach\",\n"
                               "      \"pid\": 7,\n"
                               "      \"addr\": \"0x0\",\n"
                               "      \"errno\": \"4242\",\n"
                               "      \"stack\": []\n"
                               "    },\n"
                               "    {\n"
                               "      \"kind\": \"failed_call\",\n"
                               "      \"pid\": 7,\n"
                               "      \"call\": null,\n"
                               "      \"args\": [\n"
                               "        -1,\n"
                               "        0,\n"
                               "        0,\n"
                               "        -9223372036854775808\n"
                               "      ],\n"
                               "      \"errno\": \"ENOENT\",\n"
                               "      \"stack\": []\n"
                               "    },\n"
                               "    {\n"
                               "      \"kind\": \"lint\",\n"
                               "      \"rule\": \"mode-world-writable\",\n"
                               "      \"pid\": 7,\n"
                               "      \"message\": null,\n"
                               "      \"stack\": []\n"
                               "    }\n"
                               "  ],\n"
                               "  \"summary\": {\n"
                               "    \"leaked_segments\": 1,\n"
                               "    \"leaked_bytes\": 1099511627776,\n"
                               "    \"unmatched_attaches\": 2,\n"
                               "    \"inherited_unmatched\": 0,\n"
                               "    \"invalid_detaches\": 1,\n"
                               "    \"suppressed\": 0,\n"
                               "    \"failed_calls\": 1,\n"
                               "    \"lints\": 1\n"
                               "  },\n"
                               "  \"warnings\": []\n"
                               "}\n";
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    int rc;

    run->command = cmd;
    run->end = CLI_END_EXIT;
    f = add_finding(run, CLI_LEAKED_SEGMENT, 7);
    f->shmid = 9, f->key = -1, f->size = UINT64_C(1) << 40;
    f->creator_pid = 7, f->seen_by_kernel = 1;
    add_frame(run, f, &(struct frame){0x10, NULL, 0, NULL, NULL, 0});
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 7);
    f->shmid = 3, f->addr = 0x1000, f->ended_by = CLI_END_UNKNOWN;
    f = add_finding(run, CLI_UNMATCHED_ATTACH, 7);
    f->shmid = 3, f->addr = 0x2000, f->ended_by = CLI_END_EXEC;
    f->message = intern(run, "attached in a loop");
    f = add_finding(run, CLI_INVALID_DETACH, 7);
    f->err = 4242;
    f = add_finding(run, CLI_FAILED_CALL, 7);
    f->err = ENOENT, f->args[0] = -1, f->args[3] = INT64_MIN;
    f = add_finding(run, CLI_LINT, 7);
    f->rule = intern(run, "mode-world-writable");
    cli_summarize(run);

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
    assert_int_equal(python(PY_JSON, "layout", fx->text), 0);
}

/* argv holds any bytes: the JSON must hold them all, escaped, and read
 * back as Python decodes them. */
static char nasty_quote[] = "q\"b\\s/";
static char nasty_ctl[] = "nl\n\ttab\x01\x1f\x7f";
static char nasty_utf8[] = "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 c1\xc2\x85";
static char nasty_bad[] = "\x80|\xff|\xe2\x82 |\xc0\xaf|\xed\xa0\x80|"
                          "\xf4\x90\x80\x80|\xe0\x80\x80|\xf0\x9f\x98";

static void test_json_escaping(void **state)
{
    struct report_fx *fx = *state;
    static char *cmd[] = {nasty_quote, nasty_ctl, nasty_utf8, nasty_bad, NULL};
    static const char want[] =
        "  \"command\": [\n"
        "    \"q\\\"b\\\\s/\",\n"
        "    \"nl\\u000a\\u0009tab\\u0001\\u001f\\u007f\",\n"
        "    \"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 c1\\u0085\",\n"
        "    \"\\ufffd|\\ufffd|\\ufffd |\\ufffd\\ufffd|"
        "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|"
        "\\ufffd\\ufffd\\ufffd|\\ufffd\"\n"
        "  ],\n";
    char hex[1024] = "command";
    int rc;

    fx->run.command = cmd;
    for (size_t i = 0; cmd[i] != NULL; i++) {
        strcat(hex, " ");
        for (const char *c = cmd[i]; *c != '\0'; c++)
            sprintf(hex + strlen(hex), "%02x", (unsigned char)*c);
    }

    rc = render(fx, cli_report_json);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, want);
    assert_int_equal(python(PY_JSON, hex, fx->text), 0);
}

/* --- SARIF ------------------------------------------------------------ */

/* The location is the first frame with a file (its path %-encoded), the
 * whole stack is in "stacks", the fingerprint is FNV-1a 64 of the kind,
 * the lint rule (none here) and that frame's function, file and line. */
static void test_sarif_one_finding(void **state)
{
    struct report_fx *fx = *state;
    static const char want[] =
        "{\n"
        "  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
        "  \"version\": \"2.1.0\",\n"
        "  \"runs\": [\n"
        "    {\n"
        "      \"tool\": {\n"
        "        \"driver\": {\n"
        "          \"name\": \"shmcheck\",\n"
        "          \"version\": \"0.1.0\",\n"
        "          \"informationUri\": \"https://example.invalid/shmcheck\",\n"
        "          \"rules\": [\n"
        "            {\n"
        "              \"id\": \"leaked_segment\",\n"
        "              \"shortDescription\": {\n"
        "                \"text\": \"Leaked shared memory segment\"\n"
        "              },\n"
        "              \"fullDescription\": {\n"
        "                \"text\": \"A segment created by the traced process "
        "tree still exists, not marked for removal, after every process ended. "
        "Only shmctl(IPC_RMID) removes a segment; shmdt and exit do not.\"\n"
        "              },\n"
        "              \"defaultConfiguration\": {\n"
        "                \"level\": \"error\"\n"
        "              }\n"
        "            }\n"
        "          ]\n"
        "        }\n"
        "      },\n"
        "      \"results\": [\n"
        "        {\n"
        "          \"ruleId\": \"leaked_segment\",\n"
        "          \"ruleIndex\": 0,\n"
        "          \"level\": \"error\",\n"
        "          \"message\": {\n"
        "            \"text\": \"leaked segment shmid 5 (key 0x0000f00f, 4096 "
        "bytes) created by pid 100 was never removed\"\n"
        "          },\n"
        "          \"locations\": [\n"
        "            {\n"
        "              \"physicalLocation\": {\n"
        "                \"artifactLocation\": {\n"
        "                  \"uri\": \"src/a%20b.c\"\n"
        "                },\n"
        "                \"region\": {\n"
        "                  \"startLine\": 12\n"
        "                }\n"
        "              }\n"
        "            }\n"
        "          ],\n"
        "          \"stacks\": [\n"
        "            {\n"
        "              \"frames\": [\n"
        "                {\n"
        "                  \"location\": {\n"
        "                    \"physicalLocation\": {\n"
        "                      \"address\": {\n"
        "                        \"absoluteAddress\": 139637977387008\n"
        "                      }\n"
        "                    },\n"
        "                    \"logicalLocations\": [\n"
        "                      {\n"
        "                        \"name\": \"shmget\",\n"
        "                        \"kind\": \"function\"\n"
        "                      }\n"
        "                    ]\n"
        "                  },\n"
        "                  \"module\": \"/lib/libshm.so\"\n"
        "                },\n"
        "                {\n"
        "                  \"location\": {\n"
        "                    \"physicalLocation\": {\n"
        "                      \"artifactLocation\": {\n"
        "                        \"uri\": \"src/a%20b.c\"\n"
        "                      },\n"
        "                      \"region\": {\n"
        "                        \"startLine\": 12\n"
        "                      },\n"
        "                      \"address\": {\n"
        "                        \"absoluteAddress\": 4198710\n"
        "                      }\n"
        "                    },\n"
        "                    \"logicalLocations\": [\n"
        "                      {\n"
        "                        \"name\": \"main\",\n"
        "                        \"kind\": \"function\"\n"
        "                      }\n"
        "                    ]\n"
        "                  },\n"
        "                  \"module\": \"/usr/bin/prog\"\n"
        "                }\n"
        "              ]\n"
        "            }\n"
        "          ],\n"
        "          \"partialFingerprints\": {\n"
        "            \"shmcheck/v1\": \"29a9a322e4d53646\"\n"
        "          }\n"
        "        }\n"
        "      ],\n"
        "      \"invocations\": [\n"
        "        {\n"
        "          \"executionSuccessful\": true,\n"
        "          \"exitCode\": 1,\n"
        "          \"toolExecutionNotifications\": [\n"
        "            {\n"
        "              \"level\": \"warning\",\n"
        "              \"message\": {\n"
        "                \"text\": \"journal of pid 102 is damaged\"\n"
        "              }\n"
        "            }\n"
        "          ]\n"
        "        }\n"
        "      ]\n"
        "    }\n"
        "  ]\n"
        "}\n";
    struct cli_finding *f;
    int rc;

    fx->run.command = prog_arg;
    fx->run.end = CLI_END_EXIT;
    fx->run.value = 1;
    f = add_finding(&fx->run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 5, f->key = 0xf00f, f->size = 4096, f->creator_pid = 100;
    add_frame(&fx->run, f,
              &(struct frame){0x7f00000a1000, "/lib/libshm.so", 0xa1000,
                              "shmget", NULL, 0});
    add_frame(&fx->run, f,
              &(struct frame){0x401136, "/usr/bin/prog", 0x1136, "main",
                              "src/a b.c", 12});
    fx->run.warnings = strv(ARGV("journal of pid 102 is damaged"));
    fx->run.nwarnings = 1;
    cli_summarize(&fx->run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_string_equal(fx->text, want);
    assert_int_equal(python(PY_SARIF, "leaked_segment", fx->text), 0);
}

/* Every kind has its rule and level; the suppressed leak is not shown. */
static void test_sarif_full_run(void **state)
{
    struct report_fx *fx = *state;
    int rc;

    build_full_run(&fx->run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_int_equal(count(fx->text, "\"ruleId\": "), 5);
    assert_null(strstr(fx->text, "shmid 6"));
    assert_contains(fx->text, "\"text\": \"pid 101 inherited the attachment "
                              "of shmid 5 at 0x7f1234560000 and never "
                              "detached it before a signal killed it\"");
    assert_contains(fx->text,
                    "\"text\": \"pid 100: shmget failed with EEXIST: key "
                    "0x0000f00f has a segment; IPC_EXCL\"");
    assert_contains(fx->text, "\"text\": \"lint creat-without-excl by pid 100 "
                              "on shmid 5: IPC_CREAT without IPC_EXCL on key "
                              "0x0000f00f\"");
    assert_int_equal(python(PY_SARIF,
                            "leaked_segment unmatched_attach invalid_detach "
                            "failed_call lint",
                            fx->text),
                     0);
}

static void test_sarif_empty_run(void **state)
{
    struct report_fx *fx = *state;
    int rc;

    fx->run.command = prog_arg;
    fx->run.end = CLI_END_SIGNAL;
    fx->run.value = SIGKILL;

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"rules\": []\n");
    assert_contains(fx->text, "\"results\": [],\n");
    assert_contains(fx->text, "\"exitSignalNumber\": 9,\n"
                              "          \"exitSignalName\": \"SIGKILL\"\n");
    assert_null(strstr(fx->text, "exitCode"));
    assert_int_equal(python(PY_SARIF, "", fx->text), 0);
}

/* A stack without a file: the finding is located at the program of its
 * process (the creator's for a leak), else at the traced command, else
 * nowhere (only when there is no command at all). */
static void test_sarif_location_fallback(void **state)
{
    struct report_fx *fx = *state;
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    int rc;

    run->command = prog_arg;
    add_traced(run, 100, 1, ARGV("/opt/my prog#1"), CLI_END_EXIT, 0);
    add_traced(run, 101, 100, ARGV("/usr/bin/child"), CLI_END_EXIT, 0);
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    add_frame(run, f, &libc_start);
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->creator_pid = 101, f->seen_by_kernel = 1;
    add_finding(run, CLI_FAILED_CALL, 999);
    cli_summarize(run);

    rc = render(fx, cli_report_sarif);

    assert_int_equal(rc, 0);
    assert_contains(fx->text, "\"uri\": \"/opt/my%20prog%231\"\n");
    assert_contains(fx->text, "\"uri\": \"/usr/bin/child\"\n");
    assert_contains(fx->text, "\"uri\": \"prog\"\n");
    assert_int_equal(count(fx->text, "\"region\""), 0);
    assert_int_equal(count(fx->text, "\"locations\""), 3);
    assert_int_equal(
        python(PY_SARIF, "invalid_detach leaked_segment failed_call", fx->text),
        0);
}

/* The n fingerprints of text, in order, into fp[i] (17 bytes each). */
static void fingerprints(const char *text, char (*fp)[17], size_t n)
{
    static const char key[] = "\"shmcheck/v1\": \"";
    const char *p = text;

    for (size_t i = 0; i < n; i++) {
        p = strstr(p, key);
        assert_non_null(p);
        p += strlen(key);
        snprintf(fp[i], 17, "%s", p);
    }
    assert_null(strstr(p, key));
}

/* Pids, shmids, addresses, pcs and modules do not change a fingerprint;
 * the line, the kind and the lint rule do. */
static void test_sarif_fingerprints(void **state)
{
    struct report_fx *fx = *state;
    struct cli_run *run = &fx->run;
    struct cli_finding *f;
    char fp[6][17];
    int rc;

    run->command = prog_arg;
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    f->shmid = 1, f->creator_pid = 100;
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LEAKED_SEGMENT, 200);
    f->shmid = 2, f->creator_pid = 200, f->key = 77, f->size = 8;
    add_frame(
        run, f,
        &(struct frame){0x555555401136, "/tmp/other", 0x9, "main", "x.c", 12});
    f = add_finding(run, CLI_LEAKED_SEGMENT, 100);
    add_frame(
        run, f,
        &(struct frame){0x401136, "/usr/bin/prog", 0x1136, "main", "x.c", 13});
    f = add_finding(run, CLI_INVALID_DETACH, 100);
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "mode-world-writable");
    add_frame(run, f, &main_x12);
    f = add_finding(run, CLI_LINT, 100);
    f->rule = intern(run, "creat-without-excl");
    add_frame(run, f, &main_x12);

    rc = render(fx, cli_report_sarif);
    fingerprints(fx->text, fp, NELEM(fp));

    assert_int_equal(rc, 0);
    assert_string_equal(fp[0], fp[1]);
    assert_string_not_equal(fp[0], fp[2]);
    assert_string_not_equal(fp[0], fp[3]);
    assert_string_not_equal(fp[4], fp[5]);
}

/* --- failures ----------------------------------------------------------- */

/* A full disk shows at fflush, a read-only stream at the first write. */
static void test_write_errors(void **state)
{
    struct report_fx *fx = *state;
    FILE *full = fopen("/dev/full", "w");
    FILE *ro = fopen("/dev/null", "r");
    int json_full, sarif_full, json_ro, sarif_ro;

    if (full == NULL || ro == NULL) {
        if (full != NULL)
            fclose(full);
        if (ro != NULL)
            fclose(ro);
        skip();
    }
    build_full_run(&fx->run);

    json_full = cli_report_json(&fx->run, full);
    clearerr(full);
    sarif_full = cli_report_sarif(&fx->run, full);
    json_ro = cli_report_json(&fx->run, ro);
    clearerr(ro);
    sarif_ro = cli_report_sarif(&fx->run, ro);
    fclose(full);
    fclose(ro);

    assert_int_equal(json_full, -1);
    assert_int_equal(sarif_full, -1);
    assert_int_equal(json_ro, -1);
    assert_int_equal(sarif_ro, -1);
}

/* The writer refuses what would not be one JSON value: nesting past
 * JSON_MAX_DEPTH, a container left open, a key without a value. */
static void test_writer_misuse(void **state)
{
    struct report_fx *fx = *state;
    size_t len;
    FILE *m = open_memstream(&fx->text, &len);
    FILE *null = fopen("/dev/null", "w");
    struct cli_json deep, open, keyed, good;
    int rc_deep, rc_open, rc_keyed, rc_good;
    assert_non_null(m);
    assert_non_null(null);

    cli_json_init(&deep, null);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        cli_json_array(&deep);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        cli_json_end(&deep);
    rc_deep = cli_json_finish(&deep);
    cli_json_init(&open, null);
    cli_json_object(&open);
    rc_open = cli_json_finish(&open);
    cli_json_init(&keyed, null);
    cli_json_object(&keyed);
    cli_json_key(&keyed, "k");
    cli_json_end(&keyed);
    rc_keyed = cli_json_finish(&keyed);
    cli_json_init(&good, m);
    cli_json_object(&good);
    cli_json_key_array(&good, "a");
    cli_json_end(&good);
    cli_json_key_object(&good, "o");
    cli_json_end(&good);
    cli_json_end(&good);
    rc_good = cli_json_finish(&good);
    fclose(null);
    fclose(m);

    assert_int_equal(rc_deep, -1);
    assert_int_equal(rc_open, -1);
    assert_int_equal(rc_keyed, -1);
    assert_int_equal(rc_good, 0);
    assert_string_equal(fx->text, "{\n  \"a\": [],\n  \"o\": {}\n}\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, report_setup, report_teardown)
    const struct CMUnitTest tests[] = {
        T(test_json_full_run),
        T(test_json_empty_run),
        T(test_json_exits),
        T(test_json_finding_details),
        T(test_json_escaping),
        T(test_sarif_one_finding),
        T(test_sarif_full_run),
        T(test_sarif_empty_run),
        T(test_sarif_location_fallback),
        T(test_sarif_fingerprints),
        T(test_write_errors),
        T(test_writer_misuse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
