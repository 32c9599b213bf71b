/*
 * settings.c - SHMCHECK_* settings from an environment array.
 *
 * Each option of SHMC_TRACE_OPTIONS has a parser parse_<NAME> and a domain
 * dom_<NAME> (what is allowed, for the warning); the table below is built
 * from the X-macro, so an option without both does not compile. Defaults
 * go through the same parsers as the environment. A parser checks the whole
 * value first and writes cfg only when it accepts it, so a refused value
 * leaves the default in place.
 *
 * Runs in the tracer's constructor, inside any program: no allocation, no
 * stdio, no system calls, no state but the arguments.
 */
#define _GNU_SOURCE /* PATH_MAX, which settings.h uses, is POSIX, not C11 */
#include "settings.h"

#include <stdint.h>
#include <string.h>

#include "textbuf.h"

#define PREFIX "SHMCHECK_"
#define PREFIX_LEN (sizeof PREFIX - 1)
#define SHOW_MAX 64 /* characters of a value quoted in a warning */
#define STR_(x) #x
#define STR(x) STR_(x)
#define DEPTH_MIN 1
#define DEPTH_MAX 32
#define EXIT_MIN 0
#define EXIT_MAX 255
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What an option accepts: text, then the words of its word table. A path
 * is refused in secure execution, whatever it is: whoever sets the
 * environment of a setuid program must not choose where it writes. */
struct domain {
    const char *text;
    const struct shmc_word *words;
    size_t nwords;
    int path;
};

/* A parser's verdict: what == NULL accepts; word names the part of the
 * value at fault; bare drops "allowed:" (the value was not malformed). */
struct problem {
    const char *what;
    const char *word;
    size_t word_len;
    int bare;
};

typedef struct problem parse_fn(struct shmc_trace_config *cfg, const char *v);

struct option {
    const char *name;
    const char *def;
    const char *help;
    parse_fn *parse;
    const struct domain *dom;
};

/* Up to n bytes of s (stopping at a NUL), at most SHOW_MAX characters,
 * bytes outside printable ASCII and the quote and backslash as \xNN, and
 * "..." when something was left out. Any bytes make one safe line. */
static void put_shown(struct shmc_textbuf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, shown = 0;

    for (i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = c >= 0x20 && c < 0x7f && c != '\'' && c != '\\';
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

        if (shown + (plain ? 1 : 4) > SHOW_MAX)
            break;
        shmc_textbuf_putn(o, plain ? (const char *)&s[i] : esc, plain ? 1 : 4);
        shown += plain ? 1 : 4;
    }
    if (i < n && s[i] != '\0')
        shmc_textbuf_put(o, "...");
}

/* The index of word s[0..n) in t, or -1. */
static int find_word(const struct shmc_word *t, size_t nt, const char *s,
                     size_t n)
{
    for (size_t i = 0; i < nt; i++)
        if (strlen(t[i].name) == n && memcmp(t[i].name, s, n) == 0)
            return (int)i;
    return -1;
}

/* Decimal digits only (leading zeros allowed), lo..hi; no sign, blank or
 * base prefix. Saturates, so no length of digits can overflow. */
static struct problem parse_decimal(const char *v, unsigned lo, unsigned hi,
                                    unsigned *out)
{
    struct problem p = {0};
    unsigned x = 0;

    if (*v == '\0')
        p.what = "empty";
    for (; p.what == NULL && *v != '\0'; v++) {
        if (*v < '0' || *v > '9')
            p.what = "not a decimal number";
        else if (x <= hi)
            x = x * 10 + (unsigned)(*v - '0');
    }
    if (p.what == NULL && (x < lo || x > hi))
        p.what = "out of range";
    if (p.what == NULL)
        *out = x;
    return p;
}

static struct problem parse_word(const struct domain *d, const char *v,
                                 unsigned *out)
{
    struct problem p = {0};
    int i = find_word(d->words, d->nwords, v, strlen(v));

    if (i < 0)
        p.what = *v == '\0' ? "empty" : "unknown word";
    else
        *out = d->words[i].value;
    return p;
}

/* An option whose value is one word of its table (words), stored in
 * cfg->field as an enum type: its domain and its parser. */
#define WORD_OPTION(name, words, field, type)                             \
    static const struct domain dom_##name = {"", words, NELEM(words), 0}; \
    static struct problem parse_##name(struct shmc_trace_config *cfg,     \
                                       const char *v)                     \
    {                                                                     \
        unsigned x;                                                       \
        struct problem p = parse_word(&dom_##name, v, &x);                \
                                                                          \
        if (p.what == NULL)                                               \
            cfg->field = (type)x;                                         \
        return p;                                                         \
    }

static const struct domain dom_SHMCHECK_LOG_DIR = {
    "an absolute path shorter than PATH_MAX, or empty (no journal)", NULL, 0,
    1};

/* Empty means no journal. The directory is not looked at here (no system
 * calls): the journal writer finds out whether it can use it. */
static struct problem parse_SHMCHECK_LOG_DIR(struct shmc_trace_config *cfg,
                                             const char *v)
{
    struct problem p = {0};
    size_t n = 0;

    if (*v != '\0' && *v != '/')
        p.what = "not an absolute path";
    while (p.what == NULL && v[n] != '\0')
        if (++n >= PATH_MAX)
            p.what = "too long";
    if (p.what == NULL)
        memcpy(cfg->log_dir, v, n + 1);
    return p;
}

static const struct shmc_word report_words[] = {
    {"stderr", SHMC_REPORT_STDERR},
    {"logdir", SHMC_REPORT_LOGDIR},
    {"none", SHMC_REPORT_NONE},
};
WORD_OPTION(SHMCHECK_REPORT, report_words, report, enum shmc_report_to)

static const struct shmc_word stacks_words[] = {
    {"off", SHMC_STACKS_OFF},   {"0", SHMC_STACKS_OFF},
    {"no", SHMC_STACKS_OFF},    {"false", SHMC_STACKS_OFF},
    {"fast", SHMC_STACKS_FAST}, {"on", SHMC_STACKS_FAST},
    {"1", SHMC_STACKS_FAST},    {"yes", SHMC_STACKS_FAST},
    {"true", SHMC_STACKS_FAST}, {"full", SHMC_STACKS_FULL},
};
WORD_OPTION(SHMCHECK_STACKS, stacks_words, stacks, enum shmc_stacks)

static const struct domain dom_SHMCHECK_STACK_DEPTH = {
    "decimal " STR(DEPTH_MIN) ".." STR(DEPTH_MAX), NULL, 0, 0};

static struct problem parse_SHMCHECK_STACK_DEPTH(struct shmc_trace_config *cfg,
                                                 const char *v)
{
    return parse_decimal(v, DEPTH_MIN, DEPTH_MAX, &cfg->stack_depth);
}

static const struct domain dom_SHMCHECK_ERRORS = {
    "a comma list (no blanks) of ", shmc_kind_words, SHMC_KIND_WORDS, 0};

/* All words are checked before cfg is written: one bad word keeps the
 * whole default rather than half the list. */
static struct problem parse_SHMCHECK_ERRORS(struct shmc_trace_config *cfg,
                                            const char *v)
{
    struct shmc_kinds_problem k = shmc_kinds_parse(v, &cfg->errors);

    return (struct problem){k.what, k.word, k.word_len, 0};
}

static const struct domain dom_SHMCHECK_EXITCODE = {
    "decimal " STR(EXIT_MIN) ".." STR(EXIT_MAX), NULL, 0, 0};

static struct problem parse_SHMCHECK_EXITCODE(struct shmc_trace_config *cfg,
                                              const char *v)
{
    unsigned x;
    struct problem p = parse_decimal(v, EXIT_MIN, EXIT_MAX, &x);

    if (p.what == NULL)
        cfg->exitcode = (int)x;
    return p;
}

static const struct shmc_word on_error_words[] = {
    {"exit", SHMC_ON_ERROR_EXIT},
    {"abort", SHMC_ON_ERROR_ABORT},
};
WORD_OPTION(SHMCHECK_ON_ERROR, on_error_words, on_error, enum shmc_on_error)

#define OPTION_ROW(name, def, help) \
    {#name, def, help, parse_##name, &dom_##name},
static const struct option options[] = {SHMC_TRACE_OPTIONS(OPTION_ROW)};
#undef OPTION_ROW

/* parse_entry keeps one bit per option in an unsigned. */
_Static_assert(NELEM(options) <= 32, "too many options for the seen mask");

/* "shmcheck: NAME='value': what 'word'; allowed: ...; using fallback" */
static void warn_value(struct shmc_textbuf *o, const char *name, const char *v,
                       const struct problem *p, const struct domain *d,
                       const char *fallback)
{
    shmc_textbuf_put(o, "shmcheck: ");
    shmc_textbuf_put(o, name);
    shmc_textbuf_put(o, "='");
    put_shown(o, v, SIZE_MAX);
    shmc_textbuf_put(o, "': ");
    shmc_textbuf_put(o, p->what);
    if (p->word != NULL) {
        shmc_textbuf_put(o, " '");
        put_shown(o, p->word, p->word_len);
        shmc_textbuf_put(o, "'");
    }
    if (!p->bare) {
        shmc_textbuf_put(o, "; allowed: ");
        shmc_textbuf_put(o, d->text);
        for (size_t i = 0; i < d->nwords; i++) {
            shmc_textbuf_put(o, i > 0 ? ", " : "");
            shmc_textbuf_put(o, d->words[i].name);
        }
    }
    shmc_textbuf_put(o, "; using ");
    shmc_textbuf_put(o, *fallback != '\0' ? fallback : "''");
    shmc_textbuf_put(o, "\n");
}

static void warn_unknown(struct shmc_textbuf *o, const char *name, size_t n)
{
    shmc_textbuf_put(o, "shmcheck: unknown setting ");
    put_shown(o, name, n);
    shmc_textbuf_put(o, " (known: ");
    for (size_t i = 0; i < NELEM(options); i++) {
        shmc_textbuf_put(o, i > 0 ? ", " : "");
        shmc_textbuf_put(o, options[i].name);
    }
    shmc_textbuf_put(o, ")\n");
}

/* Whether name[0..n) is one of the CLI's settings. */
static int cli_setting(const char *name, size_t n)
{
    static const char *const cli[] = SHMC_CLI_SETTINGS;

    for (size_t i = 0; i < NELEM(cli); i++)
        if (strlen(cli[i]) == n && memcmp(cli[i], name, n) == 0)
            return 1;
    return 0;
}

/* The option called name[0..n), or -1. */
static int find_option(const char *name, size_t n)
{
    for (size_t i = 0; i < NELEM(options); i++)
        if (strlen(options[i].name) == n &&
            memcmp(options[i].name, name, n) == 0)
            return (int)i;
    return -1;
}

static struct problem parse_value(const struct option *opt,
                                  struct shmc_trace_config *cfg, const char *v,
                                  int secure)
{
    struct problem p = {"ignored in secure (setuid) execution", NULL, 0, 1};

    if (secure && opt->dom->path && *v != '\0')
        return p;
    return opt->parse(cfg, v);
}

/* One "NAME=value" entry; returns the number of warnings it adds (0, 1).
 * seen has a bit per option already set from envp. */
static int parse_entry(struct shmc_trace_config *cfg, const char *e, int secure,
                       unsigned *seen, struct shmc_textbuf *o)
{
    const char *eq = strchr(e, '=');
    size_t n = eq != NULL ? (size_t)(eq - e) : 0;
    struct problem p;
    int i;

    if (eq == NULL || n < PREFIX_LEN || memcmp(e, PREFIX, PREFIX_LEN) != 0)
        return 0;
    if (n > PREFIX_LEN && e[PREFIX_LEN] == '_')
        return 0; /* SHMCHECK__*: reserved for the CLI's internal use */
    i = find_option(e, n);
    if (i < 0 && cli_setting(e, n))
        return 0; /* the CLI's, not ours */
    if (i < 0) {
        warn_unknown(o, e, n);
        return 1;
    }
    /* Like getenv, which returns the first match, the first entry wins;
     * later ones are not even parsed. */
    if (*seen & (1u << i))
        return 0;
    *seen |= 1u << i;
    p = parse_value(&options[i], cfg, eq + 1, secure);
    if (p.what == NULL)
        return 0;
    warn_value(o, options[i].name, eq + 1, &p, options[i].dom, options[i].def);
    return 1;
}

int shmc_trace_config_parse(struct shmc_trace_config *cfg, char *const *envp,
                            int secure, char *warn, size_t wlen)
{
    struct shmc_textbuf o;
    unsigned seen = 0;
    int count = 0;

    shmc_textbuf_init(&o, warn, wlen);
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NELEM(options); i++)
        (void)options[i].parse(cfg, options[i].def);
    for (; envp != NULL && *envp != NULL; envp++)
        /* LCOV_EXCL_BR_START: count reaches INT_MAX only after INT_MAX
         * entries, more than any environment holds */
        if (parse_entry(cfg, *envp, secure, &seen, &o) && count < INT_MAX)
            count++;
    /* LCOV_EXCL_BR_STOP */
    /* Decided after every entry, so the order of the two does not matter. */
    if (cfg->report == SHMC_REPORT_LOGDIR && cfg->log_dir[0] == '\0') {
        struct problem p = {"no usable SHMCHECK_LOG_DIR", NULL, 0, 1};

        warn_value(&o, "SHMCHECK_REPORT", "logdir", &p, NULL, "stderr");
        cfg->report = SHMC_REPORT_STDERR;
        if (count < INT_MAX) /* LCOV_EXCL_BR_LINE: as above */
            count++;
    }
    return count;
}

size_t shmc_trace_config_help(char *buf, size_t len)
{
    struct shmc_textbuf o;

    shmc_textbuf_init(&o, buf, len);
    for (size_t i = 0; i < NELEM(options); i++) {
        shmc_textbuf_put(&o, options[i].name);
        shmc_textbuf_put(&o, "=");
        shmc_textbuf_put(&o, options[i].def);
        shmc_textbuf_put(&o, "  ");
        shmc_textbuf_put(&o, options[i].help);
        shmc_textbuf_put(&o, "\n");
    }
    return o.total;
}
