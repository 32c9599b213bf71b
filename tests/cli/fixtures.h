/*
 * fixtures.h - what the CLI's tests share (tests/cli/fixtures.c and
 * fixtures_runs.c, linked into each of them). Include cmocka first.
 *
 * Journals as the tracer writes them, put together record by record and
 * written into a private directory, for the analysis:
 *     struct jfile j;
 *     jf_start(&j, 100, 1);
 *     jf_add(&j, REC(.type = SHMC_J_SHMGET, .a = {0, 4096,
 *            IPC_CREAT | 0600, 1}, .result = 5));
 *     jf_save(&j, dir, "100.0.shmj");
 *
 * Runs built by hand, process by process, finding by finding and frame by
 * frame, for the reports, and the last report rendered from one:
 *     struct report_fx *fx = *state;          (report_setup/teardown)
 *     add_process(&fx->run, 100, ARGV("prog", "arg"));
 *     struct cli_finding *f = add_finding(&fx->run, CLI_LINT, 100);
 *     add_frame(&fx->run, f, &(struct frame){0x10, "prog", 0x10});
 *     int rc = render(fx, cli_report_json);   (fx->text holds the report)
 *
 * Suppression sets and findings to match them (supp_*), the expected
 * reports (tests/cli/expected/) and the Python checks of the reports
 * (tests/cli/check_*.py).
 */
#ifndef SHMC_TESTS_CLI_FIXTURES_H
#define SHMC_TESTS_CLI_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "analyze.h"
#include "findings.h"
#include "journal/format.h"
#include "suppress.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- journals written by hand -------------------------------------------- */

/* A record for jf_add: REC(.type = SHMC_J_SHMDT, .err = EINVAL, ...). */
#define REC(...) (&(struct jspec){__VA_ARGS__})

/* In a REC: the record was made at a stack of one frame, pc (in no
 * module). Findings of one kind at one stack are one finding (group.h):
 * records at different pcs keep theirs apart. */
#define AT(pc)                                 \
    .nframes = 1, .frames = (const uint64_t[]) \
    {                                          \
        pc                                     \
    }

struct jfile {
    unsigned char *buf;
    size_t len;
};

/* One record: its type, errno, result, args, frames and payload. */
struct jspec {
    uint16_t type;
    int32_t err;
    int64_t result;
    int64_t a[4];
    unsigned nframes;
    const uint64_t *frames;
    const void *payload;
    unsigned plen;
};

/* A new journal of pid (its header). */
void jf_start(struct jfile *j, int pid, int ppid);
/* Appends a committed record. */
void jf_add(struct jfile *j, const struct jspec *s);
/* The START record: exe path, then argv (NULL-terminated). */
void jf_argv(struct jfile *j, int ppid, const char *const *argv);
/* Writes the first len bytes (all: (size_t)-1) to dir/name; frees j. */
void jf_save_part(struct jfile *j, const char *dir, const char *name,
                  size_t len);
void jf_save(struct jfile *j, const char *dir, const char *name);

/* A private directory for journals; rm_dir removes it and what it holds
 * (files, symlinks, FIFOs and empty directories). */
void mk_dir(char *dir, size_t len);
void rm_dir(const char *dir);
/* How many files in dir end with suffix; the last one's path into path
 * (len bytes) unless path is NULL. */
int find_files(const char *dir, const char *suffix, char *path, size_t len);
/* Writes text to path (a new file, or one emptied) and gives it mode. */
void put_file(const char *path, const char *text, mode_t mode);
/* Writes len bytes of data to dir/name. */
void put_bytes(const char *dir, const char *name, const void *data, size_t len);
/* dir/name into path (len bytes). */
void path_in(const char *dir, const char *name, char *path, size_t len);

/* --- a journal broker ---------------------------------------------------- */

#include "broker.h"

/* A private log directory and a broker serving it (test_broker*.c). */
struct broker_fx {
    char dir[64];
    struct cli_broker b;
};

int broker_setup(void **state);
int broker_teardown(void **state);

/* --- analysing a directory of journals ----------------------------------- */

/* A private directory of journals and the run analysed from it. */
struct analysis_fx {
    char dir[64];
    struct cli_run run;
    char text[8192]; /* the findings, one line each */
};

int analysis_setup(void **state);
int analysis_teardown(void **state);
/* Analyses fx->dir with in's other inputs; fx->text gets the findings,
 * one line each (describe_finding). */
int analyze_dir(struct analysis_fx *fx, struct cli_inputs in);
/* One line for a finding: its kind and the fields that kind has. */
void describe_finding(const struct cli_finding *f, char *out, size_t len);
/* The process pid of the run (it must be there). */
const struct cli_process *find_process(const struct cli_run *run, int pid);
/* Fails unless p's argv (and argc) is want. */
void assert_argv(const struct cli_process *p, const char *const *want);

/* --- runs built by hand, for the reports --------------------------------- */

/* A NULL-terminated argv: ARGV("prog", "arg"); ARGV(NULL) is empty. */
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A report writer: cli_report_json, cli_report_sarif. */
typedef int writer(const struct cli_run *run, FILE *out);

struct report_fx {
    struct cli_run run;
    char *text; /* the last report rendered */
    size_t len; /* its length, for open_memstream */
};

int report_setup(void **state);
int report_teardown(void **state);

/* A malloc'd NULL-terminated copy, as cli_run_free frees it. */
char **strv(const char *const *s);
/* A zeroed process appended, with a copy of argv (NULL: none); valid until
 * the next one. */
struct cli_process *add_process(struct cli_run *run, int pid,
                                const char *const *argv);
/* A zeroed finding (shmid -1) appended; valid until the next one. */
struct cli_finding *add_finding(struct cli_run *run, enum cli_kind kind,
                                int pid);

struct frame {
    uint64_t pc;
    const char *module;
    uint64_t offset;
    const char *function, *file;
    int line;
};

/* A leak's usual stack: main, called from libc. */
extern const struct frame main_x12, libc_start;

/* Appends fr to f's stack, its strings interned in run. */
void add_frame(struct cli_run *run, struct cli_finding *f,
               const struct frame *fr);
/* A traced process that ended as end and value say. */
void add_traced(struct cli_run *run, int pid, int ppid, const char *const *argv,
                enum cli_end end, int value);
/* s interned in run (asserted). */
const char *intern(struct cli_run *run, const char *s);
/* A traced command, borrowed (as main's argv): cli_run_free leaves it. */
extern char *prog_arg[];
/* One finding of each kind, a suppressed leak, two processes, a warning:
 * the command prog_arg, exit status 1. */
void build_full_run(struct cli_run *run);

/* A stream that writes into fx->text (the last report freed); close it
 * with end_text. */
FILE *begin_text(struct report_fx *fx);
void end_text(FILE *m);
/* Writes the run's report, as it stands, into fx->text; returns the
 * writer's result. */
int render(struct report_fx *fx, writer *w);
/* render() after cli_summarize. */
int render_summarized(struct report_fx *fx, writer *w);
/* How many times s occurs in text, not overlapping. */
size_t count(const char *text, const char *s);
/* Fails, showing both, unless s is in text. */
void assert_contains(const char *text, const char *s);

/* --- suppressions ------------------------------------------------------- */

#define GUARD 0xa5

struct supp_result {
    int rc;
    char err[512];
};

/* Parses text (a C string) as "supp.txt" into s; r->err is filled with
 * GUARD first. Returns r->rc. */
int supp_parse(struct cli_supp *s, const char *text, struct supp_result *r);
/* A new, empty set (asserted). */
struct cli_supp *supp_new_set(void);
/* A set holding the rules of text, which must all be good. */
struct cli_supp *supp_set_of(const char *text);
/* A frame at 0x401000 (line 12) with these names (NULL: unknown). */
struct cli_frame supp_frame(const char *function, const char *file,
                            const char *module);
/* A finding of kind (shmid 5) with the given frames (n of them). */
struct cli_finding supp_finding(enum cli_kind kind, int inherited,
                                const struct cli_frame *frames, unsigned n);
/* A finding whose one frame knows only its function. */
struct cli_finding supp_in_function(enum cli_kind kind, const char *fun);
/* Fails unless the n bytes at p still hold GUARD. */
void assert_untouched(const char *p, size_t n);

/* --- expected output and checks in Python ------------------------------- */

/* The whole of tests/cli/expected/NAME, NUL-terminated; valid until the
 * next call. */
const char *expected_text(const char *name);

/* Pipes text into python3 tests/cli/SCRIPT ARGS; the test is skipped when
 * there is no python3. Returns the script's exit status. */
int python_check(const char *script, const char *args, const char *text);

#endif
